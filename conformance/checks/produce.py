"""Checks of the produce area: offsets, partitions, round trips, base64, request validation
and unknown targets (contract.md §2, §4.1–4.4, §4.7–4.8, §8.2–8.4: P1–P11, B1–B4, V1–V12).

Judges read what was sent from the recorded request bodies, so the same judge runs on a live
exchange and on the recordings of real servers. Round trips are judged by (partition, offset):
a record is looked for where the server said it wrote it. When a server reports an invalid
offset (Karapace reports -1 for empty and null values, §5.2), P4 fails on that, and the
round-trip checks locate the record from its neighbours in the same batch instead (records to
one partition in one request are contiguous, P3), so a wrong offset is reported once, by P4,
and the stored bytes are still judged by P8–P11.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.checks.api import Record, b64, is_int
from conformance.checks.error_model import (
    ANY_CODE,
    NOT_ASSERTED,
    CodeRule,
    got,
    judge_answer,
    judge_error_bodies,
    judge_json_labels_truthful,
    observe_answer,
    sent,
    unknown_topic_name,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.readback import ReadRecord, read_back, record_at, records_from
from conformance.errors import SetupFailed
from conformance.exchange import Exchange
from conformance.recordings import TRUNCATED
from conformance.requirements import ApiVersion, Requirement

checks = CheckSet("produce")

# The engine's precondition for hazardous produces (§5.4): sent only when the user opts in,
# at the end of the run, with a 65 s client timeout.
HAZARD = frozenset({"probe-unknown-topic-produce", "last"})

# -- what §8 accepts for rejected requests, per row and version (absent = INFO, recorded) -------
# (statuses, error_code rule)
REJECT: dict[str, dict[ApiVersion, tuple[frozenset[int], CodeRule]]] = {
    "B1": {"v1": (frozenset({422}), 422)},
    "B2": {"v1": (frozenset({422}), 422), "v2": (frozenset({400, 422}), ANY_CODE)},
    "B4": {"v2": (frozenset({400, 422}), NOT_ASSERTED)},
    "V1": {"v1": (frozenset({422}), 422), "v2": (frozenset({422}), 422)},
    "V2": {"v1": (frozenset({422}), 422), "v2": (frozenset({422}), 422)},
    "V3": {"v1": (frozenset({422}), 422), "v2": (frozenset({400, 422}), NOT_ASSERTED)},
    "V3s": {"v2": (frozenset({422}), ANY_CODE)},
    "V4": {"v1": (frozenset({422}), 422), "v2": (frozenset({400, 422}), NOT_ASSERTED)},
    "V4s": {"v2": (frozenset({422}), 422)},
    "V5": {"v2": (frozenset({400, 422}), NOT_ASSERTED)},
    "V7": {"v1": (frozenset({422}), NOT_ASSERTED)},
    "V8s": {"v1": (frozenset({422}), 422)},
}
WHY_REJECT: dict[str, str] = {
    "B1": "over-padded base64 is not valid; v1 servers reject it rather than guess the bytes",
    "B2": "a non-ASCII character is never base64; storing anything for it corrupts data silently",
    "B4": "a key or value that is not a base64 string cannot be binary data",
    "V1": "an empty batch is a client bug that should be reported, not acknowledged",
    "V2": "a produce without `records` is a client bug that should be reported",
    "V3": "a request without a body cannot be a produce",
    "V3s": "Confluent answers 422 with an error body",
    "V4": "an unrecognised field usually means a misspelt one; accepting it silently loses intent",
    "V4s": "Confluent answers 422/422 'Unrecognized field'",
    "V5": "a request of the wrong JSON shape is the client's error",
    "V7": "v1 partition-produce records have no `partition` field",
    "V8s": "2.0 validates partition >= 0 up front (422)",
}

# Non-canonical base64 inputs of §8 B3 (recorded only) and the bytes a strict decoder gives.
B3_INPUTS: tuple[str, ...] = ("aGVsbG8", "aGVs bG8=", "aGVsbG8=\n", "-_-_", "!!!!", "myKey", "a")
HELLO = b"hello"


def show(data: bytes | None) -> str:
    """`null`, `""` or `12 bytes 68656c6c…`: a value as a finding shows it."""
    if data is None:
        return "null"
    if not data:
        return '""'
    head = data[:12].hex()
    return f"{len(data)} bytes {head}{'…' if len(data) > 12 else ''}"


def sent_records(exchange: Exchange) -> list[Any]:
    """The `records` array of a produce request, [] when there is none."""
    try:
        body = exchange.request.json()
    except ValueError:
        return []
    records = body.get("records") if isinstance(body, dict) else None
    return records if isinstance(records, list) else []


def entries_of(exchange: Exchange) -> list[Any] | None:
    """The `offsets` array of a produce answer (any status), or None."""
    if exchange.response is None:
        return None
    body = exchange.response.json_or_none()
    offsets = body.get("offsets") if isinstance(body, dict) else None
    return offsets if isinstance(offsets, list) else None


def path_partition(exchange: Exchange) -> int | None:
    parts = [unquote(p) for p in urlsplit(exchange.request.url).path.split("/") if p]
    if len(parts) == 4 and parts[0] == "topics" and parts[2] == "partitions":
        try:
            return int(parts[3])
        except ValueError:
            return None
    return None


def truncated(exchange: Exchange) -> bool:
    return TRUNCATED in exchange.notes


def expected_field(record: Any, name: str) -> tuple[bool, bytes | None]:
    """What a record field must read back as: (judgeable, bytes or None for JSON null/absent).
    Only canonical base64 is judged (§4.1: non-canonical input is version-dependent)."""
    if not isinstance(record, dict) or record.get(name) is None:
        return True, None
    raw = record[name]
    if not isinstance(raw, str):
        return False, None
    try:
        data = base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False, None
    return base64.b64encode(data).decode("ascii") == raw, data


@dataclass
class Sent:
    """One produced record: what was sent, what the server reported, where it is looked for."""

    produce: Exchange
    index: int
    record: Any
    partition: int | None
    reported: Any  # the reported offset, as sent by the server
    located: int | None = None
    inferred: bool = False
    cut: bool = False  # the recorded answer was cut before this record's entry

    @property
    def valid_offset(self) -> bool:
        return is_int(self.reported) and self.reported >= 0


def sent_items(produces: Sequence[Exchange]) -> list[Sent]:
    """Every record of every 200 produce answer, in request order, located where possible.

    A record whose reported offset is not a valid offset is located from the nearest record of
    the same partition with a valid one, counting the records between them. Callers pass
    produces that had no other writer in between (one request, or the recorded sequence).
    """
    items: list[Sent] = []
    for produce in produces:
        if produce.status != 200:
            continue
        entries = entries_of(produce) or []
        records = sent_records(produce)
        for index, record in enumerate(records):
            entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
            partition = entry.get("partition")
            if not is_int(partition):
                partition = record.get("partition") if isinstance(record, dict) else None
            if not is_int(partition):
                partition = path_partition(produce)
            cut = index >= len(entries) and truncated(produce)
            items.append(Sent(produce, index, record, partition, entry.get("offset"), cut=cut))
    for position, item in enumerate(items):
        if item.valid_offset:
            item.located = item.reported
            continue
        if item.partition is None:
            continue
        item.located = _infer(items, position)
        item.inferred = item.located is not None
    return items


def _infer(items: Sequence[Sent], position: int) -> int | None:
    partition = items[position].partition
    for step in (-1, 1):
        distance = 0
        cursor = position + step
        while 0 <= cursor < len(items):
            other = items[cursor]
            if other.partition == partition:
                distance += 1
                if other.valid_offset:
                    return int(other.reported) - step * distance
            cursor += step
    return None


# -- P1 / P2 / P3 / P5 / P6 / P7 --------------------------------------------------------------------


def judge_produce_ok(produces: Sequence[Exchange]) -> Judgement:
    """P1: 200 `{offsets:[…]}`, one entry per record, each with integer partition and offset."""
    j = Judgement()
    why = "a client matches each record to its entry by position"
    for produce in produces:
        if not judge_answer(j, produce, (200,), NOT_ASSERTED, "a valid produce must succeed"):
            continue
        entries = entries_of(produce)
        if not j.require(
            entries is not None, "a JSON object with an `offsets` array", got(produce), why, produce
        ):
            continue
        assert entries is not None
        count = len(sent_records(produce))
        if not truncated(produce):
            j.require(
                len(entries) == count,
                f"{count} offsets entries (one per record)",
                f"{len(entries)}",
                why,
                produce,
            )
        for index, entry in enumerate(entries):
            ok = isinstance(entry, dict) and is_int(entry.get("partition")) and is_int(entry.get("offset"))
            j.require(
                ok, f"entry {index} with integer partition and offset", f"{entry!r}"[:100], why, produce
            )
    return j


ENTRY_KEYS = ("partition", "offset", "error_code", "error")
TOP_KEYS = ("key_schema_id", "value_schema_id")


def judge_entry_keys(produces: Sequence[Exchange]) -> Judgement:
    """P2: entries carry partition, offset, error_code, error (the last two null on success);
    the answer carries key_schema_id and value_schema_id (null for binary)."""
    j = Judgement()
    why = "Confluent clients read error_code/error per record and the schema ids; missing keys break them"
    for produce in produces:
        if produce.status != 200 or produce.response is None:
            continue
        body = produce.response.json_or_none()
        if not isinstance(body, dict):
            continue
        for key in TOP_KEYS:
            j.require(
                key in body and body[key] is None,
                f"top-level `{key}`: null",
                "absent" if key not in body else f"{body[key]!r}",
                why,
                produce,
            )
        for index, entry in enumerate(entries_of(produce) or []):
            if not isinstance(entry, dict):
                continue
            missing = [k for k in ENTRY_KEYS if k not in entry]
            j.require(
                not missing, f"entry {index} with keys {list(ENTRY_KEYS)}", f"missing {missing}", why, produce
            )
            if is_int(entry.get("offset")):
                j.require(
                    entry.get("error_code") is None and entry.get("error") is None,
                    f"entry {index}: error_code and error null on success",
                    f"error_code {entry.get('error_code')!r}, error {entry.get('error')!r}",
                    why,
                    produce,
                )
    return j


def judge_contiguous(produces: Sequence[Exchange]) -> Judgement:
    """P3: per partition, strictly increasing contiguous offsets in request order; the entries
    keep request order (an explicit record partition shows up at its own position)."""
    j = Judgement()
    for produce in produces:
        if produce.status != 200:
            j.fail(f"200 for {sent(produce)}", got(produce), "P3 needs a successful batch", produce)
            continue
        entries = entries_of(produce) or []
        records = sent_records(produce)
        last: dict[int, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not is_int(entry.get("partition")):
                continue
            record = records[index] if index < len(records) else None
            wanted = record.get("partition") if isinstance(record, dict) else None
            if is_int(wanted):
                j.require(
                    entry["partition"] == wanted,
                    f"entry {index} for partition {wanted} (request order)",
                    f"partition {entry['partition']}",
                    "entries must be in request order so a client can match them to its records",
                    produce,
                )
            offset = entry.get("offset")
            partition = entry["partition"]
            if not is_int(offset):
                j.fail(
                    f"entry {index} with an integer offset",
                    f"{offset!r}",
                    "a client stores the offset of each record it produced",
                    produce,
                )
                continue
            if partition in last:
                j.require(
                    offset == last[partition] + 1,
                    f"entry {index}: offset {last[partition] + 1} (contiguous in partition {partition})",
                    f"offset {offset}",
                    "records of one request to one partition are written together, in order",
                    produce,
                )
            last[partition] = int(offset)
    return j


def judge_explicit_partition(produces: Sequence[Exchange]) -> Judgement:
    """P5: an entry's partition equals the record's requested partition."""
    j = Judgement()
    for produce in produces:
        if produce.status != 200:
            j.fail(f"200 for {sent(produce)}", got(produce), "P5 needs a successful produce", produce)
            continue
        entries = entries_of(produce) or []
        for index, record in enumerate(sent_records(produce)):
            wanted = record.get("partition") if isinstance(record, dict) else None
            if not is_int(wanted) or index >= len(entries):
                continue
            entry = entries[index]
            actual = entry.get("partition") if isinstance(entry, dict) else None
            j.require(
                actual == wanted,
                f"record {index} written to its requested partition {wanted}",
                f"partition {actual!r}",
                "clients that partition themselves rely on it (ordering per partition, co-location)",
                produce,
            )
    return j


def _one_entry_per_record(j: Judgement, produce: Exchange, entries: int) -> bool:
    """The precondition of judging entries one by one: the answer has one per record sent.
    Without it a partition or offset comparison would read "expected X; got X"."""
    records = len(sent_records(produce))
    return j.require(
        entries == records,
        f"one offsets entry per record: {records}",
        f"{entries} entries for {records} records",
        "clients match entries to records by position (P1)",
        produce,
    )


def judge_same_key(produce: Exchange) -> Judgement:
    """P6: records with one key and no partition share one partition (which one: recorded)."""
    j = Judgement()
    if not judge_answer(j, produce, (200,), NOT_ASSERTED, "P6 needs a successful produce"):
        return j
    partitions = [e.get("partition") for e in entries_of(produce) or [] if isinstance(e, dict)]
    if not _one_entry_per_record(j, produce, len(partitions)):
        return j
    distinct: list[int] = sorted({int(p) for p in partitions if is_int(p)})
    j.require(
        len(distinct) == 1,
        "every record with the same key in one partition",
        f"partitions {partitions}",
        "per-key ordering (and compaction) depends on one key always landing in one partition",
        produce,
    )
    if len(distinct) == 1:
        j.observe(f"P6: the key landed in partition {distinct[0]}")
    return j


def judge_partition_produce(produces: Sequence[Exchange]) -> Judgement:
    """P7: 200; every entry's partition is the path partition; offsets contiguous."""
    j = Judgement()
    for produce in produces:
        if not judge_answer(
            j, produce, (200,), NOT_ASSERTED, "a produce to an existing partition must succeed"
        ):
            continue
        wanted = path_partition(produce)
        entries = entries_of(produce) or []
        actual = [e.get("partition") if isinstance(e, dict) else None for e in entries]
        if not _one_entry_per_record(j, produce, len(actual)):
            continue
        j.require(
            all(p == wanted for p in actual),
            f"every entry in partition {wanted}",
            f"partitions {actual}",
            "the path names the partition the records must go to",
            produce,
        )
        raw = [e.get("offset") if isinstance(e, dict) else None for e in entries]
        offsets = [int(o) for o in raw if is_int(o)]
        contiguous = len(offsets) == len(raw) and all(b == a + 1 for a, b in itertools.pairwise(offsets))
        j.require(
            contiguous,
            "contiguous increasing offsets",
            f"offsets {raw}",
            "records of one request to one partition are written together, in order",
            produce,
        )
    return j


