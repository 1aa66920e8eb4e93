"""What the v1-consumer and v2-consumer checks share: readers over exchanges, and a probe session.

Readers are pure functions of `Exchange` values (the judges use them on recordings too). The
`Session` is for probes only: it creates consumer instances in the check's own groups, registers
each with `ctx.cleanup` and deletes them at the end, so an instance never outlives its check
(contract.md §5.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.checks.api import KafkaRest, b64, instance_path
from conformance.checks.model import CheckContext, Judgement
from conformance.checks.readback import decode_b64_field
from conformance.errors import SetupFailed
from conformance.exchange import Exchange

NO_SUCH = "no-such"  # prefix of names that must not exist on the target


# -- creating an instance on this target ------------------------------------------------------


def create_consumer(api: KafkaRest, group: str, body: Mapping[str, Any] | None, **kwargs: Any) -> Exchange:
    """`api.create_consumer`, in the target's dialect: the one place every layer creates a
    consumer instance. Strimzi refuses the Confluent field `auto.commit.enable` with 400 and
    wants the boolean `enable.auto.commit` (contract.md §5.3, §8 D8): a v2 creation refused with
    400 is retried once that way, with a note, so the caller judges what it is about. A declared
    dialect (`api.auto_commit_field`, from --auto-commit-field or a profile) is spoken at once,
    without the retry."""
    declared = api.auto_commit_field
    if declared == "enable.auto.commit" and api.version == "v2" and body and "auto.commit.enable" in body:
        return api.create_consumer(group, _strimzi_auto_commit(body), **kwargs)
    exchange = api.create_consumer(group, body, **kwargs)
    if (
        declared is None
        and api.version == "v2"
        and exchange.status == 400
        and body is not None
        and "auto.commit.enable" in body
    ):
        retry = _strimzi_auto_commit(body)
        api.notes.append(
            f"consumer creation with auto.commit.enable was refused ({exchange.describe()}); "
            "retried with the boolean enable.auto.commit (Strimzi's field, §5.3)"
        )
        exchange = api.create_consumer(group, retry, **kwargs)
    return exchange


def _strimzi_auto_commit(body: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k != "auto.commit.enable"}
    out["enable.auto.commit"] = str(body["auto.commit.enable"]).lower() == "true"
    return out


# -- readers ------------------------------------------------------------------------------------


def body_of(exchange: Exchange) -> Any:
    return exchange.response.json_or_none() if exchange.response is not None else None


def error_code(exchange: Exchange) -> int | None:
    body = body_of(exchange)
    code = body.get("error_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def is_error_body(exchange: Exchange) -> bool:
    """contract.md §8: a JSON object with an integer `error_code` and a string `message`."""
    body = body_of(exchange)
    return (
        error_code(exchange) is not None and isinstance(body, dict) and isinstance(body.get("message"), str)
    )


def got(exchange: Exchange) -> str:
    """`409/40902 application/vnd.kafka.v1+json`, `204 (no Content-Type)`, or the transport error."""
    if exchange.response is None:
        return f"no response ({exchange.error})"
    code = error_code(exchange)
    ct = exchange.response.content_type or "(no Content-Type)"
    return f"{exchange.response.status}{'' if code is None else f'/{code}'} {ct}"


def sent(exchange: Exchange) -> str:
    return f"{exchange.request.method} {urlsplit(exchange.request.url).path}"


def require_status(
    j: Judgement,
    exchange: Exchange,
    statuses: int | Iterable[int],
    code: int | Iterable[int] | None = None,
    *,
    what: str,
    why: str,
) -> bool:
    """The answer has one of `statuses` and, when `code` is given, that error_code in an error body."""
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    codes = None if code is None else ({code} if isinstance(code, int) else set(code))
    ok = exchange.status in allowed and (codes is None or error_code(exchange) in codes)
    want = "/".join(str(s) for s in sorted(allowed)) if len(allowed) < 5 else f"{min(allowed)}-{max(allowed)}"
    if codes is not None:
        want += " with error_code " + " or ".join(str(c) for c in sorted(codes))
    return j.require(ok, f"{what}: {want}", f"{got(exchange)} for {sent(exchange)}", why, exchange)


def created(exchange: Exchange) -> tuple[str, str] | None:
    """(instance_id, base_uri) of a 200 creation answer, or None."""
    if exchange.status != 200:
        return None
    body = body_of(exchange)
    if not isinstance(body, dict):
        return None
    instance_id, base_uri = body.get("instance_id"), body.get("base_uri")
    if isinstance(instance_id, str) and instance_id and isinstance(base_uri, str):
        return instance_id, base_uri
    return None


def group_of(exchange: Exchange) -> str | None:
    """The group of a `POST /consumers/{group}` (or any `/consumers/{group}/…`) request."""
    parts = [unquote(p) for p in urlsplit(exchange.request.url).path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "consumers":
        return parts[1]
    return None


def request_body(exchange: Exchange) -> Any:
    try:
        return exchange.request.json()
    except ValueError:
        return None


@dataclass(frozen=True)
class Rec:
    """One record as a consumer returned it, decoded."""

    topic: str | None
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None
    fields: frozenset[str]
    problem: str | None


def records_of(exchange: Exchange, path_topic: str | None = None) -> list[Rec] | None:
    """The records of a 200 read answer (None when the answer is not a 200 JSON array)."""
    if exchange.status != 200:
        return None
    body = body_of(exchange)
    if not isinstance(body, list):
        return None
    out: list[Rec] = []
    for raw in body:
        if not isinstance(raw, dict):
            out.append(Rec(None, None, None, None, None, frozenset(), f"not a record object: {raw!r}"))
            continue
        key, kp = decode_b64_field(raw.get("key"))
        value, vp = decode_b64_field(raw.get("value"))
        partition, offset = raw.get("partition"), raw.get("offset")
        topic = raw.get("topic") if isinstance(raw.get("topic"), str) else path_topic
        problem = "; ".join(p for p in (kp and f"key {kp}", vp and f"value {vp}") if p) or None
        out.append(
            Rec(
                topic,
                partition if isinstance(partition, int) and not isinstance(partition, bool) else None,
                offset if isinstance(offset, int) and not isinstance(offset, bool) else None,
                key,
                value,
                frozenset(raw),
                problem,
            )
        )
    return out


def all_records(reads: Iterable[Exchange], path_topic: str | None = None) -> list[Rec]:
    out: list[Rec] = []
    for read in reads:
        out += records_of(read, path_topic) or []
    return out


@dataclass(frozen=True)
class Sent:
    """A record this check produced, where the server said it landed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def produced(exchange: Exchange) -> list[Sent]:
    """The records of a 200 produce answer, paired with what was sent (request order); records
    sent as non-canonical base64 are left out."""
    if exchange.status != 200:
        return []
    parts = [unquote(p) for p in urlsplit(exchange.request.url).path.split("/") if p]
    if len(parts) < 2 or parts[0] != "topics":
        return []
    topic = parts[1]
    body, req = body_of(exchange), request_body(exchange)
    entries = body.get("offsets") if isinstance(body, dict) else None
    records = req.get("records") if isinstance(req, dict) else None
    if not isinstance(entries, list) or not isinstance(records, list):
        return []
    out: list[Sent] = []
    for entry, record in zip(entries, records, strict=False):
        if not isinstance(entry, dict) or not isinstance(record, dict):
            continue
        partition, offset = entry.get("partition"), entry.get("offset")
        if not isinstance(partition, int) or not isinstance(offset, int) or offset < 0:
            continue
        key, key_problem = decode_b64_field(record.get("key"))
        value, value_problem = decode_b64_field(record.get("value"))
        if key_problem or value_problem:
            continue  # not canonical base64: what the server stored is not a plain round trip
        out.append(Sent(topic, partition, offset, key, value))
    return out


