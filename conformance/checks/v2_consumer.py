"""Checks of the v2-consumer area: consumers of API v2 (contract.md §2.2 #8–#19, §4.5, §4.6, §8.10).

Probes follow §4.5 and §5.4: every instance lives in a group of the check's own, is created with
`auto.offset.reset` set and auto-commit off, and is deleted at the end; reads always send
`timeout`; commits always name offsets of the check's own topic (only D28 sends a body-less
commit, and D32, a commit naming an unknown topic, runs only when hazards are enabled). A seek is
sent only once the assignment exists: right after `assignments`, or after the first poll of a
subscription (Kafka refuses it before, D18/D19). Records are the check's own, produced first and
recognised by offset, because other checks write to the same topics concurrently.

Judges are pure functions of exchanges (`judge_*`); the probes only send requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conformance.checks.api import instance_path
from conformance.checks.consumer_common import (
    NO_SUCH,
    Sent,
    Session,
    all_records,
    body_of,
    created,
    find,
    got,
    judge_arrived,
    need,
    need_instance,
    own_records,
    produce_values,
    produced,
    read_target,
    records_of,
    require_status,
    sent,
    unique,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement, skip
from conformance.checks.v1_consumer import (
    base_uri_problem,
    judge_base_uri,
    judge_created,
    judge_delete,
    judge_duplicate,
    judge_format_mismatch,
    judge_instance_id,
    judge_outcomes,
    judge_record_answers,
)
from conformance.exchange import Exchange
from conformance.media import BINARY_V2, V2
from conformance.requirements import ApiVersion

V2_ONLY: tuple[ApiVersion, ...] = ("v2",)
EARLIEST = {"format": "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false"}
LATEST = {"format": "binary", "auto.offset.reset": "latest", "auto.commit.enable": "false"}
MAX_READS = 10  # §8 D20: "within 10 reads with timeout=1000"
RECORD_FIELDS = ("topic", "key", "value", "partition", "offset")
COMMITTED_FIELDS = ("topic", "partition", "offset", "metadata")
BODY_LESS_COMMIT_WAIT_S = 2.0  # §8 D28: Confluent commits asynchronously; allow 2 s
TIMEOUT_SLACK_MS = 2000  # §8 D22: allow `timeout` + 2 s
BIG = 512  # D23m: a record far above max_bytes=10 (contract.md §4.6 probe)


checks = CheckSet("v2-consumer", versions=V2_ONLY)
_req = checks.requirement


# -- judges ---------------------------------------------------------------------------------------


def judge_refused(exchange: Exchange, statuses: Sequence[int], *, what: str, why: str) -> Judgement:
    j = Judgement()
    require_status(j, exchange, statuses, what=what, why=why)
    return j


def topics_of(exchange: Exchange) -> list[object] | None:
    body = body_of(exchange)
    topics = body.get("topics") if isinstance(body, dict) and exchange.status == 200 else None
    return topics if isinstance(topics, list) else None


def judge_subscription_shape(get: Exchange) -> Judgement:
    """D12: `GET subscription` answers 200 with a `topics` array."""
    j = Judgement()
    j.require(
        topics_of(get) is not None,
        "GET subscription: 200 {topics: [...]}",
        f"{got(get)} {get.response.text[:120] if get.response is not None else ''}",
        "clients read their subscription back from this answer",
        get,
    )
    return j


def judge_subscription_contents(get: Exchange, expected: Sequence[str]) -> Judgement:
    """D12b: before any poll, `GET subscription` lists exactly the subscribed topics."""
    j = Judgement()
    topics = topics_of(get)
    j.require(
        topics is not None and sorted(map(str, topics)) == sorted(expected),
        f"GET subscription before any poll: topics {sorted(expected)}",
        f"{got(get)} topics {topics!r}",
        "a subscription that reads back empty looks lost to the client",
        get,
    )
    return j


def judge_unsubscribe(delete: Exchange, get: Exchange) -> Judgement:
    """D13: unsubscribe → 204; afterwards `topics` is []."""
    j = Judgement()
    require_status(j, delete, 204, what="DELETE subscription", why="clients unsubscribe this way")
    topics = topics_of(get)
    j.require(
        topics == [],
        "GET subscription after unsubscribe: {topics: []}",
        f"{got(get)} topics {topics!r}",
        "an unsubscribed consumer must not report a subscription",
        get,
    )
    return j


def partitions_of(exchange: Exchange) -> set[tuple[object, object]] | None:
    body = body_of(exchange)
    parts = body.get("partitions") if isinstance(body, dict) and exchange.status == 200 else None
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        return None
    # repr() keeps malformed (unhashable) values comparable: they fail the check, not crash it
    return {(p.get("topic"), p.get("partition")) if _hashable(p) else (repr(p), None) for p in parts}


def _hashable(entry: dict[str, object]) -> bool:
    return isinstance(entry.get("topic"), (str, type(None))) and isinstance(
        entry.get("partition"), (int, type(None))
    )


def judge_assignments(assign: Exchange, get: Exchange, expected: Sequence[tuple[str, int]]) -> Judgement:
    """D15b: `GET assignments` answers 200 {partitions: [{topic, partition}]} listing the assignment."""
    j = Judgement()
    require_status(j, assign, 204, what="assign", why="")
    listed = partitions_of(get)
    j.require(
        listed == set(expected),
        f"GET assignments: 200 listing {sorted(expected)}",
        f"{got(get)} partitions {sorted(listed, key=str) if listed is not None else None}",
        "clients check their manual assignment through this endpoint",
        get,
    )
    return j


def judge_conflict(first: Exchange, second: Exchange, first_what: str, second_what: str) -> Judgement:
    """D16 / D17: subscription and manual assignment are mutually exclusive: 409."""
    j = Judgement()
    require_status(j, first, 204, what=first_what, why="the conflict cannot be judged without it")
    require_status(
        j, second, 409, what=second_what,
        why="Kafka keeps subscription and assignment exclusive; accepting both leaves the client "
        "unsure which partitions it reads",
    )  # fmt: skip
    return j


@dataclass(frozen=True)
class SeekStep:
    """One seek and the reads after it: the first record of `topic/partition` must be at an offset
    in [lo, hi] (hi None: no upper bound); `must_return` when records exist there."""

    seek: Exchange
    reads: Sequence[Exchange]
    topic: str
    partition: int
    lo: int
    hi: int | None
    must_return: bool
    name: str


def first_offset(reads: Sequence[Exchange], topic: str, partition: int) -> int | None:
    for rec in all_records(reads):
        if rec.partition == partition and rec.topic in (topic, None) and rec.offset is not None:
            return rec.offset
    return None


def judge_seek(steps: Sequence[SeekStep]) -> Judgement:
    """D18: each seek on an assigned partition answers 204, and the next read starts there."""
    j = Judgement()
    for st in steps:
        if not require_status(j, st.seek, 204, what=st.name, why="clients reposition consumers this way"):
            continue
        first = first_offset(st.reads, st.topic, st.partition)
        if first is None:
            j.require(
                not st.must_return,
                f"after {st.name}: records of {st.topic}/{st.partition} from offset {st.lo}",
                f"no record in {len(st.reads)} read(s)",
                "a seek that does not move the consumer makes it skip or repeat records",
                st.reads[-1] if st.reads else st.seek,
            )
            continue
        want = f"offset {st.lo}" if st.hi == st.lo else f"an offset >= {st.lo}"
        if st.hi is not None and st.hi != st.lo:
            want = f"an offset in {st.lo}..{st.hi}"
        j.require(
            first >= st.lo and (st.hi is None or first <= st.hi),
            f"after {st.name}: the next read to start at {want}",
            f"first record at offset {first}",
            "a seek that does not move the consumer makes it skip or repeat records",
            st.reads[-1] if st.reads else st.seek,
        )
    return j


def judge_records_read(reads: Sequence[Exchange], wanted: Sequence[Sent], *, what: str) -> Judgement:
    """D20: the produced records arrive, byte-identical, each with topic, key, value, partition
    and offset (extra fields allowed)."""
    j = Judgement()
    for read in reads:
        recs = records_of(read)
        if not j.require(recs is not None, f"{what}: 200 with a JSON array", got(read), "", read):
            continue
        for rec in recs or []:
            missing = [f for f in RECORD_FIELDS if f not in rec.fields]
            if missing:
                j.fail(
                    f"{what}: records with {', '.join(RECORD_FIELDS)}",
                    f"a record without {', '.join(missing)}",
                    "clients locate a record by topic, partition and offset",
                    read,
                )
                break
    judge_arrived(j, reads, wanted, what=what)
    return j


def judge_assigned_read(seek: Exchange, reads: Sequence[Exchange], wanted: Sequence[Sent]) -> Judgement:
    """D21: after a seek to X, the records X… arrive in order, X first."""
    j = Judgement()
    require_status(j, seek, 204, what="seek", why="")
    if not wanted:
        return j
    x = wanted[0]
    first = first_offset(reads, x.topic, x.partition)
    j.require(
        first == x.offset,
        f"the first record after the seek at offset {x.offset}",
        f"first offset {first}",
        "an assigned read must start where the client put the consumer",
        reads[-1] if reads else seek,
    )
    j.extend(judge_records_read(reads, wanted, what="assigned read"))
    return j


def judge_timeout(read: Exchange, timeout_ms: int) -> Judgement:
    """D22 (INFO): record how long a read at the log end took for its `timeout`."""
    j = Judgement()
    elapsed = read.response.elapsed_ms if read.response is not None else None
    j.observe(
        f"records?timeout={timeout_ms} at the log end: {got(read)} after {elapsed:.0f} ms"
        if elapsed
        else got(read)
    )
    if elapsed is not None and elapsed > timeout_ms + TIMEOUT_SLACK_MS:
        j.fail(f"an answer within timeout + 2 s ({timeout_ms + TIMEOUT_SLACK_MS} ms)", f"{elapsed:.0f} ms")
    return j


def judge_no_loss(
    max_bytes_reads: Sequence[Exchange],
    followups: Sequence[Exchange],
    topic: str,
    partition: int,
    offset: int,
) -> Judgement:
    """D23m: whatever the max_bytes read answered, the record at `offset` is not skipped: it came
    in the max_bytes read, or it is the first record of the partition that a later read returns."""
    j = Judgement()
    if find(all_records(max_bytes_reads), topic, partition, offset) is not None:
        j.observe(f"the max_bytes read returned the record at {offset} anyway")
        return j
    first = first_offset(followups, topic, partition)
    j.require(
        first == offset,
        f"the next read without max_bytes to return the record at {topic}/{partition}@{offset}",
        f"first record at offset {first}" if first is not None else f"no record in {len(followups)} read(s)",
        "a record not returned by a max_bytes read must not be skipped afterwards (data loss)",
        followups[-1] if followups else (max_bytes_reads[-1] if max_bytes_reads else None),
    )
    return j


def judge_commit_status(commit: Exchange) -> Judgement:
    """D25: a commit with `offsets` answers 200 or 204."""
    j = Judgement()
    require_status(
        j, commit, (200, 204), what="commit with offsets", why="clients commit their progress this way"
    )
    return j


def judge_commit_exact(commit: Exchange) -> Judgement:
    """D25b: exactly 200 `[]`."""
    j = Judgement()
    if require_status(j, commit, 200, what="commit with offsets (Confluent answer)", why="clients written for "
                      "Confluent expect 200 []"):  # fmt: skip
        j.require(
            body_of(commit) == [],
            "the body []",
            commit.response.text[:80] if commit.response else "",
            "",
            commit,
        )
    return j


def committed_offset(get: Exchange, topic: str, partition: int) -> int | None:
    body = body_of(get)
    entries = body.get("offsets") if isinstance(body, dict) and get.status == 200 else None
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and e.get("topic") == topic and e.get("partition") == partition:
            off = e.get("offset")
            return off if isinstance(off, int) else None
    return None


def judge_commit_semantics(
    commit: Exchange,
    get: Exchange | None,
    new_member_reads: Sequence[Exchange],
    topic: str,
    partition: int,
    x: int,
) -> Judgement:
    """D26: after committing X, a new member of the group starts at X+1, and `GET offsets`, where
    the server has it, shows X+1."""
    j = Judgement()
    require_status(j, commit, (200, 204), what=f"commit of offset {x}", why="")
    if get is not None and get.status == 200:
        stored = committed_offset(get, topic, partition)
        j.require(
            stored == x + 1,
            f"GET offsets after committing {x}: {x + 1} (the next record to read)",
            f"offset {stored}",
            "the committed position is the next record to consume; X itself would be read twice",
            get,
        )
    first = first_offset(new_member_reads, topic, partition)
    j.require(
        first == x + 1,
        f"a new member of the group to start at {x + 1} after a commit of {x}",
        f"first offset {first}" if first is not None else f"no record in {len(new_member_reads)} read(s)",
        "starting at X re-delivers a processed record; starting later loses records",
        new_member_reads[-1] if new_member_reads else commit,
    )
    return j


def judge_committed_shape(get: Exchange) -> Judgement:
    """D27: `GET offsets` with a body answers 200 {offsets: [{topic, partition, offset, metadata}]}."""
    j = Judgement()
    body = body_of(get)
    entries = body.get("offsets") if isinstance(body, dict) and get.status == 200 else None
    ok = (
        isinstance(entries, list)
        and bool(entries)
        and all(isinstance(e, dict) and all(f in e for f in COMMITTED_FIELDS) for e in entries)
    )
    j.require(
        ok,
        "GET offsets: 200 {offsets: [{topic, partition, offset, metadata}]} for a committed partition",
        f"{got(get)} {get.response.text[:160] if get.response is not None else ''}",
        "clients read committed positions from this endpoint",
        get,
    )
    return j


def judge_bodyless_commit(
    reads: Sequence[Exchange], commit: Exchange, gets: Sequence[Exchange], topic: str, partition: int
) -> Judgement:
    """D28: a body-less commit answers 200 or 204 and, where `GET offsets` exists, it shows last
    fetched + 1 within 2 s."""
    j = Judgement()
    if not require_status(j, commit, (200, 204), what="a body-less commit", why="Confluent clients commit all "
                          "fetched records this way"):  # fmt: skip
        return j
    last = max(
        (r.offset for r in all_records(reads) if r.partition == partition and r.offset is not None),
        default=None,
    )
    if not j.require(
        last is not None,
        f"the reads before the commit to return records of {topic}/{partition}",
        "no record",
        "without fetched records the body-less commit cannot be judged",
        reads[-1] if reads else commit,
    ):
        return j
    assert last is not None
    answered = [g for g in gets if g.status == 200]
    if not answered:
        return j
    stored = committed_offset(answered[-1], topic, partition)
    j.require(
        stored == last + 1,
        f"GET offsets within {BODY_LESS_COMMIT_WAIT_S:g} s of the body-less commit: {last + 1} (last fetched + 1)",
        f"offset {stored}",
        "a commit of everything fetched must store the position after the last record",
        answered[-1],
    )
    return j


# -- probe helpers --------------------------------------------------------------------------------


def read_until(
    ctx: CheckContext,
    path: str,
    wanted: Sequence[Sent],
    limit: int = MAX_READS,
    reads: list[Exchange] | None = None,
) -> list[Exchange]:
    """Read (timeout=1000) until every wanted record came, `limit` reads, or an error answer."""
    out = reads if reads is not None else []
    for _ in range(limit):
        read = ctx.api.records(path)
        out.append(read)
        if read.status != 200:
            break
        recs = all_records(out)
        if all(find(recs, s.topic, s.partition, s.offset) for s in wanted):
            break
    return out


def read_some(ctx: CheckContext, path: str, topic: str, partition: int, limit: int = 3) -> list[Exchange]:
    """Read until a read returns a record of topic/partition (at most `limit` reads)."""
    out: list[Exchange] = []
    for _ in range(limit):
        read = ctx.api.records(path)
        out.append(read)
        if read.status != 200 or first_offset([read], topic, partition) is not None:
            break
    return out


def _own(ctx: CheckContext, label: str, n: int, size: int = 0) -> tuple[str, int, Exchange, list[Sent]]:
    topic, partition = read_target(ctx)
    values = [unique(ctx, f"{label}{i}") for i in range(n)]
    if size:
        values = [v + b"\xa5" * (size - len(v)) for v in values]
    ex = produce_values(ctx, topic, partition, values)
    return topic, partition, ex, own_records(ex, n)


def _name(ctx: CheckContext, label: str) -> str:
    return f"{ctx.run_id}-{label}-{ctx.rng.getrandbits(24):06x}"


def _assign(ctx: CheckContext, path: str, topic: str, partition: int) -> Exchange:
    """Assign the check's partition (setup: D15 is judged by V2C-018)."""
    return need(ctx.api.assign(path, [(topic, partition)]), 204, f"assigning {topic}/{partition}")