# -- P4 and the round trips (P8–P11) ------------------------------------------------------------------


def _missing(j: Judgement, item: Sent, reads: Sequence[Exchange], what: str) -> None:
    if any(truncated(r) for r in reads):
        j.observe(f"{what}: not judged, the recorded read was cut before offset {item.located}")
        return
    failed = [r for r in reads if r.status not in (200, 204)]
    why_not = f" (the read-back got {got(failed[0])} for {sent(failed[0])})" if failed else ""
    j.fail(
        f"{what} to read back at partition {item.partition} offset {item.located}",
        f"no record there{why_not}",
        "a record the server acknowledged must be readable where it was written",
        item.produce,
    )


def judge_offsets_true(produces: Sequence[Exchange], reads: Sequence[Exchange]) -> Judgement:
    """P4: every record reads back at its reported offset."""
    j = Judgement()
    records = records_from(reads)
    items = sent_items(produces)
    values = {
        data
        for item in items
        for ok, data in [expected_field(item.record, "value")]
        if ok and data  # only non-empty values identify a record
    }
    for item in items:
        where = f"record {item.index} of {sent(item.produce)}"
        if item.cut:
            j.observe(f"{where}: not judged, the recorded answer was cut before its entry")
            continue
        if not item.valid_offset:
            hint = f"; it was written at offset {item.located}" if item.located is not None else ""
            j.fail(
                f"{where}: a valid offset (>= 0)",
                f"offset {item.reported!r}{hint}",
                "a client that stores or commits the reported offset points at the wrong record",
                item.produce,
            )
            continue
        if item.partition is None:
            j.fail(
                f"{where}: an integer partition",
                "none",
                "a client cannot find the record without its partition",
                item.produce,
            )
            continue
        found = record_at(records, item.partition, item.reported)
        if found is None:
            _missing(j, item, reads, where)
            continue
        ok, value = expected_field(item.record, "value")
        if ok and value:
            j.require(
                found["value"] == value,
                f"{where}: its value {show(value)} at partition {item.partition} offset {item.reported}",
                f"{show(found['value'])}",
                "the reported offset must point at the record that was written",
                item.produce,
            )
        elif found["value"] is not None and found["value"] in values:
            j.fail(
                f"{where}: its own record at offset {item.reported}",
                f"another record of the batch ({show(found['value'])})",
                "the reported offset must point at the record that was written",
                item.produce,
            )
    return j