def find(records: Sequence[Rec], topic: str, partition: int, offset: int) -> Rec | None:
    for rec in records:
        if rec.partition == partition and rec.offset == offset and rec.topic in (topic, None):
            return rec
    return None


def judge_arrived(
    j: Judgement,
    reads: Sequence[Exchange],
    wanted: Sequence[Sent],
    *,
    what: str,
    path_topic: str | None = None,
) -> None:
    """Every wanted record came back byte-identical at its offset, and each partition's records
    came in increasing offset order."""
    records = all_records(reads, path_topic)
    last = reads[-1] if reads else None
    for s in wanted:
        rec = find(records, s.topic, s.partition, s.offset)
        if rec is None:
            j.fail(
                f"{what}: the record produced at {s.topic}/{s.partition}@{s.offset}",
                f"not returned by {len(reads)} read(s)",
                "a consumer that does not deliver what was produced loses data",
                last,
            )
        elif rec.key != s.key or rec.value != s.value:
            j.fail(
                f"{what}: {s.topic}/{s.partition}@{s.offset} byte-identical",
                f"key {rec.key!r}, value {rec.value!r} ({rec.problem or 'decoded'}); sent {s.key!r}, {s.value!r}",
                "consumers must see exactly the bytes that were produced",
                last,
            )
    seen: dict[tuple[str | None, int], int] = {}
    for read in reads:
        for rec in records_of(read, path_topic) or []:
            if rec.partition is None or rec.offset is None:
                continue
            k = (rec.topic, rec.partition)
            if k in seen and rec.offset <= seen[k]:
                j.fail(
                    f"{what}: records of {rec.topic}/{rec.partition} in increasing offset order",
                    f"offset {rec.offset} after {seen[k]}",
                    "consumers process records in log order",
                    read,
                )
                return
            seen[k] = rec.offset


