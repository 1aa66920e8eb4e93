"""Checks of the v1-consumer area: consumer instances of API v1 (contract.md §2.1 #8–#11, §4.5, §8.9).

The v1 lifecycle is create → `base_uri` → `GET {base_uri}/topics/{t}` → `POST {base_uri}/offsets`
→ `DELETE {base_uri}`. A v1 instance has no seek: to read its own records a check produces them
first and creates its consumer with `smallest` in a group of its own; everything else uses
`largest` so no backlog is read. An empty v1 read is held ~1 s by Confluent, so probes stop
reading as soon as the records they wait for have come.

Judges are pure functions of exchanges (`judge_*`); the probes only send requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from conformance.checks.consumer_common import (
    NO_SUCH,
    Rec,
    Sent,
    Session,
    all_records,
    body_of,
    created,
    error_code,
    find,
    got,
    is_error_body,
    judge_arrived,
    need,
    need_instance,
    own_records,
    produce_values,
    read_target,
    records_of,
    require_status,
    sent,
    unique,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.exchange import Exchange
from conformance.media import BINARY_V1
from conformance.requirements import ApiVersion

V1: tuple[ApiVersion, ...] = ("v1",)
SMALLEST = {"format": "binary", "auto.offset.reset": "smallest", "auto.commit.enable": "false"}
LARGEST = {"format": "binary", "auto.offset.reset": "largest", "auto.commit.enable": "false"}
MAX_READS = 10  # §8 C10: "within 10 reads"
COMMIT_FIELDS = ("topic", "partition", "consumed", "committed")
NEW_CONSUMER_RESETS = ("earliest", "latest", "none")  # C6: the v2 vocabulary
FORMAT_MISMATCH_ACCEPTS: tuple[str | None, ...] = (BINARY_V1, "*/*", None)  # C17


checks = CheckSet("v1-consumer", versions=V1)
_req = checks.requirement


# -- judges ---------------------------------------------------------------------------------------


def judge_created(exchanges: Sequence[Exchange]) -> Judgement:
    """C1 / D1: 200 `{instance_id, base_uri}` with a non-empty id."""
    j = Judgement()
    for ex in exchanges:
        if require_status(
            j, ex, 200, what="consumer creation", why="clients cannot consume without an instance"
        ):
            j.require(
                created(ex) is not None,
                "a body {instance_id: non-empty string, base_uri: string}",
                ex.response.text[:200] if ex.response is not None else "",
                "clients address the instance through these two fields",
                ex,
            )
    return j


def judge_instance_id(cases: Sequence[tuple[Exchange, str]], *, what: str, why: str) -> Judgement:
    """Each creation answered 200 and `instance_id` is the expected name (C3, D3, D4)."""
    j = Judgement()
    for ex, expected in cases:
        if not require_status(j, ex, 200, what=what, why=why):
            continue
        made = created(ex)
        j.require(
            made is not None and made[0] == expected,
            f"{what}: instance_id {expected!r}",
            f"instance_id {made[0] if made else None!r}",
            why,
            ex,
        )
    return j


def base_uri_problem(base_uri: str, group: str, name: str, *, strict_path: bool) -> str | None:
    """Why `base_uri` is not an absolute URL of this instance (None when it is)."""
    try:
        parts = urlsplit(base_uri)
    except ValueError:
        return f"not a URL: {base_uri!r}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"not an absolute http(s) URL: {base_uri!r}"
    if strict_path:
        segments = [unquote(p) for p in parts.path.split("/") if p]
        if segments[-4:] != ["consumers", group, "instances", name]:
            return f"does not end with /consumers/{group}/instances/{name}: {base_uri!r}"
    return None


def judge_base_uri(
    create: Exchange, group: str, name: str, use: Exchange | None, *, strict_path: bool = True
) -> Judgement:
    """C2 / D3: `instance_id` = name; `base_uri` absolute (v1: ends with the instance path) and a
    request sent to it works (`use`: any 2xx)."""
    j = judge_instance_id(
        [(create, name)], what="creation with a name", why="clients pick their instance names"
    )
    made = created(create)
    if made is None:
        return j
    problem = base_uri_problem(made[1], group, name, strict_path=strict_path)
    j.require(
        problem is None,
        "base_uri: the absolute URL of the instance",
        problem or "",
        "clients send every later call of the instance to base_uri",
        create,
    )
    if use is not None:
        ok = use.status is not None and 200 <= use.status < 300
        j.require(
            ok, "a request to base_uri to work (2xx)", got(use), "base_uri is the instance's address", use
        )
    return j


def judge_duplicate(first: Exchange, second: Exchange, code: int | None) -> Judgement:
    """C4 / D5: a second instance with the same name in the group is refused with 409 (v1: 40902)."""
    j = Judgement()
    require_status(j, first, 200, what="the first creation", why="the duplicate cannot be judged without it")
    require_status(
        j, second, 409, code, what="the same name again",
        why="a second instance under a taken name would hijack or shadow the first consumer",
    )  # fmt: skip
    return j


def judge_outcomes(cases: Sequence[tuple[Exchange, int, int | None]], *, what: str, why: str) -> Judgement:
    """Each exchange got its status (and error_code, when given)."""
    j = Judgement()
    for ex, status, code in cases:
        body = request_summary(ex)
        require_status(j, ex, status, code, what=f"{what} {body}", why=why)
    return j


def request_summary(exchange: Exchange) -> str:
    body = exchange.request.body
    return "(no body)" if body is None else body.decode("utf-8", "replace")[:120]


def judge_no_earlier_records(reads: Sequence[Exchange], topic: str, partition: int, before: int) -> Judgement:
    """C7: a consumer created with defaults in a fresh group returns no record at or before
    `before` (an offset that existed before the consumer was created): the default is `largest`."""
    j = Judgement()
    for read in reads:
        recs = records_of(read, topic)
        if not j.require(recs is not None, "a read: 200 with a JSON array", got(read), "", read):
            continue
        early = [
            r.offset
            for r in recs or []
            if r.partition == partition and r.offset is not None and r.offset <= before
        ]
        j.require(
            not early,
            f"no record at or before offset {before} (default auto.offset.reset largest)",
            f"records at offsets {early[:5]}",
            "a default consumer that replays the whole log surprises clients written for Confluent v1",
            read,
        )
    return j


def judge_reads_shape(j: Judgement, reads: Sequence[Exchange], *, what: str) -> None:
    for read in reads:
        recs = records_of(read)
        j.require(
            recs is not None,
            f"{what}: 200 with a JSON array of records ([] when none)",
            got(read),
            "clients poll until records come and must be able to tell 'none yet' from an error",
            read,
        )


def judge_read(reads: Sequence[Exchange], wanted: Sequence[Sent], topic: str) -> Judgement:
    """C10: within the reads, the produced records arrive, in offset order, byte-identical."""
    j = Judgement()
    judge_reads_shape(j, reads, what="a consumer read")
    judge_arrived(j, reads, wanted, what="consumer read", path_topic=topic)
    return j


def judge_second_topic(first: Exchange, second: Exchange) -> Judgement:
    """C11: an instance reads only its first topic; a second one gets 409/40901."""
    j = Judgement()
    require_status(
        j, first, 200, what="the first topic's read", why="the second topic cannot be judged without it"
    )
    require_status(
        j, second, 409, 40901, what="a read of a second topic",
        why="a v1 instance is bound to its first topic; silently mixing topics breaks offset tracking",
    )  # fmt: skip
    return j


def last_returned(reads: Sequence[Exchange], topic: str) -> dict[tuple[str, int], int]:
    """The last offset returned per (topic, partition) across the reads."""
    out: dict[tuple[str, int], int] = {}
    for rec in all_records(reads, topic):
        if rec.partition is not None and rec.offset is not None:
            key = (rec.topic or topic, rec.partition)
            out[key] = max(out.get(key, -1), rec.offset)
    return out


def judge_commit(reads: Sequence[Exchange], commit: Exchange, topic: str) -> Judgement:
    """C14: 200 `[{topic, partition, consumed, committed}]`; `consumed` = the last offset returned;
    `committed` = `consumed`."""
    j = Judgement()
    if not require_status(j, commit, 200, what="commit", why="clients commit to resume later"):
        return j
    body = body_of(commit)
    entries = body if isinstance(body, list) else None
    if not j.require(
        entries is not None
        and all(isinstance(e, dict) and all(f in e for f in COMMIT_FIELDS) for e in entries),
        "a JSON array of {topic, partition, consumed, committed}",
        commit.response.text[:200] if commit.response is not None else "",
        "clients read what was committed from this answer",
        commit,
    ):
        return j
    # Only well-typed keys: a malformed entry must fail the check, not crash it.
    by_tp = {
        (e["topic"], e["partition"]): e
        for e in entries or []
        if isinstance(e["topic"], str) and isinstance(e["partition"], int)
    }
    for (t, p), last in sorted(last_returned(reads, topic).items()):
        entry = by_tp.get((t, p))
        if not j.require(entry is not None, f"an entry for {t}/{p}", f"entries {sorted(by_tp)}", "", commit):
            continue
        assert entry is not None
        j.require(
            entry["consumed"] == last,
            f"{t}/{p} consumed = {last} (the offset of the last record returned)",
            f"consumed {entry['consumed']!r}",
            "v1 clients track progress by `consumed`; a wrong value skips or repeats records",
            commit,
        )
        j.require(
            entry["committed"] == entry["consumed"],
            f"{t}/{p} committed = consumed ({entry['consumed']!r})",
            f"committed {entry['committed']!r}",
            "after a successful commit the committed position is what was consumed",
            commit,
        )
    return j


def judge_resume(
    first_reads: Sequence[Exchange], second_reads: Sequence[Exchange], topic: str, partition: int
) -> Judgement:
    """C15: a new instance of the group (after commit and delete) starts right after the last
    record the first instance consumed."""
    j = Judgement()
    consumed = last_returned(first_reads, topic).get((topic, partition))
    if not j.require(
        consumed is not None,
        f"the first instance to read records of {topic}/{partition}",
        "no records",
        "",
        first_reads[-1] if first_reads else None,
    ):
        return j
    assert consumed is not None
    judge_reads_shape(j, second_reads, what="the new instance's read")
    mine = [r for r in all_records(second_reads, topic) if r.partition == partition and r.offset is not None]
    first = mine[0].offset if mine else None
    j.require(
        first == consumed + 1,
        f"the new instance of the group to start at {consumed + 1} (committed {consumed} + 1)",
        f"first offset {first}" if first is not None else f"no record of {topic}/{partition}",
        "a group that does not resume where it committed re-reads or skips records",
        second_reads[-1] if second_reads else None,
    )
    return j


def judge_delete(delete: Exchange, after: Sequence[Exchange], gone_code: int | None) -> Judgement:
    """C16 / D30: delete → 204 with an empty body; then every call on the instance → 404
    (v1: 40403)."""
    j = Judgement()
    if require_status(j, delete, 204, what="delete", why="clients release instances with DELETE"):
        j.require(
            delete.response is not None and not delete.response.body,
            "204 with an empty body",
            f"{len(delete.response.body) if delete.response else 0} body bytes",
            "a 204 carries no content (RFC 9110)",
            delete,
        )
    for ex in after:
        require_status(
            j, ex, 404, gone_code, what=f"{ex.request.method} on a deleted instance",
            why="a deleted instance must be gone; answering for it hides lost state",
        )  # fmt: skip
    return j


def judge_unknown_instance(exchanges: Sequence[Exchange], code: int | None) -> Judgement:
    """C13 / D30: read, commit, delete of an instance that never existed → 404 (v1: 40403)."""
    j = Judgement()
    for ex in exchanges:
        require_status(
            j, ex, 404, code, what=f"{ex.request.method} on an unknown instance",
            why="clients detect a lost instance (e.g. after a proxy restart) by this answer",
        )  # fmt: skip
    return j


def binary_only_refusal(create: Exchange) -> bool:
    """§6: a binary-only target may refuse a json consumer with 422 and an error body."""
    return create.status == 422 and is_error_body(create)


def judge_format_mismatch(create: Exchange, reads: Sequence[Exchange], version: str) -> Judgement:
    """C17 / D31: a json consumer read with a binary (or wildcard, or no) Accept → 406 with an
    error body; v1: 406/40601 with a JSON Content-Type. A binary-only target that refused the
    json consumer (§6) passes: the mismatch cannot arise."""
    j = Judgement()
    if binary_only_refusal(create):
        j.observe("binary-only target: the json consumer was refused with 422 (contract.md §6)")
        return j
    if not require_status(
        j, create, 200, what="a json consumer", why="the mismatch cannot be probed without it"
    ):
        return j
    for read in reads:
        accept = read.request.header("accept")
        label = f"Accept {accept}" if accept is not None else "no Accept"
        ok = read.status == 406 and is_error_body(read)
        if version == "v1":
            ok = (
                ok
                and error_code(read) == 40601
                and read.response is not None
                and read.response.is_json_labelled
            )
        want = "406/40601 with a JSON Content-Type" if version == "v1" else "406 with an error body"
        j.require(
            ok,
            f"json consumer read with {label}: {want}",
            got(read),
            "a consumer must not hand out records in a format the client did not ask for",
            read,
        )
    return j


# -- probe helpers --------------------------------------------------------------------------------


def read_until(
    ctx: CheckContext, path: str, topic: str, wanted: Sequence[Sent], limit: int = MAX_READS
) -> list[Exchange]:
    """Read until every wanted record came (or `limit` reads, or an error answer)."""
    reads: list[Exchange] = []
    for _ in range(limit):
        read = ctx.api.v1_read(path, topic)
        reads.append(read)
        if read.status != 200:
            break
        recs: list[Rec] = all_records(reads, topic)
        if all(find(recs, s.topic, s.partition, s.offset) for s in wanted):
            break
    return reads


def _own(ctx: CheckContext, label: str, n: int) -> tuple[str, int, Exchange, list[Sent]]:
    topic, partition = read_target(ctx)
    ex = produce_values(ctx, topic, partition, [unique(ctx, f"{label}{i}") for i in range(n)])
    return topic, partition, ex, own_records(ex, n)


def _name(ctx: CheckContext, label: str) -> str:
    return f"{ctx.run_id}-{label}-{ctx.rng.getrandbits(24):06x}"


# -- checks ---------------------------------------------------------------------------------------


@checks.add(_req(
    "V1C-001", "Consumer creation with {} or no body", ("C1",), "2.1",
    "POST /consumers/{group} with {} or with no body answers 200 {instance_id, base_uri}.",
))  # fmt: skip
def create_defaults(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("c1")
        no_body, _ = s.create(group, None, content_type=ctx.api.media.generic)
        empty, _ = s.create(group, {})
        return judge_created([no_body, empty])


@checks.add(_req(
    "V1C-002", "Named consumer: instance_id and a usable absolute base_uri", ("C2",), "2.1",
    "Creation with `name` answers instance_id = name and an absolute base_uri ending with "
    "/consumers/{group}/instances/{name} that works.",
))  # fmt: skip
def create_named(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group, name = ctx.group("c2"), _name(ctx, "c2")
        create, path = s.create(group, {"name": name, **LARGEST})
        made = created(create)
        use = None
        if made is not None and base_uri_problem(made[1], group, name, strict_path=False) is None:
            use = ctx.api.delete_consumer(made[1])  # base_uri's own DELETE: the instance's address works
            if use.status == 204 and path is not None:
                s.forget(path)
        return judge_base_uri(create, group, name, use)


@checks.add(_req(
    "V1C-003", "Deprecated `id` names the instance and wins over `name`", ("C3",), "2.1",
    "Creation with the deprecated `id` answers instance_id = id; with both `id` and `name`, id wins.",
))  # fmt: skip
def create_deprecated_id(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("c3")
        only_id, both_id, both_name = _name(ctx, "c3id"), _name(ctx, "c3x"), _name(ctx, "c3y")
        a, _ = s.create(group, {"id": only_id, **LARGEST})
        b, _ = s.create(group, {"id": both_id, "name": both_name, **LARGEST})
        return judge_instance_id(
            [(a, only_id), (b, both_id)], what="creation with the deprecated id",
            why="IBM Message Hub clients name instances with `id` (contract.md §6)",
        )  # fmt: skip


@checks.add(_req(
    "V1C-004", "Duplicate instance name: 409/40902", ("C4",), "2.1",
    "A second instance with a name already used in the group is refused with 409/40902.",
))  # fmt: skip
def duplicate_name(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group, name = ctx.group("c4"), _name(ctx, "c4")
        first, _ = s.create(group, {"name": name, **LARGEST})
        second, _ = s.create(group, {"name": name, **LARGEST})
        return judge_duplicate(first, second, 40902)


@checks.add(_req(
    "V1C-005", "auto.offset.reset: smallest and largest accepted, bogus 422/42204", ("C5",), "4.5",
    "`smallest` and `largest` are accepted (200); an unknown value is refused with 422/42204.",
))  # fmt: skip
def offset_reset_vocabulary(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("c5")
        smallest, _ = s.create(group, SMALLEST)
        largest, _ = s.create(group, LARGEST)
        bogus, _ = s.create(group, {**LARGEST, "auto.offset.reset": "bogus"})
        return judge_outcomes(
            [(smallest, 200, None), (largest, 200, None), (bogus, 422, 42204)],
            what="creation with", why="v1 clients rely on the old consumer's reset vocabulary",
        )  # fmt: skip


@checks.add(_req(
    "V1C-006", "auto.offset.reset: the v2 vocabulary is refused in v1", ("C6",), "4.5",
    "`earliest`, `latest` and `none` are refused in v1 with 422/42204.",
))  # fmt: skip
def offset_reset_new_vocabulary(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("c6")
        cases = [
            (s.create(group, {**LARGEST, "auto.offset.reset": v})[0], 422, 42204) for v in NEW_CONSUMER_RESETS
        ]
        return judge_outcomes(
            cases,
            what="creation with",
            why="a v1 server that takes the new consumer's words is not the v1 API",
        )


@checks.add(_req(
    "V1C-007", "The default auto.offset.reset is largest", ("C7",), "4.5",
    "A consumer created with {} in a fresh group does not return records written before it existed.",
))  # fmt: skip
def default_reset_largest(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "c7-", 1)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c7"), {})
        path = need_instance(create, path)
        read = ctx.api.v1_read(path, topic)
        return judge_no_earlier_records([read], topic, partition, mine[-1].offset)


@checks.add(_req(
    "V1C-008", "format: xml refused with 422/422, BINARY accepted", ("C8",), "2.1",
    "`format: xml` is refused with 422/422; the format name is case-insensitive (`BINARY` → 200).",
))  # fmt: skip
def format_field(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("c8")
        xml, _ = s.create(group, {**LARGEST, "format": "xml"})
        upper, _ = s.create(group, {**LARGEST, "format": "BINARY"})
        return judge_outcomes(
            [(xml, 422, 422), (upper, 200, None)], what="creation with",
            why="clients send the format in either case and must learn when it is not supported",
        )  # fmt: skip


@checks.add(_req(
    "V1C-009", "Unknown creation field: 422/422", ("C9",), "2.1",
    "A consumer creation with an unknown field is refused with 422/422.",
))  # fmt: skip
def unknown_field(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        ex, _ = s.create(ctx.group("c9"), {**LARGEST, "foo": "bar"})
        return judge_outcomes(
            [(ex, 422, 422)], what="creation with", why="a misspelt setting must not be ignored"
        )


@checks.add(_req(
    "V1C-010", "Consumer read returns the produced records", ("C10",), "2.1",
    "Within 10 reads a consumer returns the records produced before it, in offset order and "
    "byte-identical; a read with nothing new is [].",
))  # fmt: skip
def read_records(ctx: CheckContext) -> Judgement:
    topic, _, _, mine = _own(ctx, "c10-", 3)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c10"), SMALLEST)
        path = need_instance(create, path)
        return judge_read(read_until(ctx, path, topic, mine), mine, topic)


@checks.add(_req(
    "V1C-011", "A second topic on the same instance: 409/40901", ("C11",), "2.1",
    "An instance that read one topic answers a read of another topic with 409/40901.",
    needs=frozenset({"single-partition-topic"}),
))  # fmt: skip
def second_topic(ctx: CheckContext) -> Judgement:
    assert ctx.single_topic is not None
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c11"), LARGEST)
        path = need_instance(create, path)
        first = ctx.api.v1_read(path, ctx.single_topic)
        second = ctx.api.v1_read(path, ctx.topic)
        return judge_second_topic(first, second)


@checks.add(_req(
    "V1C-012", "Consumer read of an unknown topic: 404/40401", ("C12",), "2.1",
    "A consumer read of a topic that does not exist answers 404/40401.",
))  # fmt: skip
def unknown_topic(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c12"), LARGEST)
        path = need_instance(create, path)
        read = ctx.api.v1_read(path, f"{NO_SUCH}-{ctx.run_id}-topic")
        return judge_outcomes(
            [(read, 404, 40401)],
            what="read of an unknown topic",
            why="clients must learn the topic is missing",
        )


@checks.add(_req(
    "V1C-013", "Unknown instance: read, commit and delete answer 404/40403", ("C13",), "2.1",
    "Read, commit and delete of an instance that does not exist answer 404/40403.",
))  # fmt: skip
def unknown_instance(ctx: CheckContext) -> Judgement:
    from conformance.checks.api import instance_path

    path = instance_path(ctx.group("c13"), f"{NO_SUCH}-instance")
    topic, _ = read_target(ctx)
    return judge_unknown_instance(
        [ctx.api.v1_read(path, topic), ctx.api.v1_commit(path), ctx.api.delete_consumer(path)], 40403
    )


@checks.add(_req(
    "V1C-014", "Commit: consumed is the last returned offset, committed = consumed", ("C14",), "2.1",
    "POST …/offsets answers 200 [{topic, partition, consumed, committed}] with consumed = the offset "
    "of the last record returned and committed = consumed.",
))  # fmt: skip
def commit(ctx: CheckContext) -> Judgement:
    topic, partition, _, first = _own(ctx, "c14a-", 2)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c14"), SMALLEST)
        path = need_instance(create, path)
        reads = read_until(ctx, path, topic, first)
        # A second round: a commit that is right after one read but wrong after two is a real bug.
        ex2 = produce_values(ctx, topic, partition, [unique(ctx, f"c14b-{i}") for i in range(2)])
        reads += read_until(ctx, path, topic, own_records(ex2, 2))
        return judge_commit(reads, ctx.api.v1_commit(path), topic)


@checks.add(_req(
    "V1C-015", "A new instance of the group resumes after the commit", ("C15",), "4.5",
    "After commit and delete, a new instance of the same group starts at committed+1.",
))  # fmt: skip
def resume(ctx: CheckContext) -> Judgement:
    topic, partition, _, first = _own(ctx, "c15a-", 2)
    group = ctx.group("c15")
    with Session(ctx) as s:
        create, path = s.create(group, SMALLEST)
        path = need_instance(create, path)
        first_reads = read_until(ctx, path, topic, first)
        need(ctx.api.v1_commit(path), 200, "committing what the first instance read")  # C14: V1C-014
        need(s.delete(path), 204, "deleting the first instance")  # C16: V1C-016
        ex2 = produce_values(ctx, topic, partition, [unique(ctx, f"c15b-{i}") for i in range(2)])
        create2, path2 = s.create(group, SMALLEST)
        path2 = need_instance(create2, path2, "creating the group's second instance")
        second_reads = read_until(ctx, path2, topic, own_records(ex2, 2))
        return judge_resume(first_reads, second_reads, topic, partition)


@checks.add(_req(
    "V1C-016", "Delete answers 204; the instance is then gone (404/40403)", ("C16",), "2.1",
    "DELETE of an instance answers 204 with an empty body; a second delete, a read and a commit "
    "then answer 404/40403.",
))  # fmt: skip
def delete(ctx: CheckContext) -> Judgement:
    topic, _ = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c16"), LARGEST)
        path = need_instance(create, path)
        gone = s.delete(path)
        after = [ctx.api.delete_consumer(path), ctx.api.v1_read(path, topic), ctx.api.v1_commit(path)]
        return judge_delete(gone, after, 40403)


@checks.add(_req(
    "V1C-017", "Format mismatch: a json consumer read as binary answers 406/40601", ("C17",), "4.5",
    "A json-format consumer read with Accept binary.v1, */* or none answers 406/40601 with a JSON "
    "Content-Type (a binary-only target may refuse the json consumer instead).",
))  # fmt: skip
def format_mismatch(ctx: CheckContext) -> Judgement:
    topic, _ = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c17"), {"format": "json", "auto.offset.reset": "largest"})
        reads = (
            [] if path is None else [ctx.api.v1_read(path, topic, accept=a) for a in FORMAT_MISMATCH_ACCEPTS]
        )
        return judge_format_mismatch(create, reads, "v1")


def judge_record_answers(exchanges: Sequence[Exchange], what: str) -> Judgement:
    """INFO rows: record what came back."""
    j = Judgement()
    for ex in exchanges:
        recs = records_of(ex)
        extra = f", {len(recs)} record(s)" if recs is not None and ex.request.method == "GET" else ""
        j.observe(f"{what}: {sent(ex)} -> {got(ex)}{extra}")
    return j


@checks.add(_req(
    "V1C-018", "max_bytes below the next record (recorded)", ("C18",), "4.6",
    "What a read with max_bytes=1 returns on a throwaway consumer (Confluent: records of 0 bytes, then []).",
))  # fmt: skip
def max_bytes_below_record(ctx: CheckContext) -> Judgement:
    topic, _ = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c18"), SMALLEST)  # throwaway group: §5.4
        if path is None:
            return judge_record_answers([create], "creation")
        return judge_record_answers([ctx.api.v1_read(path, topic, max_bytes=1)], "max_bytes=1 read")


@checks.add(_req(
    "V1C-019", "Header-less commit and delete (recorded)", ("C19",), "1.3",
    "What a commit and a delete with no Accept and no Content-Type answer (Confluent 5.5: they work).",
))  # fmt: skip
def headerless(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        create, path = s.create(ctx.group("c19"), LARGEST)
        if path is None:
            return judge_record_answers([create], "creation")
        none = {"Accept": None, "Content-Type": None}
        commit_ex = ctx.client.post(f"{path}/offsets", headers=none, label="header-less commit")
        delete_ex = ctx.client.delete(path, headers=none, label="header-less delete")
        if delete_ex.status == 204:
            s.forget(path)
        return judge_record_answers([commit_ex, delete_ex], "header-less")