Selector = Callable[[Any], bool]


def explicit_null(record: Any) -> bool:
    """P8: `key` or `value` present and JSON null."""
    return isinstance(record, dict) and (
        ("key" in record and record["key"] is None) or ("value" in record and record["value"] is None)
    )


def absent_key_and_value(record: Any) -> bool:
    """P9: the record `{}` (neither key nor value)."""
    return isinstance(record, dict) and "key" not in record and "value" not in record


def empty_strings(record: Any) -> bool:
    """P10: `""` as key or value."""
    return isinstance(record, dict) and (record.get("key") == "" or record.get("value") == "")


def every_record(record: Any) -> bool:
    return isinstance(record, dict)


def _compare(found: ReadRecord, item: Sent) -> list[str]:
    problems = []
    if found["problem"]:
        problems.append(found["problem"])
    for name in ("key", "value"):
        ok, wanted = expected_field(item.record, name)
        if not ok:
            continue
        actual = found[name]
        if actual != wanted:
            problems.append(f"{name} {show(actual)} instead of {show(wanted)}")
    return problems


def judge_round_trip(
    produces: Sequence[Exchange], reads: Sequence[Exchange], selector: Selector, why: str
) -> Judgement:
    """P8–P11: each selected record was accepted (200) and reads back byte-exactly, null as
    JSON null, in standard padded base64, at the offset where it was written."""
    j = Judgement()
    for produce in produces:
        if any(selector(r) for r in sent_records(produce)):
            judge_answer(j, produce, (200,), NOT_ASSERTED, why)
    records = records_from(reads)
    for item in sent_items(produces):
        if not selector(item.record):
            continue
        where = f"record {item.index} {_short(item.record)}"
        if item.located is None or item.partition is None:
            j.observe(f"{where}: could not be located (reported offset {item.reported!r}; P4 judges that)")
            continue
        found = record_at(records, item.partition, item.located)
        if found is None:
            _missing(j, item, reads, where)
            continue
        problems = _compare(found, item)
        j.require(
            not problems,
            f"{where} to read back byte-exactly at offset {item.located}",
            "; ".join(problems),
            why,
            item.produce,
        )
    return j


def _short(record: Any) -> str:
    text = repr(record)
    return text if len(text) <= 60 else text[:57] + "...}"


# -- rejections (B1, B2, B4, V1–V8s) ----------------------------------------------------------------


def judge_rejections(exchanges: Sequence[Exchange], row: str, version: ApiVersion) -> Judgement:
    """The outcome §8 accepts for `row` in this version; rows without one there are recorded."""
    j = Judgement()
    rule = REJECT.get(row, {}).get(version)
    for exchange in exchanges:
        if rule is None:
            observe_answer(j, exchange, row)
        else:
            judge_answer(j, exchange, rule[0], rule[1], WHY_REJECT[row])
    return j


def judge_not_2xx(exchanges: Sequence[Exchange]) -> Judgement:
    """V8: a negative partition is refused (any status but 2xx)."""
    j = Judgement()
    for exchange in exchanges:
        status = exchange.status
        j.require(
            status is not None and not 200 <= status < 300,
            f"a refusal (not 2xx) for {sent(exchange)}",
            got(exchange),
            "a negative partition does not exist; accepting it writes the record somewhere the client did not ask",
            exchange,
        )
    return j


def judge_b3(produces: Sequence[Exchange], reads: Sequence[Exchange]) -> Judgement:
    """B3 (INFO): non-canonical base64 is stored decoded or refused; silent truncation warned."""
    j = Judgement()
    records = records_from(reads)
    by_index = {id(item.produce): item for item in sent_items(produces)}
    for produce in produces:
        raw = (sent_records(produce) or [{}])[0]
        text = raw.get("value") if isinstance(raw, dict) else None
        item = by_index.get(id(produce))
        if produce.status != 200 or item is None or item.located is None or item.partition is None:
            observe_answer(j, produce, f"B3 {text!r}")
            continue
        found = record_at(records, item.partition, item.located)
        stored = found["value"] if found is not None else None
        j.observe(f"B3 {text!r}: 200, stored {show(stored) if found is not None else '(not read back)'}")
        if text == "aGVsbG8" and found is not None and stored == b"hel":
            j.observe("warning: 'aGVsbG8' (missing padding) was silently truncated to 'hel' (§4.1)")
    return j