# -- setup steps ------------------------------------------------------------------------------------
# A check's own setup (its records, its consumer, its subscription, assignment or seek) is not what
# it judges: when a step does not take effect the check ends as error with that reason (SetupFailed),
# and the row the step belongs to is judged by the check that is about it (one diagnosis per defect).


def setup_failed(what: str, exchange: Exchange | None = None) -> SetupFailed:
    detail = f": {got(exchange)} for {sent(exchange)}" if exchange is not None else ""
    return SetupFailed(f"setup: {what}{detail} (not judged here)")


def need(exchange: Exchange, statuses: int | Iterable[int], what: str) -> Exchange:
    """The setup step answered one of `statuses`, or the check ends as error."""
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    if exchange.status not in allowed:
        raise setup_failed(what, exchange)
    return exchange


def need_instance(create: Exchange, path: str | None, what: str = "creating the check's consumer") -> str:
    """The instance the check needs was created, or the check ends as error (creation is judged by
    the creation rows, C1/D1)."""
    if path is None:
        raise setup_failed(what, create)
    return path


def own_records(exchange: Exchange, count: int) -> list[Sent]:
    """The check's `count` records as the produce answer placed them, or the check ends as error:
    a refused produce is P1's failure, an entry without a usable offset (-1, null) is P4's
    (PROD-004), not the failure of the consumer row that reads them."""
    if exchange.status != 200:
        raise setup_failed("producing the check's records", exchange)
    mine = produced(exchange)
    if len(mine) != count:
        body = body_of(exchange)
        entries = body.get("offsets") if isinstance(body, dict) else None
        offsets = [e.get("offset") if isinstance(e, dict) else e for e in entries or []]
        raise SetupFailed(
            f"setup: the produce of the check's {count} record(s) reported no offset to read them at: "
            f"a false offset is P4 (PROD-004), not judged here; offsets {str(offsets)[:80]}"
        )
    return mine


def unique(ctx: CheckContext, label: str) -> bytes:
    """A value no other check and no other run writes."""
    return f"{ctx.run_id}-{label}-{ctx.rng.getrandbits(40):010x}".encode()


def read_target(ctx: CheckContext) -> tuple[str, int]:
    """Where consumer checks write and read: the single-partition topic when there is one (reads
    are then predictable), else partition 0 of the main topic."""
    return (ctx.single_topic, 0) if ctx.single_topic else (ctx.topic, 0)


def produce_values(ctx: CheckContext, topic: str, partition: int, values: Sequence[bytes]) -> Exchange:
    """Produce `values` (keyed by themselves) to one partition, via topic produce + `partition`."""
    records = [{"key": b64(v[-8:]), "value": b64(v), "partition": partition} for v in values]
    return ctx.api.produce(topic, records, label="produce own records")