def _seek(ctx: CheckContext, path: str, topic: str, partition: int, offset: int) -> Exchange:
    """Seek before the reads a check judges (setup: D18 is judged by V2C-022)."""
    return need(
        ctx.api.seek(path, [(topic, partition, offset)]), 204, f"seeking to {topic}/{partition}@{offset}"
    )


def _no_body_post(ctx: CheckContext, path: str, label: str) -> Exchange:
    return ctx.client.post(path, headers={"Accept": V2, "Content-Type": V2}, label=label)


# -- checks: creation -------------------------------------------------------------------------------


@checks.add(_req(
    "V2C-001", "Consumer creation with {}", ("D1",), "2.2",
    "POST /consumers/{group} with {} answers 200 {instance_id, base_uri}.",
))  # fmt: skip
def create_empty(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        return judge_created([s.create(ctx.group("d1"), {})[0]])


@checks.add(_req(
    "V2C-002", "Consumer creation with no body", ("D2",), "2.2",
    "POST /consumers/{group} with no body answers 200 (all defaults).",
))  # fmt: skip
def create_no_body(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("d2")
        ex = _no_body_post(ctx, f"/consumers/{group}", "create consumer without a body")
        s.adopt(group, ex)
        return judge_created([ex])


@checks.add(_req(
    "V2C-003", "Named consumer: instance_id and a usable absolute base_uri", ("D3",), "2.2",
    "Creation with `name` answers instance_id = name and an absolute base_uri that works.",
))  # fmt: skip
def create_named(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group, name = ctx.group("d3"), _name(ctx, "d3")
        create, _ = s.create(group, {"name": name, **LATEST})
        made = created(create)
        use = None
        if made is not None and base_uri_problem(made[1], group, name, strict_path=False) is None:
            use = ctx.api.subscription(made[1])
        return judge_base_uri(create, group, name, use, strict_path=False)


@checks.add(_req(
    "V2C-004", "Deprecated `id` names the instance", ("D4",), "2.2",
    "Creation with the deprecated `id` answers instance_id = id.",
))  # fmt: skip
def create_deprecated_id(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        name = _name(ctx, "d4")
        ex, _ = s.create(ctx.group("d4"), {"id": name, **LATEST})
        return judge_instance_id([(ex, name)], what="creation with the deprecated id", why="IBM-era clients "
                                 "name instances with `id` (contract.md §6)")  # fmt: skip


@checks.add(_req(
    "V2C-005", "Duplicate instance name: 409", ("D5",), "2.2",
    "A second instance with a name already used in the group is refused with 409.",
))  # fmt: skip
def duplicate_name(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group, name = ctx.group("d5"), _name(ctx, "d5")
        first, _ = s.create(group, {"name": name, **LATEST})
        second, _ = s.create(group, {"name": name, **LATEST})
        return judge_duplicate(first, second, None)


@checks.add(_req(
    "V2C-006", "Bad format: 422", ("D6",), "2.2",
    "A consumer creation with an unknown `format` is refused with 422.",
))  # fmt: skip
def bad_format(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        ex, _ = s.create(ctx.group("d6"), {**LATEST, "format": "xml"})
        return judge_outcomes(
            [(ex, 422, None)], what="creation with", why="clients must learn the format is unsupported"
        )


@checks.add(_req(
    "V2C-007", "auto.offset.reset: earliest and latest accepted; smallest and bogus 422", ("D7",), "4.5",
    "`earliest` and `latest` are accepted (200); `smallest` and an unknown value are refused with 422.",
))  # fmt: skip
def offset_reset_vocabulary(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("d7")
        cases = [
            (s.create(group, {**LATEST, "auto.offset.reset": value})[0], status, None)
            for value, status in (("earliest", 200), ("latest", 200), ("smallest", 422), ("bogus", 422))
        ]
        return judge_outcomes(
            cases, what="creation with", why="the v2 API uses the Kafka consumer's vocabulary"
        )


@checks.add(_req(
    "V2C-008", "auto.offset.reset: none accepted", ("D7b",), "2.2",
    "`auto.offset.reset: none` is accepted (200).",
))  # fmt: skip
def offset_reset_none(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        ex, _ = s.create(ctx.group("d7b"), {**LATEST, "auto.offset.reset": "none"})
        return judge_outcomes([(ex, 200, None)], what="creation with", why="`none` is a valid Kafka setting")


@checks.add(_req(
    "V2C-009", "auto.commit.enable \"false\" accepted", ("D8",), "2.2",
    "The Confluent field `\"auto.commit.enable\": \"false\"` is accepted (200).",
))  # fmt: skip
def auto_commit_field(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        group = ctx.group("d8")
        ex = ctx.api.create_consumer(group, LATEST)  # no Strimzi retry: this is the field under test
        s.adopt(group, ex)
        return judge_outcomes([(ex, 200, None)], what="creation with", why="Confluent clients turn auto-commit "
                              "off with this field")  # fmt: skip


@checks.add(_req(
    "V2C-010", "Unknown creation field: 400 or 422", ("D9",), "4.8",
    "A consumer creation with an unknown field is refused with 400 or 422.",
))  # fmt: skip
def unknown_field(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        ex, _ = s.create(ctx.group("d9"), {**LATEST, "foo": "bar"})
        return judge_refused(ex, (400, 422), what="creation with an unknown field", why="a misspelt setting "
                             "must not be silently ignored")  # fmt: skip


def judge_defaults(
    create: Exchange,
    read: Exchange | None,
    before: int,
    topic: str,
    partition: int,
    others: Sequence[Exchange],
) -> Judgement:
    """D10 (INFO): record the default reset, the `enable.auto.commit` field and `{"topics":[]}`."""
    j = Judgement()
    if read is not None:
        early = [
            r.offset
            for r in all_records([read])
            if r.partition == partition and r.offset is not None and r.offset <= before
        ]
        j.observe(
            f"default auto.offset.reset: {'earliest' if early else 'latest (no earlier record returned)'} ({got(read)})"
        )
    else:
        j.observe(f"creation with {{}}: {got(create)}")
    for ex in others:
        j.observe(
            f"{sent(ex)} {ex.request.body.decode('utf-8', 'replace') if ex.request.body else ''} -> {got(ex)}"
        )
    return j


@checks.add(_req(
    "V2C-011", "Default reset, enable.auto.commit, {\"topics\":[]} (recorded)", ("D10",), "4.5",
    "Records the default auto.offset.reset, the answer to `enable.auto.commit`, and to a subscription "
    "to no topics.",
))  # fmt: skip
def defaults(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)  # INFO: a failed produce is recorded, not an error
    mine = produced(produce_values(ctx, topic, partition, [unique(ctx, "d10-0")]))
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d10"), {})
        others: list[Exchange] = []
        read = None
        if path is not None:
            others.append(ctx.api.subscribe(path, []))
            if mine and ctx.api.assign(path, [(topic, partition)]).status == 204:
                read = ctx.api.records(path, timeout=500)  # INFO only: no need to hold 1 s
        eac, _ = s.create(
            ctx.group("d10"), {"format": "binary", "auto.offset.reset": "latest", "enable.auto.commit": False}
        )
        others.append(eac)
        return judge_defaults(create, read, mine[-1].offset if mine else -1, topic, partition, others)


# -- checks: subscription and assignment ---------------------------------------------------------------


def _pattern(topic: str) -> str:
    return topic.replace(".", "\\.")  # Kafka topic names: letters, digits, '.', '_', '-'


@checks.add(_req(
    "V2C-012", "Subscribe to topics, a pattern and an unknown topic: 204", ("D11",), "2.2",
    "Subscriptions to {topics:[t]}, to {topic_pattern} and to an unknown topic answer 204.",
))  # fmt: skip
def subscribe(ctx: CheckContext) -> Judgement:
    topic, _ = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d11"), LATEST)
        path = need_instance(create, path)
        cases: list[tuple[Exchange, int, int | None]] = []
        for topics, pattern in (
            ([topic], None),
            (None, _pattern(topic)),
            ([f"{NO_SUCH}-{ctx.run_id}-topic"], None),
        ):
            cases.append((ctx.api.subscribe(path, topics, pattern), 204, None))
            ctx.api.unsubscribe(path)  # Kafka refuses switching subscription kinds without it
        return judge_outcomes(cases, what="subscribe with", why="clients subscribe by name or by pattern")


def _instance_session(
    ctx: CheckContext, suffix: str, then: Callable[[str], object] | None = None
) -> tuple[Session, str]:
    """A consumer instance in the check's own group, then `then(path)`, the rest of the setup;
    when any of it fails, the session is closed before the error goes on."""
    s = Session(ctx)
    try:
        create, path = s.create(ctx.group(suffix), LATEST)
        path = need_instance(create, path)
        if then is not None:
            then(path)
    except BaseException:
        s.__exit__(None, None, None)
        raise
    return s, path


def _subscribed(ctx: CheckContext, suffix: str) -> tuple[Session, str, str]:
    """A consumer subscribed to the check's topic (setup: D1 and D11 are judged elsewhere)."""
    topic, _ = read_target(ctx)
    s, path = _instance_session(
        ctx, suffix, lambda path: need(ctx.api.subscribe(path, [topic]), 204, f"subscribing to {topic}")
    )
    return s, path, topic


@checks.add(_req(
    "V2C-013", "GET subscription answers {topics: [...]}", ("D12",), "2.2",
    "`GET …/subscription` answers 200 with a `topics` array.",
))  # fmt: skip
def subscription_shape(ctx: CheckContext) -> Judgement:
    s, path, _ = _subscribed(ctx, "d12")
    with s:
        return judge_subscription_shape(ctx.api.subscription(path))


@checks.add(_req(
    "V2C-014", "GET subscription lists the subscribed topics before any poll", ("D12b",), "2.2",
    "Right after subscribing, `GET …/subscription` lists exactly the subscribed topics.",
))  # fmt: skip
def subscription_contents(ctx: CheckContext) -> Judgement:
    s, path, topic = _subscribed(ctx, "d12b")
    with s:
        return judge_subscription_contents(ctx.api.subscription(path), [topic])


@checks.add(_req(
    "V2C-015", "Unsubscribe: 204, then no topics", ("D13",), "2.2",
    "`DELETE …/subscription` answers 204, and `GET …/subscription` then lists no topics.",
))  # fmt: skip
def unsubscribe(ctx: CheckContext) -> Judgement:
    s, path, _ = _subscribed(ctx, "d13")
    with s:
        return judge_unsubscribe(ctx.api.unsubscribe(path), ctx.api.subscription(path))


def _subscribe_no_body(ctx: CheckContext, suffix: str) -> tuple[Session, Exchange]:
    s, path = _instance_session(ctx, suffix)
    return s, _no_body_post(ctx, f"{path}/subscription", "subscribe without a body")


@checks.add(_req(
    "V2C-016", "Subscribe without a body: 400 or 422", ("D14",), "2.2",
    "`POST …/subscription` with no body is refused with 400 or 422.",
))  # fmt: skip
def subscribe_no_body(ctx: CheckContext) -> Judgement:
    s, ex = _subscribe_no_body(ctx, "d14")
    with s:
        return judge_refused(
            ex, (400, 422), what="subscribe without a body", why="an empty request is a client bug"
        )


@checks.add(_req(
    "V2C-017", "Subscribe without a body: exactly 422/422", ("D14s",), "2.2",
    "`POST …/subscription` with no body is refused with 422/422, as Confluent does.",
))  # fmt: skip
def subscribe_no_body_exact(ctx: CheckContext) -> Judgement:
    s, ex = _subscribe_no_body(ctx, "d14s")
    with s:
        return judge_outcomes([(ex, 422, 422)], what="subscribe", why="Confluent answers 422/422")


@checks.add(_req(
    "V2C-018", "Assign: 204", ("D15",), "2.2",
    "`POST …/assignments` with partitions of an existing topic answers 204.",
))  # fmt: skip
def assign(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d15"), LATEST)
        path = need_instance(create, path)
        return judge_outcomes(
            [(ctx.api.assign(path, [(topic, partition)]), 204, None)],
            what="assign",
            why="clients assign partitions manually",
        )


@checks.add(_req(
    "V2C-019", "GET assignments lists the assignment", ("D15b",), "2.2",
    "`GET …/assignments` answers 200 {partitions: [{topic, partition}]} listing the manual assignment.",
))  # fmt: skip
def assignments(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d15b"), LATEST)
        path = need_instance(create, path)
        done = ctx.api.assign(path, [(topic, partition)])
        return judge_assignments(done, ctx.api.assignments(path), [(topic, partition)])


@checks.add(_req(
    "V2C-020", "Assign while subscribed: 409", ("D16",), "2.2",
    "`POST …/assignments` on a subscribed consumer is refused with 409.",
))  # fmt: skip
def assign_while_subscribed(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d16"), LATEST)
        path = need_instance(create, path)
        first = need(ctx.api.subscribe(path, [topic]), 204, f"subscribing to {topic}")
        return judge_conflict(
            first, ctx.api.assign(path, [(topic, partition)]), "subscribe", "assign while subscribed"
        )


@checks.add(_req(
    "V2C-021", "Subscribe while assigned: 409", ("D17",), "2.2",
    "`POST …/subscription` on a manually assigned consumer is refused with 409.",
))  # fmt: skip
def subscribe_while_assigned(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d17"), LATEST)
        path = need_instance(create, path)
        first = _assign(ctx, path, topic, partition)
        return judge_conflict(first, ctx.api.subscribe(path, [topic]), "assign", "subscribe while assigned")


# -- checks: positions and records ----------------------------------------------------------------------


@checks.add(_req(
    "V2C-022", "Seek: positions, beginning and end move the next read", ("D18",), "2.2",
    "On an assigned partition, `positions`, `positions/beginning` and `positions/end` answer 204 and "
    "the next read starts there.",
))  # fmt: skip
def seek(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "d18-", 3)
    x = mine[0].offset
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d18"), EARLIEST)
        path = need_instance(create, path)
        _assign(ctx, path, topic, partition)  # the assignment exists before any seek (§4.5)
        tp = [(topic, partition)]
        s1 = ctx.api.seek(path, [(topic, partition, x + 1)])
        r1 = read_some(ctx, path, topic, partition)
        s2 = ctx.api.seek_to(path, "beginning", tp)
        r2 = read_some(ctx, path, topic, partition)
        s3 = ctx.api.seek_to(path, "end", tp)
        r3 = [ctx.api.records(path, timeout=300)]  # expected empty: no need to wait 1 s
        return judge_seek([
            SeekStep(s1, r1, topic, partition, x + 1, x + 1, True, f"positions to {x + 1}"),
            SeekStep(s2, r2, topic, partition, 0, x, True, "positions/beginning"),
            SeekStep(s3, r3, topic, partition, x + 3, None, False, "positions/end"),
        ])  # fmt: skip


def _unassigned(ctx: CheckContext) -> tuple[tuple[str, int], tuple[str, int]]:
    """(the partition to assign, a partition of an existing topic left unassigned)."""
    if ctx.single_topic:
        return (ctx.single_topic, 0), (ctx.topic, 0)
    if ctx.partitions.get(ctx.topic, 0) >= 2:
        return (ctx.topic, 0), (ctx.topic, 1)
    raise skip("needs a single-partition topic or a topic with at least 2 partitions")


def _seek_unassigned(ctx: CheckContext, suffix: str) -> tuple[Session, Exchange]:
    (t, p), (ut, up) = _unassigned(ctx)
    s, path = _instance_session(ctx, suffix, lambda path: _assign(ctx, path, t, p))
    return s, ctx.api.seek(path, [(ut, up, 0)], settle=False)


@checks.add(_req(
    "V2C-023", "Seek on an unassigned partition: 4xx", ("D19",), "2.2",
    "`POST …/positions` on a partition the consumer is not assigned is refused with a 4xx.",
))  # fmt: skip
def seek_unassigned(ctx: CheckContext) -> Judgement:
    s, ex = _seek_unassigned(ctx, "d19")
    with s:
        return judge_refused(ex, range(400, 500), what="seek on an unassigned partition",
                             why="a silently ignored seek leaves the client reading from the wrong place")  # fmt: skip


@checks.add(_req(
    "V2C-024", "Seek on an unassigned partition: exactly 409", ("D19b",), "2.2",
    "`POST …/positions` on an unassigned partition is refused with 409, as Confluent does.",
))  # fmt: skip
def seek_unassigned_exact(ctx: CheckContext) -> Judgement:
    s, ex = _seek_unassigned(ctx, "d19b")
    with s:
        return judge_outcomes(
            [(ex, 409, None)], what="seek on an unassigned partition", why="Confluent answers 409"
        )


@checks.add(_req(
    "V2C-025", "Subscribed read returns the produced records", ("D20",), "2.2",
    "A subscribed consumer returns the records produced to its topic within 10 reads (timeout=1000), "
    "each with topic, key, value, partition and offset.",
))  # fmt: skip
def subscribed_read(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "d20-", 2)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d20"), EARLIEST)
        path = need_instance(create, path)
        need(ctx.api.subscribe(path, [topic]), 204, f"subscribing to {topic}")
        reads = [ctx.api.records(path)]  # the first poll joins the group and gets the assignment
        recs = all_records(reads)
        missing = not all(find(recs, m.topic, m.partition, m.offset) for m in mine)
        ahead = any(r.partition == partition and (r.offset or -1) >= mine[0].offset for r in recs)
        # A long backlog: jump to the check's records once the assignment exists (§4.5).
        jump = missing and not ahead and reads[0].status == 200
        if jump and ctx.api.seek(path, [(topic, partition, mine[0].offset)], settle=False).status == 409:
            reads.append(ctx.api.records(path))
            _seek(ctx, path, topic, partition, mine[0].offset)
        if missing:
            read_until(ctx, path, mine, MAX_READS - len(reads), reads)
        return judge_records_read(reads, mine, what="subscribed read")


@checks.add(_req(
    "V2C-026", "Assigned read after a seek returns the records from there, in order", ("D21",), "2.2",
    "After assign and a seek to X, the records X, X+1, … arrive in order and byte-identical.",
))  # fmt: skip
def assigned_read(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "d21-", 3)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d21"), EARLIEST)
        path = need_instance(create, path)
        _assign(ctx, path, topic, partition)
        moved = _seek(ctx, path, topic, partition, mine[0].offset)
        return judge_assigned_read(moved, read_until(ctx, path, mine), mine)


@checks.add(_req(
    "V2C-027", "records `timeout` at the log end (recorded)", ("D22",), "2.2",
    "Records how long a read with timeout=200 at the log end takes (allowing timeout + 2 s).",
))  # fmt: skip
def read_timeout(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d22"), LATEST)
        if path is None:
            return judge_record_answers([create], "creation")
        ctx.api.assign(path, [(topic, partition)])
        ctx.api.seek_to(path, "end", [(topic, partition)])
        return judge_timeout(ctx.api.records(path, timeout=200), 200)


def _big_record_consumer(ctx: CheckContext, suffix: str) -> tuple[Session, str, list[Sent], str, int]:
    topic, partition, _, mine = _own(ctx, f"{suffix}-", 1, BIG)
    s = Session(ctx)
    try:
        # A throwaway consumer in a group of its own: a max_bytes read may lose records (§5.4).
        create, path = s.create(ctx.group(suffix), EARLIEST)
        path = need_instance(create, path)
        _assign(ctx, path, topic, partition)
        # D23m judges what the reads after this seek return: a refused seek judges nothing.
        _seek(ctx, path, topic, partition, mine[0].offset)
    except BaseException:
        s.__exit__(None, None, None)
        raise
    return s, path, mine, topic, partition


@checks.add(_req(
    "V2C-028", "max_bytes below the next record (recorded)", ("D23",), "4.6",
    "Records what a read with max_bytes=10 answers before a 512-byte record, on a throwaway consumer.",
))  # fmt: skip
def max_bytes_below_record(ctx: CheckContext) -> Judgement:
    s, path, _, _, _ = _big_record_consumer(ctx, "d23")
    with s:
        return judge_record_answers([ctx.api.records(path, max_bytes=10)], "max_bytes=10 read")


@checks.add(_req(
    "V2C-029", "No record is lost after a max_bytes read", ("D23m",), "4.6",
    "On a throwaway consumer, whatever a max_bytes=10 read answered, the next read without max_bytes "
    "returns the record it did not return.",
))  # fmt: skip
def max_bytes_no_loss(ctx: CheckContext) -> Judgement:
    s, path, mine, topic, partition = _big_record_consumer(ctx, "d23m")
    with s:
        small = [ctx.api.records(path, max_bytes=10)]
        followups = (
            []
            if find(all_records(small), topic, partition, mine[0].offset)
            else read_some(ctx, path, topic, partition)
        )
        return judge_no_loss(small, followups, topic, partition, mine[0].offset)


@checks.add(_req(
    "V2C-030", "Read without subscription or assignment (recorded)", ("D24",), "2.2",
    "Records what `GET …/records` answers on a consumer with no subscription and no assignment.",
))  # fmt: skip
def read_unsubscribed(ctx: CheckContext) -> Judgement:
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d24"), LATEST)
        if path is None:
            return judge_record_answers([create], "creation")
        return judge_record_answers([ctx.api.records(path, timeout=200)], "records without subscription")


# -- checks: commits and offsets ----------------------------------------------------------------------


def _assigned(ctx: CheckContext, suffix: str, reset: dict[str, str]) -> tuple[Session, str | None, Exchange]:
    """For the INFO rows: a consumer, assigned when the assignment works (what failed is recorded)."""
    topic, partition = read_target(ctx)
    s = Session(ctx)
    create, path = s.create(ctx.group(suffix), reset)
    if path is not None:
        ctx.api.assign(path, [(topic, partition)])
    return s, path, create


def _commit_own(ctx: CheckContext, suffix: str) -> tuple[Session, Exchange, tuple[str, int, int], str]:
    """A consumer assigned to the check's partition, and a commit of the check's own record (the
    produce, the creation and the assignment are setup)."""
    topic, partition, _, mine = _own(ctx, f"{suffix}-", 1)
    s, path = _instance_session(ctx, suffix, lambda path: _assign(ctx, path, topic, partition))
    tpo = (topic, partition, mine[0].offset)
    return s, ctx.api.commit(path, [tpo]), tpo, path


@checks.add(_req(
    "V2C-031", "Commit with offsets: 200 or 204", ("D25",), "2.2",
    "`POST …/offsets` with explicit offsets answers 200 or 204.",
))  # fmt: skip
def commit_status(ctx: CheckContext) -> Judgement:
    s, ex, _, _ = _commit_own(ctx, "d25")
    with s:
        return judge_commit_status(ex)


@checks.add(_req(
    "V2C-032", "Commit with offsets: exactly 200 []", ("D25b",), "2.2",
    "`POST …/offsets` with explicit offsets answers 200 with the body [], as Confluent does.",
))  # fmt: skip
def commit_exact(ctx: CheckContext) -> Judgement:
    s, ex, _, _ = _commit_own(ctx, "d25b")
    with s:
        return judge_commit_exact(ex)


@checks.add(_req(
    "V2C-033", "A commit of X makes the group resume at X+1", ("D26",), "2.2",
    "After committing X, a new member of the group starts at X+1, and GET offsets (where present) "
    "shows X+1.",
))  # fmt: skip
def commit_semantics(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "d26-", 3)
    x = mine[0].offset
    group = ctx.group("d26")
    with Session(ctx) as s:
        create, path = s.create(group, EARLIEST)
        path = need_instance(create, path)
        _assign(ctx, path, topic, partition)
        _seek(ctx, path, topic, partition, x)
        read_until(ctx, path, mine)
        # Commit the first of the records read, not the last: the stored position is X+1 whatever
        # was fetched after it. The commit's answer is D25's (V2C-031); D26 judges what it stored.
        done = need(ctx.api.commit(path, [(topic, partition, x)]), (200, 204), f"committing offset {x}")
        get = ctx.api.committed(path, [(topic, partition)])
        s.delete(path)
        create2, path2 = s.create(group, LATEST)  # LATEST: without a committed offset it reads nothing
        path2 = need_instance(create2, path2, "creating the group's second member")
        _assign(ctx, path2, topic, partition)
        reads = read_some(ctx, path2, topic, partition)
        return judge_commit_semantics(done, get, reads, topic, partition, x)


@checks.add(_req(
    "V2C-034", "GET offsets with a body answers the committed offsets", ("D27",), "2.2",
    "`GET …/offsets` with {partitions: [...]} answers 200 {offsets: [{topic, partition, offset, metadata}]}.",
))  # fmt: skip
def committed_offsets(ctx: CheckContext) -> Judgement:
    s, ex, tpo, path = _commit_own(ctx, "d27")
    with s:
        need(ex, (200, 204), "committing the check's record")  # D25 is judged by V2C-031
        return judge_committed_shape(ctx.api.committed(path, [(tpo[0], tpo[1])]))


@checks.add(_req(
    "V2C-035", "Body-less commit stores last fetched + 1", ("D28",), "2.2",
    "A commit without a body answers 200 or 204 and, where GET offsets exists, stores last fetched + 1 "
    "within 2 s.",
))  # fmt: skip
def bodyless_commit(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "d28-", 2)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d28"), EARLIEST)
        path = need_instance(create, path)
        _assign(ctx, path, topic, partition)
        _seek(ctx, path, topic, partition, mine[0].offset)
        reads = read_until(ctx, path, mine)
        last = max(
            (r.offset for r in all_records(reads) if r.partition == partition and r.offset is not None),
            default=-2,
        )
        done = ctx.api.commit(path, None)  # the one body-less commit of the suite
        gets: list[Exchange] = []
        deadline = time.monotonic() + BODY_LESS_COMMIT_WAIT_S
        while done.status in (200, 204):
            gets.append(ctx.api.committed(path, [(topic, partition)]))
            stored = committed_offset(gets[-1], topic, partition)
            if gets[-1].status != 200 or stored == last + 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        return judge_bodyless_commit(reads, done, gets, topic, partition)


@checks.add(_req(
    "V2C-036", "GET offsets without a body; commit {} (recorded)", ("D29",), "2.2",
    "Records the answers to `GET …/offsets` without a body and to a commit with the body {}.",
))  # fmt: skip
def offsets_edge_cases(ctx: CheckContext) -> Judgement:
    s, path, create = _assigned(ctx, "d29", LATEST)
    with s:
        if path is None:
            return judge_record_answers([create], "creation")
        no_body = ctx.client.get(
            f"{path}/offsets", headers={"Accept": V2}, label="GET offsets without a body"
        )
        empty = ctx.client.post(
            f"{path}/offsets", headers={"Accept": V2, "Content-Type": V2}, json={}, label="commit {}"
        )
        return judge_record_answers([no_body, empty], "recorded")


@checks.add(_req(
    "V2C-037", "Delete answers 204; deleted and unknown instances answer 404", ("D30",), "2.2",
    "DELETE answers 204 with no body; a second delete, and records, commit and delete on a deleted or "
    "unknown instance answer 404.",
))  # fmt: skip
def delete(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    tpo = [(topic, partition, 0)]
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d30"), LATEST)
        path = need_instance(create, path)
        gone = s.delete(path)
        after = [ctx.api.delete_consumer(path), ctx.api.records(path, timeout=200), ctx.api.commit(path, tpo)]
        unknown = instance_path(ctx.group("d30"), f"{NO_SUCH}-instance")
        after += [
            ctx.api.records(unknown, timeout=200),
            ctx.api.commit(unknown, tpo),
            ctx.api.delete_consumer(unknown),
        ]
        return judge_delete(gone, after, None)


@checks.add(_req(
    "V2C-038", "Format mismatch: a json consumer read as binary answers 406", ("D31",), "4.5",
    "A json-format consumer read with Accept binary.v2 answers 406 with an error body (a binary-only "
    "target may refuse the json consumer instead).",
))  # fmt: skip
def format_mismatch(ctx: CheckContext) -> Judgement:
    topic, partition = read_target(ctx)
    with Session(ctx) as s:
        create, path = s.create(ctx.group("d31"), {**LATEST, "format": "json"})
        reads = []
        if path is not None:
            ctx.api.assign(path, [(topic, partition)])
            reads.append(ctx.api.records(path, accept=BINARY_V2))
        return judge_format_mismatch(create, reads, "v2")


def judge_unknown_topic_commit(commit: Exchange) -> Judgement:
    """D32 (INFO): record how a commit naming an unknown topic was answered, and how fast."""
    j = Judgement()
    took = f" after {commit.response.elapsed_ms:.0f} ms" if commit.response is not None else ""
    j.observe(f"commit naming an unknown topic: {got(commit)}{took}")
    return j


@checks.add(_req(
    "V2C-039", "Commit naming an unknown topic (hazard, recorded)", ("D32",), "4.7",
    "Records the answer to a commit naming a topic that does not exist; sent only when hazards are "
    "enabled, last and isolated (it stalls a Strimzi bridge for a minute).",
    needs=frozenset({"probe-unknown-topic-produce", "isolated", "last"}),
))  # fmt: skip
def commit_unknown_topic(ctx: CheckContext) -> Judgement:
    s, path, create = _assigned(ctx, "d32", LATEST)
    with s:
        if path is None:
            return judge_record_answers([create], "creation")
        return judge_unknown_topic_commit(ctx.api.commit(path, [(f"{NO_SUCH}-{ctx.run_id}-topic", 0, 0)]))