def judge_per_record_failure(produces: Sequence[Exchange]) -> Judgement:
    """V12: when an entry fails, HTTP 200 and {partition: null, offset: null, error_code: int, error: str}."""
    j = Judgement()
    for produce in produces:
        entries = entries_of(produce)
        if entries is None:
            observe_answer(j, produce, "V12 (no per-record answer)")
            continue
        failed = [
            e
            for e in entries
            if isinstance(e, dict) and (e.get("error_code") is not None or e.get("offset") is None)
        ]
        if not failed:
            observe_answer(j, produce, "V12 (no record failed)")
            continue
        observe_answer(j, produce, f"V12 failed entries {failed}"[:300])
        j.require(
            produce.status == 200,
            "HTTP 200 with the failure in the entry",
            got(produce),
            "Confluent clients read per-record errors from a 200 answer",
            produce,
        )
        for entry in failed:
            ok = (
                entry.get("partition") is None
                and entry.get("offset") is None
                and is_int(entry.get("error_code"))
                and isinstance(entry.get("error"), str)
            )
            j.require(
                ok,
                "a failed entry {partition: null, offset: null, error_code: int, error: string}",
                f"{entry!r}"[:120],
                "clients detect a failed record by error_code and show error",
                produce,
            )
    return j


def judge_unknown_target(produces: Sequence[Exchange], status: int, code: int) -> Judgement:
    """V9–V11: within the limit, `status`/`code` or any 4xx (V9), or 200 with every entry failed."""
    j = Judgement()
    for produce in produces:
        entries = entries_of(produce)
        all_failed = (
            produce.status == 200
            and entries is not None
            and bool(entries)
            and all(isinstance(e, dict) and e.get("offset") is None for e in entries)
        )
        if all_failed:
            continue
        judge_answer(
            j,
            produce,
            (status,),
            code,
            "a record for a partition or topic that does not exist must fail, visibly",
        )
    return j


# -- probes ------------------------------------------------------------------------------------------


def unique(ctx: CheckContext, tag: str) -> bytes:
    return f"{ctx.run_id}-{tag}-{ctx.rng.randrange(16**8):08x}".encode()


def _roundtrip_target(ctx: CheckContext) -> tuple[str, int | None, int]:
    """Where round-trip records go: the single-partition topic as is, or partition 0 of the
    test topic by path (both keep the records exactly as §8 writes them). -> topic, path, partition."""
    if ctx.single_topic:
        return ctx.single_topic, None, 0
    return ctx.topic, 0, 0


def _produce_and_read(ctx: CheckContext, records: Sequence[Record]) -> tuple[Exchange, list[Exchange]]:
    topic, path, _ = _roundtrip_target(ctx)
    produce = ctx.api.produce(topic, list(records), partition=path)
    return produce, _read_located(ctx, topic, [produce])


def _read_located(ctx: CheckContext, topic: str, produces: Sequence[Exchange]) -> list[Exchange]:
    """Read back every located record of these produces, one range per partition."""
    spans: dict[int, list[int]] = {}
    for item in sent_items(produces):
        if item.partition is not None and item.located is not None and item.located >= 0:
            spans.setdefault(item.partition, []).append(item.located)
    reads: list[Exchange] = []
    for partition, offsets in sorted(spans.items()):
        start, end = min(offsets), max(offsets)
        back = read_back(ctx, topic, partition, start, end - start + 1)
        if back.error is not None:
            # The read-back did not run (its consumer refused, a seek not taken, a 5xx): the bytes
            # were never read, so no round-trip row can be judged on them.
            raise SetupFailed(
                f"setup: the read-back of {topic}/{partition}@{start}..{end} could not run: {back.error} "
                "(not judged here)"
            )
        reads += back.exchanges
    return reads


def _marker(ctx: CheckContext, tag: str) -> Record:
    return {"value": b64(unique(ctx, tag))}


def _count(ctx: CheckContext) -> int:
    return max(1, ctx.partitions.get(ctx.topic, 1))


@checks.add(
    Requirement(
        id="PROD-001",
        title="Produce succeeds with one offsets entry per record",
        area="produce",
        rows=("P1",),
        section="2.1",
        statement="A valid produce answers 200 {offsets:[…]}, one entry per record in request order, "
        "each with integer partition and offset.",
    )
)
def produce_succeeds(ctx: CheckContext) -> Judgement:
    records = [{"value": b64(unique(ctx, f"p1-{i}"))} for i in range(3)]
    records.append({"key": b64(unique(ctx, "p1-key")), "value": b64(unique(ctx, "p1-kv"))})
    return judge_produce_ok([ctx.api.produce(ctx.topic, records)])


@checks.add(
    Requirement(
        id="PROD-002",
        title="Produce answers carry every entry and schema-id key",
        area="produce",
        rows=("P2",),
        section="2.1",
        statement="Entries carry partition, offset, error_code and error (null on success); the answer "
        "carries key_schema_id and value_schema_id (null for binary).",
    )
)
def produce_full_keys(ctx: CheckContext) -> Judgement:
    records = [{"value": b64(unique(ctx, f"p2-{i}"))} for i in range(2)]
    produce = ctx.api.produce(ctx.topic, records)
    j = judge_entry_keys([produce])
    if produce.status != 200:
        j.fail(f"200 for {sent(produce)}", got(produce), "P2 needs a successful produce", produce)
    return j


@checks.add(
    Requirement(
        id="PROD-003",
        title="Offsets are contiguous and in request order",
        area="produce",
        rows=("P3",),
        section="4.4",
        statement="Records to one partition get strictly increasing, contiguous offsets in request order, "
        "and a mixed-partition batch keeps request order.",
        # Run alone: Confluent does not keep one request's records contiguous while other
        # producers write to the same partition (5.5 v1 live: offsets 39, 48, 49), and the suite's
        # own concurrent checks are such producers. P3 holds only without concurrent writers.
        needs=frozenset({"isolated"}),
    )
)
def offsets_contiguous(ctx: CheckContext) -> Judgement:
    count = _count(ctx)
    batch = [{"value": b64(unique(ctx, f"p3-{i}")), "partition": 0} for i in range(6)]
    produces = [ctx.api.produce(ctx.topic, batch)]
    if count >= 2:
        order = [p % count for p in (2, 0, 1, 0, 2, 1)]
        mixed = [{"value": b64(unique(ctx, f"p3m-{i}")), "partition": p} for i, p in enumerate(order)]
        produces.append(ctx.api.produce(ctx.topic, mixed))
    return judge_contiguous(produces)