class Session:
    """A probe's consumer instances: created in its own groups, registered for cleanup, deleted
    at the end (`with Session(ctx) as s:`)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.live: list[str] = []

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        for path in list(self.live):
            self.delete(path)

    def create(
        self, group: str, body: Mapping[str, Any] | None, **kwargs: Any
    ) -> tuple[Exchange, str | None]:
        """Create an instance in `group`; returns the exchange and the instance path (None if refused)."""
        exchange = create_consumer(self.ctx.api, group, body, **kwargs)
        return exchange, self.adopt(group, exchange)

    def adopt(self, group: str, exchange: Exchange) -> str | None:
        made = created(exchange)
        if made is None:
            return None
        path = instance_path(group, made[0])
        self.ctx.cleanup(path)
        self.live.append(path)
        return path

    def delete(self, path: str) -> Exchange:
        exchange = self.ctx.api.delete_consumer(path)
        if path in self.live:
            self.live.remove(path)
        return exchange

    def forget(self, path: str) -> None:
        """The probe deleted it itself."""
        if path in self.live:
            self.live.remove(path)


# -- long-lived instances (run only at --budget deep) ------------------------------------------------

# How long a long-lived check leaves its instance idle: longer than any ordinary check takes, far
# below the 300 s an idle Confluent instance lives (consumer.instance.timeout.ms, contract.md §4.5).
LONG_IDLE_S = 20.0
DEEP_ONLY = frozenset({"deep-budget"})


def last_offset(
    reads: Sequence[Exchange], topic: str, partition: int, path_topic: str | None = None
) -> int | None:
    """The highest offset of topic/partition the reads returned."""
    offsets = [
        r.offset
        for r in all_records(reads, path_topic)
        if r.partition == partition and r.topic in (topic, None) and r.offset is not None
    ]
    return max(offsets, default=None)


def first_after(
    reads: Sequence[Exchange], topic: str, partition: int, path_topic: str | None = None
) -> int | None:
    for rec in all_records(reads, path_topic):
        if rec.partition == partition and rec.topic in (topic, None) and rec.offset is not None:
            return rec.offset
    return None


def need_all(
    reads: Sequence[Exchange], wanted: Sequence[Sent], what: str, path_topic: str | None = None
) -> None:
    """Every wanted record came in the reads, or the check ends as error (a setup step)."""
    records = all_records(reads, path_topic)
    if not all(find(records, s.topic, s.partition, s.offset) for s in wanted):
        raise setup_failed(what, reads[-1] if reads else None)


def judge_long_lived(
    before: Sequence[Exchange],
    after: Sequence[Exchange],
    delete: Exchange,
    wanted: Sequence[Sent],
    *,
    idle_s: float,
    path_topic: str | None = None,
) -> Judgement:
    """C10/C16, D21/D30 across an idle wait: an instance left idle for `idle_s` (well under the
    300 s an idle Confluent instance lives) still answers its reads, resumes exactly after the last
    record it returned before the wait (nothing repeated, nothing skipped), delivers the records
    produced after the wait, and is still there to delete (204)."""
    j = Judgement()
    topic, partition = wanted[0].topic, wanted[0].partition
    last = last_offset(before, topic, partition, path_topic)
    for read in after:
        j.require(
            records_of(read, path_topic) is not None,
            f"a read after {idle_s:g} s idle: 200 with a JSON array",
            f"{got(read)} for {sent(read)}",
            "an instance idle for far less than its timeout (300 s on Confluent) must still be there",
            read,
        )
    first = first_after(after, topic, partition, path_topic)
    if last is not None and first is not None:
        j.require(
            first == last + 1,
            f"the first read after {idle_s:g} s idle to resume at {topic}/{partition}@{last + 1} "
            f"(the last record returned before the wait was at {last})",
            f"first record at offset {first}",
            "an idle instance that loses its position re-delivers or skips records",
            after[-1],
        )
    judge_arrived(j, after, wanted, what=f"read after {idle_s:g} s idle", path_topic=path_topic)
    require_status(
        j, delete, 204, what=f"delete after {idle_s:g} s idle",
        why="the instance must still exist: a silently dropped instance loses the client's position",
    )  # fmt: skip
    return j
