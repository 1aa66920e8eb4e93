"""Read records back through the same server, at the offsets it reported (contract.md §8 "read back").

v1: `GET /topics/{t}/partitions/{p}/messages?offset=X&count=N` (the simple consumer, §2.1 #7).
v2: a throwaway consumer in `ctx.group("readback")`: `auto.offset.reset` earliest, auto-commit off,
assign + seek + `records?timeout=1000` until `count` records came or a few reads came back empty,
then deleted (§4.5, §5.4). No commit is ever sent, so the read-back changes nothing on the target.

The decoding of what came back is a pure function of the exchanges (`records_from`), so a judge
that takes the read-back exchanges decides the same way on a live target and on a recording.
Records are identified by (partition, offset): other writers may be appending concurrently, and
a read may return records beyond the ones asked for.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict
from urllib.parse import parse_qs, unquote, urlsplit

from conformance.checks.api import instance_path
from conformance.checks.model import CheckContext
from conformance.exchange import Exchange

READ_LABEL = "read back"
V2_EMPTY_READS = 4  # consecutive empty `records` answers before a v2 read-back gives up
V2_MAX_READS = 12  # hard bound on reads per read-back, whatever comes back
V1_MAX_READS = 4  # a v1 fetch may come back short; read on from the next offset a few times
# A throwaway binary consumer: starts at the earliest offset, never commits (§4.5, §5.4).
CONSUMER_CONFIG = {"format": "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false"}


class ReadRecord(TypedDict):
    """One record as read back: key/value decoded to bytes (None for JSON null)."""

    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None
    raw: dict[str, Any]  # the record object as the server sent it
    problem: str | None  # why key/value could not be decoded (not canonical base64, wrong type)


@dataclass
class ReadBack:
    """What a read-back returned: the records (by offset), the exchanges, and what went wrong."""

    topic: str
    partition: int
    offset: int
    count: int
    records: list[ReadRecord] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    error: str | None = None  # the read-back itself failed (consumer creation refused, 5xx, ...)

    def at(self, offset: int) -> ReadRecord | None:
        """The record read back at `offset` of the partition, if any."""
        return record_at(self.records, self.partition, offset)

    @property
    def reads(self) -> list[Exchange]:
        """Only the exchanges that returned records (or should have)."""
        return [ex for ex in self.exchanges if is_read_exchange(ex)]


def decode_b64_field(value: Any) -> tuple[bytes | None, str | None]:
    """A response key/value: JSON null -> None; canonical base64 -> bytes; else a problem (§4.1)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"not a base64 string: {value!r}"
    if "\n" in value or "\r" in value:
        return None, f"base64 with line breaks: {value[:40]!r}"
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None, f"not standard padded base64: {value[:40]!r}"
    if base64.b64encode(data).decode("ascii") != value:
        return data, f"not canonical base64: {value[:40]!r}"
    return data, None


def undecodable_b64(value: Any) -> tuple[bytes | None, str | None]:
    """A key or value as bytes, and why it cannot be decoded at all (None when it can): for byte
    comparisons, where non-canonical but decodable base64 still has its bytes (§4.1)."""
    data, problem = decode_b64_field(value)
    return data, problem if data is None else None


def decode_record(raw: Any) -> ReadRecord | None:
    if not isinstance(raw, dict):
        return None
    key, key_problem = decode_b64_field(raw.get("key"))
    value, value_problem = decode_b64_field(raw.get("value"))
    partition = raw.get("partition")
    offset = raw.get("offset")
    problems = [
        p for p in (key_problem and f"key {key_problem}", value_problem and f"value {value_problem}") if p
    ]
    return ReadRecord(
        partition=partition if isinstance(partition, int) and not isinstance(partition, bool) else None,
        offset=offset if isinstance(offset, int) and not isinstance(offset, bool) else None,
        key=key,
        value=value,
        raw=raw,
        problem="; ".join(problems) or None,
    )


def is_read_exchange(exchange: Exchange) -> bool:
    """A v1 `…/messages` read or a v2 `…/records` read."""
    if exchange.request.method != "GET":
        return False
    last = urlsplit(exchange.request.url).path.rstrip("/").rsplit("/", 1)[-1]
    return last in ("messages", "records")


def _partition_of_messages(exchange: Exchange) -> int | None:
    parts = [unquote(p) for p in urlsplit(exchange.request.url).path.split("/") if p]
    if len(parts) >= 2 and parts[-1] == "messages":
        try:
            return int(parts[-2])
        except ValueError:
            return None
    return None