@checks.add(
    Requirement(
        id="PROD-004",
        title="Reported offsets are where the records are",
        area="produce",
        rows=("P4",),
        section="4.4",
        statement="Every record reads back at the partition and offset the produce answer reported "
        "(including a record with an empty value).",
    )
)
def offsets_true(ctx: CheckContext) -> Judgement:
    count = _count(ctx)
    records: list[Record] = []
    for i in range(7):
        record: Record = {"value": b64(unique(ctx, f"p4-{i}")), "partition": (i % 3) % count}
        if i == 3:
            record = {"key": b64(unique(ctx, "p4-key")), "value": "", "partition": 0}
        records.append(record)
    produce = ctx.api.produce(ctx.topic, records)
    if produce.status != 200:
        j = Judgement()
        j.fail(f"200 for {sent(produce)}", got(produce), "P4 needs a successful produce", produce)
        return j
    return judge_offsets_true([produce], _read_located(ctx, ctx.topic, [produce]))


@checks.add(
    Requirement(
        id="PROD-005",
        title="An explicit record partition is honoured",
        area="produce",
        rows=("P5",),
        section="4.3",
        statement="A record with `partition` p is written to partition p, for every partition of the topic.",
    )
)
def explicit_partition(ctx: CheckContext) -> Judgement:
    count = _count(ctx)
    order = list(range(count)) + list(reversed(range(count)))
    records = [{"value": b64(unique(ctx, f"p5-{i}")), "partition": p} for i, p in enumerate(order)]
    keyed = [{"key": b64(unique(ctx, f"p5k-{p}")), "value": b64(b"k"), "partition": p} for p in range(count)]
    return judge_explicit_partition([ctx.api.produce(ctx.topic, records), ctx.api.produce(ctx.topic, keyed)])


@checks.add(
    Requirement(
        id="PROD-006",
        title="Records with the same key land in the same partition",
        area="produce",
        rows=("P6",),
        section="4.3",
        statement="Six records with one key and no partition share one partition.",
        needs=frozenset({"two-partitions"}),
    )
)
def same_key(ctx: CheckContext) -> Judgement:
    key = b64(unique(ctx, "p6-key"))
    records = [{"key": key, "value": b64(unique(ctx, f"p6-{i}"))} for i in range(6)]
    return judge_same_key(ctx.api.produce(ctx.topic, records))


@checks.add(
    Requirement(
        id="PROD-007",
        title="Produce to a partition",
        area="produce",
        rows=("P7",),
        section="2.1",
        statement="POST /topics/{t}/partitions/{p} answers 200, every entry in partition p, offsets contiguous.",
        # Run alone: Confluent does not keep one request's records contiguous while other
        # producers write to the same partition (5.5 v1 live: offsets 39, 48, 49), and the suite's
        # own concurrent checks are such producers. P3 holds only without concurrent writers.
        needs=frozenset({"isolated"}),
    )
)
def produce_to_partition(ctx: CheckContext) -> Judgement:
    produces = []
    for partition in range(min(_count(ctx), 3)):
        records = [{"value": b64(unique(ctx, f"p7-{partition}-{i}"))} for i in range(3)]
        records.append({"key": b64(unique(ctx, f"p7-key-{partition}")), "value": b64(b"p7")})
        produces.append(ctx.api.produce(ctx.topic, records, partition=partition))
    return judge_partition_produce(produces)


def _roundtrip_check(ctx: CheckContext, middle: Sequence[Record], selector: Selector, why: str) -> Judgement:
    records = [_marker(ctx, "first"), *middle, _marker(ctx, "last")]
    produce, reads = _produce_and_read(ctx, records)
    return judge_round_trip([produce], reads, selector, why)


@checks.add(
    Requirement(
        id="PROD-008",
        title="Null keys and values are accepted and read back as null",
        area="produce",
        rows=("P8",),
        section="4.2",
        statement='{"key":null,"value":null}, {"value":null} and {"key":null,"value":…} are accepted and '
        "their null fields read back as JSON null (a tombstone, never bytes).",
        # Run alone: a record whose reported offset is not valid (Karapace: -1) is located from
        # its batch neighbours, which holds only without concurrent writers to the partition.
        needs=frozenset({"isolated"}),
    )
)
def null_key_value(ctx: CheckContext) -> Judgement:
    middle: list[Record] = [
        {"key": None, "value": None},
        {"value": None},
        {"key": None, "value": b64(unique(ctx, "p8"))},
    ]
    return _roundtrip_check(
        ctx,
        middle,
        explicit_null,
        "a null value is a tombstone; storing bytes instead corrupts compaction and readers",
    )


@checks.add(
    Requirement(
        id="PROD-009",
        title="A record without key and value reads back as null and null",
        area="produce",
        rows=("P9",),
        section="4.2",
        statement="The record {} is accepted and reads back with key and value null.",
        # Run alone: a record whose reported offset is not valid (Karapace: -1) is located from
        # its batch neighbours, which holds only without concurrent writers to the partition.
        needs=frozenset({"isolated"}),
    )
)
def absent_key_value(ctx: CheckContext) -> Judgement:
    return _roundtrip_check(ctx, [{}], absent_key_and_value, "an absent field means null")


@checks.add(
    Requirement(
        id="PROD-010",
        title="Empty strings read back as empty strings",
        area="produce",
        rows=("P10",),
        section="4.2",
        statement='{"key":"","value":""} is accepted and reads back as "" and "", not null.',
        # Run alone: a record whose reported offset is not valid (Karapace: -1) is located from
        # its batch neighbours, which holds only without concurrent writers to the partition.
        needs=frozenset({"isolated"}),
    )
)
def empty_key_value(ctx: CheckContext) -> Judgement:
    return _roundtrip_check(
        ctx,
        [{"key": "", "value": ""}],
        empty_strings,
        "an empty value and a null value (tombstone) mean different things to Kafka",
    )


ALL_BYTES = bytes(range(256))


@checks.add(
    Requirement(
        id="PROD-011",
        title="All 256 byte values round-trip byte-exactly",
        area="produce",
        rows=("P11",),
        section="4.1",
        statement="Key and value = bytes 0-255, and 256 one-byte records, read back byte-exactly in "
        "standard padded base64 without line breaks.",
        # Run alone: a record whose reported offset is not valid (Karapace: -1) is located from
        # its batch neighbours, which holds only without concurrent writers to the partition.
        needs=frozenset({"isolated"}),
    )
)
def all_bytes(ctx: CheckContext) -> Judgement:
    records: list[Record] = [{"key": b64(ALL_BYTES), "value": b64(ALL_BYTES)}]
    records += [{"value": b64(bytes([i]))} for i in range(256)]
    produce, reads = _produce_and_read(ctx, records)
    return judge_round_trip([produce], reads, every_record, "binary data must survive the proxy unchanged")


def _rejected(
    ctx: CheckContext, row: str, bodies: Sequence[Any], *, partition_too: bool = False
) -> Judgement:
    exchanges = [ctx.api.produce(ctx.topic, body=body) for body in bodies]
    if partition_too:
        exchanges += [ctx.api.produce(ctx.topic, body=body, partition=0) for body in bodies]
    return judge_rejections(exchanges, row, ctx.version)


@checks.add(
    Requirement(
        id="PROD-012",
        title="Over-padded base64 (aGVsbG8==)",
        area="produce",
        rows=("B1",),
        section="4.1",
        statement="v1 rejects the over-padded value 'aGVsbG8==' with 422/422; v2 answers are recorded.",
    )
)
def b64_extra_padding(ctx: CheckContext) -> Judgement:
    return _rejected(ctx, "B1", [{"records": [{"value": "aGVsbG8=="}]}])


@checks.add(
    Requirement(
        id="PROD-013",
        title="A non-ASCII character in base64 is rejected",
        area="produce",
        rows=("B2",),
        section="4.1",
        statement="A key or value with a non-ASCII character is rejected: v1 422/422, v2 400 or 422 with an error body.",
    )
)
def b64_non_ascii(ctx: CheckContext) -> Judgement:
    bodies = [
        {"records": [{"value": "aGVsbG8\u00e9"}]},
        {"records": [{"key": "aGVs\u00e9bG8=", "value": b64(b"v")}]},
    ]
    return _rejected(ctx, "B2", bodies, partition_too=True)


@checks.add(
    Requirement(
        id="PROD-014",
        title="Non-canonical base64 (recorded)",
        area="produce",
        rows=("B3",),
        section="4.1",
        statement="Non-canonical base64 is stored decoded or refused; silent truncation is warned about.",
    )
)
def b64_non_canonical(ctx: CheckContext) -> Judgement:
    topic, path, _ = _roundtrip_target(ctx)
    produces = [ctx.api.produce(topic, [{"value": text}], partition=path) for text in B3_INPUTS]
    reads = _read_located(ctx, topic, [p for p in produces if p.status == 200])
    return judge_b3(produces, reads)


@checks.add(
    Requirement(
        id="PROD-015",
        title="Non-string keys and values are rejected",
        area="produce",
        rows=("B4",),
        section="3.1",
        statement="v2 rejects a number or object as key or value, 0 included, with 400 or 422; v1 "
        "answers are recorded.",
    )
)
def non_string_fields(ctx: CheckContext) -> Judgement:
    bodies = [
        {"records": [{"key": 123, "value": b64(b"v")}]},
        {"records": [{"value": 123}]},
        {"records": [{"value": {"a": 1}}]},
        # 0 apart: a server that tests a field's truth before its type (Karapace 3.16: `if not obj`)
        # stores a 0 key or value as empty bytes, where 123 is refused (live, lab 2026-12-08).
        {"records": [{"key": 0, "value": b64(b"v")}]},
        {"records": [{"value": 0}]},
    ]
    return _rejected(ctx, "B4", bodies)


@checks.add(
    Requirement(
        id="PROD-016",
        title="An empty records array is rejected",
        area="produce",
        rows=("V1",),
        section="4.8",
        statement='{"records":[]} answers 422/422, on topic and partition produce.',
    )
)
def empty_records(ctx: CheckContext) -> Judgement:
    return _rejected(ctx, "V1", [{"records": []}], partition_too=True)


@checks.add(
    Requirement(
        id="PROD-017",
        title="A produce without records is rejected",
        area="produce",
        rows=("V2",),
        section="4.8",
        statement="{} answers 422/422.",
    )
)
def missing_records(ctx: CheckContext) -> Judgement:
    # Topic produce only, as §8 V2 states and all three Confluent runs recorded.
    return _rejected(ctx, "V2", [{}])


def _bodiless(ctx: CheckContext) -> list[Exchange]:
    return [ctx.api.produce(ctx.topic, raw=b"null"), ctx.api.produce(ctx.topic, raw=b"")]


@checks.add(
    Requirement(
        id="PROD-018",
        title="A null or empty produce body is rejected",
        area="produce",
        rows=("V3",),
        section="4.8",
        statement="A `null` or empty body answers v1 422/422, v2 400 or 422.",
    )
)
def null_body(ctx: CheckContext) -> Judgement:
    return judge_rejections(_bodiless(ctx), "V3", ctx.version)


@checks.add(
    Requirement(
        id="PROD-019",
        title="A null or empty produce body: 422 with an error body",
        area="produce",
        rows=("V3s",),
        section="4.8",
        statement="A `null` or empty body answers 422 with an error body, as Confluent does.",
        versions=("v2",),
    )
)
def null_body_exact(ctx: CheckContext) -> Judgement:
    return judge_rejections(_bodiless(ctx), "V3s", ctx.version)


UNKNOWN_FIELD_BODIES: tuple[Any, ...] = (
    {"records": [{"value": "eA=="}], "foo": 1},
    {"records": [{"value": "eA==", "foo": 1}]},
)


@checks.add(
    Requirement(
        id="PROD-020",
        title="Unknown fields are rejected",
        area="produce",
        rows=("V4",),
        section="4.8",
        statement="An unknown top-level or record field answers v1 422/422, v2 400 or 422.",
    )
)
def unknown_fields(ctx: CheckContext) -> Judgement:
    return _rejected(ctx, "V4", UNKNOWN_FIELD_BODIES)


@checks.add(
    Requirement(
        id="PROD-021",
        title="Unknown fields: 422/422 exactly",
        area="produce",
        rows=("V4s",),
        section="4.8",
        statement="An unknown top-level or record field answers 422/422, as Confluent does.",
        versions=("v2",),
    )
)
def unknown_fields_exact(ctx: CheckContext) -> Judgement:
    return _rejected(ctx, "V4s", UNKNOWN_FIELD_BODIES)


@checks.add(
    Requirement(
        id="PROD-022",
        title="Wrongly typed records are rejected",
        area="produce",
        rows=("V5",),
        section="3.1",
        statement="`records` not an array, or a record not an object, answers v2 400 or 422 (v1 recorded).",
    )
)
def wrong_types(ctx: CheckContext) -> Judgement:
    return _rejected(ctx, "V5", [{"records": {"value": "eA=="}}, {"records": {}}, {"records": ["x"]}])


MALFORMED: tuple[bytes, ...] = (b'{"records":[', b"{not json", b'{"records": [{"value": "eA=="}]} x')


@checks.add(
    Requirement(
        id="PROD-023",
        title="Malformed JSON (recorded)",
        area="produce",
        rows=("V6",),
        section="3.1",
        statement="The status and Content-Type of malformed JSON bodies are recorded.",
    )
)
def malformed_json(ctx: CheckContext) -> Judgement:
    exchanges = [ctx.api.produce(ctx.topic, raw=raw) for raw in MALFORMED]
    return judge_rejections(exchanges, "V6", ctx.version)


@checks.add(
    Requirement(
        id="PROD-024",
        title="A partition field in a partition-produce record",
        area="produce",
        rows=("V7",),
        section="2.1",
        statement="v1 rejects a record `partition` field in a partition produce with 422; v2 recorded.",
    )
)
def partition_field_in_partition_produce(ctx: CheckContext) -> Judgement:
    other = 1 % _count(ctx)
    body = {"records": [{"value": b64(unique(ctx, "v7")), "partition": other}]}
    return judge_rejections([ctx.api.produce(ctx.topic, body=body, partition=0)], "V7", ctx.version)