def records_from(exchanges: Iterable[Exchange]) -> list[ReadRecord]:
    """Every record the 200 answers of read exchanges returned, in the order they came.

    v1 records may lack `partition` (not on 5.5, but 2.0 had no `topic`; a server could omit it):
    the path partition is used then.
    """
    out: list[ReadRecord] = []
    for exchange in exchanges:
        if not is_read_exchange(exchange) or exchange.response is None or exchange.response.status != 200:
            continue
        body = exchange.response.json_or_none()
        if not isinstance(body, list):
            continue
        path_partition = _partition_of_messages(exchange)
        for raw in body:
            record = decode_record(raw)
            if record is None:
                continue
            if record["partition"] is None and path_partition is not None and "partition" not in raw:
                record["partition"] = path_partition
            out.append(record)
    return out


def record_at(records: Sequence[ReadRecord], partition: int, offset: int) -> ReadRecord | None:
    for record in records:
        if record["partition"] == partition and record["offset"] == offset:
            return record
    return None


def requested_offset(exchange: Exchange) -> int | None:
    """The `offset` query parameter of a v1 read (None when absent or not an integer)."""
    values = parse_qs(urlsplit(exchange.request.url).query).get("offset")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None


def read_back(ctx: CheckContext, topic: str, partition: int, offset: int, count: int) -> ReadBack:
    """Read `count` records of `topic`/`partition` starting at `offset`, through the target."""
    result = ReadBack(topic, partition, offset, count)
    if count <= 0:
        return result
    if ctx.version == "v1":
        _read_v1(ctx, result)
    else:
        _read_v2(ctx, result)
    result.records = records_from(result.exchanges)
    return result


def _have(result: ReadBack) -> set[int]:
    wanted = range(result.offset, result.offset + result.count)
    offsets = (r["offset"] for r in records_from(result.exchanges) if r["partition"] == result.partition)
    return {o for o in offsets if o is not None and o in wanted}


def _read_v1(ctx: CheckContext, result: ReadBack) -> None:
    next_offset = result.offset
    end = result.offset + result.count
    for _ in range(V1_MAX_READS):
        ex = ctx.api.messages(result.topic, result.partition, next_offset, end - next_offset)
        ex = _relabel(ex)
        result.exchanges.append(ex)
        if ex.response is None:
            result.error = f"read at offset {next_offset}: no response ({ex.error})"
            return
        if ex.response.status != 200:
            result.error = f"read at offset {next_offset}: HTTP {ex.response.status}"
            return
        body = ex.response.json_or_none()
        if not isinstance(body, list):
            result.error = f"read at offset {next_offset}: body is not a JSON array"
            return
        have = _have(result)
        missing = [o for o in range(result.offset, end) if o not in have]
        if not missing or not body:
            return
        next_offset = missing[0]


def _read_v2(ctx: CheckContext, result: ReadBack) -> None:
    api = ctx.api
    group = ctx.group("readback")
    # consumer_common imports this module; its create_consumer speaks the target's dialect (§5.3)
    from conformance.checks.consumer_common import create_consumer

    created = create_consumer(api, group, CONSUMER_CONFIG)
    result.exchanges.append(_relabel(created))
    body = created.response.json_or_none() if created.response is not None else None
    if created.status != 200 or not isinstance(body, dict) or not isinstance(body.get("instance_id"), str):
        result.error = f"creating the read-back consumer: {created.describe()}"
        return
    instance = instance_path(group, body["instance_id"])
    ctx.cleanup(instance)
    try:
        assigned = api.assign(instance, [(result.topic, result.partition)])
        result.exchanges.append(_relabel(assigned))
        if assigned.status not in (200, 204):
            result.error = f"assign: {assigned.describe()}"
            return
        sought = api.seek(instance, [(result.topic, result.partition, result.offset)])
        result.exchanges.append(_relabel(sought))
        if sought.status not in (200, 204):
            result.error = f"seek: {sought.describe()}"
            return
        empty = 0
        wanted = set(range(result.offset, result.offset + result.count))
        for _ in range(V2_MAX_READS):
            read = api.records(instance, timeout=1000)
            result.exchanges.append(_relabel(read))
            if read.response is None:
                result.error = f"records: no response ({read.error})"
                return
            if read.response.status != 200:
                result.error = f"records: HTTP {read.response.status}"
                return
            got = read.response.json_or_none()
            if not isinstance(got, list):
                result.error = "records: body is not a JSON array"
                return
            if wanted <= _have(result):
                return
            empty = empty + 1 if not got else 0
            if empty >= V2_EMPTY_READS:
                return
            if got and all(
                isinstance(r, dict)
                and isinstance(r.get("offset"), int)
                and r["offset"] >= result.offset + result.count
                for r in got
                if isinstance(r, dict) and r.get("partition") == result.partition
            ):
                # Past the wanted range and still missing some: they will not come.
                return
    finally:
        result.exchanges.append(_relabel(api.delete_consumer(instance)))


def _relabel(exchange: Exchange) -> Exchange:
    return replace(exchange, label=f"{READ_LABEL}: {exchange.label}" if exchange.label else READ_LABEL)