def _negative(ctx: CheckContext) -> list[Exchange]:
    exchanges = [ctx.api.produce(ctx.topic, [{"value": b64(unique(ctx, "v8")), "partition": -1}])]
    if ctx.version == "v1":
        exchanges.append(ctx.api.produce(ctx.topic, [{"value": b64(unique(ctx, "v8p"))}], partition=-1))
    return exchanges


@checks.add(
    Requirement(
        id="PROD-025",
        title="A negative partition is refused",
        area="produce",
        rows=("V8",),
        section="4.3",
        statement="A record partition -1 (v1 also path partition -1) is not answered 2xx.",
    )
)
def negative_partition(ctx: CheckContext) -> Judgement:
    return judge_not_2xx(_negative(ctx))


@checks.add(
    Requirement(
        id="PROD-026",
        title="A negative partition: 422/422",
        area="produce",
        rows=("V8s",),
        section="4.3",
        statement="A negative record partition answers 422/422 (2.0 validation); 5.5 answers 500.",
        versions=("v1",),
    )
)
def negative_partition_exact(ctx: CheckContext) -> Judgement:
    # Only the record field: 2.0's 422 comes from `@Min(0)` on it; a path partition -1 is an
    # unknown partition to 2.0 (40402), so V8 alone judges the path.
    return judge_rejections(_negative(ctx)[:1], "V8s", ctx.version)


def _beyond_count(ctx: CheckContext) -> Exchange:
    return ctx.api.produce(ctx.topic, [{"value": b64(unique(ctx, "v9")), "partition": _count(ctx)}])


@checks.add(
    Requirement(
        id="PROD-027",
        title="A record partition beyond the partition count (hazardous, recorded)",
        area="produce",
        rows=("V9",),
        section="4.3",
        statement="A record partition >= the partition count is refused (4xx) or fails per record.",
        needs=HAZARD,
    )
)
def partition_beyond_count(ctx: CheckContext) -> Judgement:
    produce = _beyond_count(ctx)
    j = Judgement()
    observe_answer(j, produce, f"V9 ({produce.response.elapsed_ms:.0f} ms)" if produce.response else "V9")
    return j


@checks.add(
    Requirement(
        id="PROD-028",
        title="Produce to an unknown topic (hazardous, recorded)",
        area="produce",
        rows=("V10",),
        section="4.7",
        statement="A produce to an unknown topic answers 404/40401 or fails every record.",
        needs=HAZARD,
    )
)
def unknown_topic_produce(ctx: CheckContext) -> Judgement:
    produce = ctx.api.produce(unknown_topic_name(ctx), [{"value": b64(b"v10")}])
    j = Judgement()
    observe_answer(j, produce, f"V10 ({produce.response.elapsed_ms:.0f} ms)" if produce.response else "V10")
    return j


def _unknown_partition_produce(ctx: CheckContext) -> Exchange:
    return ctx.api.produce(
        ctx.topic, [{"value": b64(unique(ctx, "v11"))}], partition=max(99, _count(ctx) + 97)
    )


@checks.add(
    Requirement(
        id="PROD-029",
        title="Produce to an unknown partition fails (hazardous)",
        area="produce",
        rows=("V11",),
        section="4.7",
        statement="v1 produce to an unknown partition answers 404/40402, or 200 with every entry failed.",
        needs=HAZARD,
    )
)
def unknown_partition_produce(ctx: CheckContext) -> Judgement:
    produce = _unknown_partition_produce(ctx)
    if ctx.version == "v2":
        j = Judgement()
        observe_answer(j, produce, "V11")
        return j
    return judge_unknown_target([produce], 404, 40402)


@checks.add(
    Requirement(
        id="PROD-030",
        title="Produce to an unknown partition: 404/40402 at once (hazardous)",
        area="produce",
        rows=("V11s",),
        section="2.1",
        statement="v1 produce to an unknown partition answers 404/40402 without waiting (2.0 checks up front).",
        versions=("v1",),
        needs=HAZARD,
    )
)
def unknown_partition_produce_at_once(ctx: CheckContext) -> Judgement:
    produce = _unknown_partition_produce(ctx)
    j = Judgement()
    judge_answer(j, produce, (404,), 40402, "2.0 checks the partition up front")
    if produce.response is not None:
        j.require(
            produce.response.elapsed_ms < UP_FRONT_MS,
            f"an answer within {UP_FRONT_MS / 1000:.0f} s",
            f"{produce.response.elapsed_ms / 1000:.1f} s",
            "a client blocked for the producer's metadata timeout cannot tell a typo from an outage",
            produce,
        )
    return j


UP_FRONT_MS = 10_000.0


@checks.add(
    Requirement(
        id="PROD-031",
        title="Per-record failures are reported in a 200 answer (hazardous)",
        area="produce",
        rows=("V12",),
        section="3.4",
        statement="A failed record's entry is {partition: null, offset: null, error_code: int, error: string} "
        "in an HTTP 200 answer.",
        needs=HAZARD,
    )
)
def per_record_failure(ctx: CheckContext) -> Judgement:
    return judge_per_record_failure([_beyond_count(ctx)])


# -- batches spread over partitions (P3, P5–P7 together) ----------------------------------------------


def judge_keys_together(produce: Exchange) -> Judgement:
    """P6 inside a mixed batch: the keyed records without a partition share one partition per key,
    whatever explicit partitions the records between them name."""
    j = Judgement()
    if produce.status != 200:
        return j
    entries = entries_of(produce) or []
    by_key: dict[str, set[Any]] = {}
    for index, record in enumerate(sent_records(produce)):
        if not isinstance(record, dict) or record.get("partition") is not None or not record.get("key"):
            continue
        entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        by_key.setdefault(record["key"], set()).add(entry.get("partition"))
    for key, partitions in by_key.items():
        j.require(
            len(partitions) == 1,
            f"every record with key {key!r} in one partition",
            f"partitions {sorted(partitions, key=repr)}",
            "per-key ordering depends on one key always landing in one partition, also when the "
            "records around it name partitions of their own",
            produce,
        )
    return j


def mixed_batch(ctx: CheckContext) -> list[Record]:
    """Keyed records without a partition interleaved with explicit partitions, the explicit ones
    naming at least two different partitions (the second one differs from the first)."""
    count = _count(ctx)
    keys = [b64(unique(ctx, "p3x-key-a")), b64(unique(ctx, "p3x-key-b"))]
    plan: list[tuple[str | None, int | None]] = [
        (keys[0], None), (None, 1 % count), (keys[0], None), (None, 0), (keys[1], None),
        (None, 2 % count), (keys[0], None), (None, 1 % count), (keys[1], None), (None, 0),
    ]  # fmt: skip
    records: list[Record] = []
    for index, (key, partition) in enumerate(plan):
        record: Record = {"value": b64(unique(ctx, f"p3x-{index}"))}
        if key is not None:
            record["key"] = key
        if partition is not None:
            record["partition"] = partition
        records.append(record)
    return records


@checks.add(
    Requirement(
        id="PROD-032",
        title="A batch spread over partitions: entries, order, keys and bytes",
        area="produce",
        rows=("P3", "P5", "P6", "P4"),
        section="4.4",
        statement="One produce mixing keyed records and explicit partitions over several partitions "
        "answers one entry per record in request order, each explicit record in its partition, each key "
        "in one partition, contiguous offsets per partition, and every record reads back byte-exactly "
        "where it was reported.",
        # Run alone: P3's contiguity holds only without concurrent writers (see PROD-003).
        needs=frozenset({"isolated", "two-partitions"}),
    )
)
def spread_batch(ctx: CheckContext) -> Judgement:
    produce = ctx.api.produce(ctx.topic, mixed_batch(ctx))
    j = judge_produce_ok([produce])
    if produce.status != 200:
        return j
    j.extend(judge_explicit_partition([produce]))
    j.extend(judge_keys_together(produce))
    j.extend(judge_contiguous([produce]))
    if not j.passed:
        # The answer already misplaces records: reading back at offsets it got wrong would only
        # wait for records that are not there (or end in a read error), and judge nothing new.
        return j
    reads = _read_located(ctx, ctx.topic, [produce])
    j.extend(judge_offsets_true([produce], reads))
    return j.extend(
        judge_round_trip([produce], reads, every_record, "each record must be stored where it was reported")
    )


# -- size limits (§4.6) -----------------------------------------------------------------------------

# The Java producer's max.request.size default, the one documented limit (§4.6; the topics'
# max.message.bytes is 1048588). §8 fixes no outcome for a record at or over it: what comes back
# for the big record is recorded; that nothing else is lost and every answer keeps the error
# model is judged (P4, E1, E4).
ONE_MIB = 1024 * 1024
SIZE_CASES: tuple[tuple[str, int], ...] = (("exactly 1 MiB", ONE_MIB), ("1 MiB + 1 byte", ONE_MIB + 1))


def _big(record: Any) -> bool:
    return isinstance(record, dict) and len(str(record.get("value") or "")) > ONE_MIB


def judge_size_limits(produces: Sequence[Exchange], reads: Sequence[Exchange]) -> Judgement:
    """Beside a record at or just over 1 MiB: every record the answer reports written reads back
    byte-exactly at its offset (P4); an error answer keeps the error model (E1, E4); how the big
    record itself was answered is recorded."""
    j = Judgement()
    records = records_from(reads)
    for produce in produces:
        big = [i for i, r in enumerate(sent_records(produce)) if _big(r)]
        status = produce.status
        if status is None or status >= 400:
            observe_answer(j, produce, "§4.6 the batch with the big record")
            j.extend(judge_error_bodies([produce]))
            continue
        entries = entries_of(produce) or []
        for index in big:
            entry = entries[index] if index < len(entries) else None
            j.observe(f"§4.6 big record {index}: answered {status} with entry {str(entry)[:160]}")
    for item in sent_items(produces):
        if not item.valid_offset or item.partition is None:
            continue  # a failed entry (V12 shape: recorded by PROD-031) or an unusable one (P1)
        where = f"record {item.index} ({'the big one' if _big(item.record) else 'beside the big one'})"
        found = record_at(records, item.partition, int(item.reported))
        if found is None:
            _missing(j, item, reads, where)
            continue
        problems = _compare(found, item)
        j.require(
            not problems,
            f"{where} to read back byte-exactly at partition {item.partition} offset {item.reported}",
            "; ".join(problems)[:200],
            "a record the server acknowledged must be readable, unchanged, where it was written",
            item.produce,
        )
    return j.extend(judge_json_labels_truthful([*produces, *reads]))


def judge_refusals_wrote_nothing(refused: Sequence[Exchange], reads: Sequence[Exchange]) -> Judgement:
    """§3.4: a batch refused as a whole should have written none of its records, or its entries
    say which were written (an entry with an offset). §8 fixes no outcome for it (no server was observed
    refusing an oversize batch), so a partial write is recorded as a warning, never failed."""
    j = Judgement()
    stored = {r["value"] for r in records_from(reads) if r["value"]}
    for produce in refused:
        entries = entries_of(produce) or []  # Karapace refuses with 422 and per-record entries
        said = {
            i
            for i, e in enumerate(entries)
            if isinstance(e, dict) and is_int(e.get("offset")) and e["offset"] >= 0
        }
        written = [
            i
            for i, record in enumerate(sent_records(produce))
            for ok, value in [expected_field(record, "value")]
            if ok and value and value in stored and i not in said
        ]
        if written:
            j.observe(
                f"WARNING §3.4: {sent(produce)} was refused ({got(produce)}) yet record(s) {written} "
                "of it were written: a client that retries the refused batch duplicates them"
            )
        else:
            j.observe(f"§3.4: the refused batch wrote none of its records ({got(produce)})")
    return j


@checks.add(
    Requirement(
        id="PROD-033",
        title="Records at and just over 1 MiB: nothing else lost, errors keep their shape",
        area="produce",
        rows=("P4", "E1", "E4"),
        section="4.6",
        statement="A batch holding a record of exactly 1 MiB, or of 1 MiB + 1 byte, between two small "
        "ones: every record answered as written reads back byte-exactly at its offset, and a refusal is "
        "an error body under a JSON Content-Type; how the big record is answered is recorded (§8 fixes "
        "no outcome: per-record 50002 is inferred, §4.6).",
        # Last: Karapace 3.16.0's producer stalled on the 1 MiB batch and every produce and
        # consumer request of the run timed out after it for minutes (lab, 2026-12-07).
        needs=frozenset({"last"}),
    )
)
def size_limits(ctx: CheckContext) -> Judgement:
    topic, path, partition = _roundtrip_target(ctx)
    # A fence record before the batches bounds where a refused batch could have written.
    fence = _first_offset(ctx.api.produce(topic, [_marker(ctx, "size-fence")], partition=path))
    produces = []
    for name, size in SIZE_CASES:
        tag = name.replace(" ", "")
        records: list[Record] = [
            _marker(ctx, f"size-{tag}-before"),
            {"value": b64(ctx.rng.randbytes(size))},
            _marker(ctx, f"size-{tag}-after"),
        ]
        produces.append(ctx.api.produce(topic, records, partition=path))
    reads = _read_located(ctx, topic, [p for p in produces if p.status == 200])
    j = judge_size_limits(produces, reads)
    refused = [p for p in produces if p.status is not None and p.status >= 400]
    if refused and fence is not None:
        end = _first_offset(ctx.api.produce(topic, [_marker(ctx, "size-fence-end")], partition=path))
        if end is not None and end > fence:
            between = read_back(ctx, topic, partition, fence + 1, end - fence - 1)
            if between.error is not None:
                j.observe(f"§3.4: whether the refused batch wrote records is unknown: {between.error}")
            else:
                j.extend(judge_refusals_wrote_nothing(refused, between.exchanges))
    return j


def _first_offset(produce: Exchange) -> int | None:
    """The offset a one-record produce reported, when it is a usable one."""
    items = sent_items([produce])
    return int(items[0].reported) if items and items[0].valid_offset else None
