"""Produce faults: offsets, partitions and stored bytes (contract.md §8.2, §8.3, §8.4), and the
read side the produce checks read back through: v1 read by offset (§8.8).

Faults marked `subtle` trigger only under a condition a shallow suite does not reach (the third
record of a batch, a partition >= 1, a value containing 0x00, a key over 64 bytes, a read of more
than 10 records, a batch spanning partitions, a value whose base64 uses `+` or `/`). The
`karapace-*`, `strimzi-*` and `confluent55-*` faults reproduce what Karapace 3.16.0, Strimzi 0.33.1
and Confluent 5.5.0's v2 were recorded doing (contract.md §5.2, §5.3, §8 B4 and V5), as far as a
check sees it over HTTP: each vendor profile is held to them (tests/runner/test_profiles.py).

No other fault reproduces a behaviour §8 records for a real Confluent server (e.g. 500/500 for a
negative partition, 422 vs 400 for invalid base64).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import unquote

from conformance.reference.faults.model import (
    BOTH,
    Answer,
    Call,
    Fault,
    ProduceItem,
    json_answer,
    log_end,
    request_json,
    track_log_end,
)
from conformance.reference.faults.model import V1 as ONLY_V1
from conformance.reference.faults.model import V2 as ONLY_V2

_PRODUCE = re.compile(r"^/topics/[^/]+(/partitions/[^/]+)?$")
_MESSAGES = re.compile(r"^/topics/[^/]+/partitions/[^/]+/messages$")
_MESSAGES_PARTS = re.compile(r"^/topics/(?P<topic>[^/]+)/partitions/(?P<partition>[^/]+)/messages$")
_RECORD_FIELDS = frozenset({"key", "value", "partition"})
_TOP_FIELDS = frozenset({"records", "key_schema", "key_schema_id", "value_schema", "value_schema_id"})


def _is_produce(call: Call) -> bool:
    return call.method == "POST" and _PRODUCE.match(call.path) is not None


def _records(call: Call) -> list[Any]:
    body = request_json(call)
    records = body.get("records") if isinstance(body, dict) else None
    return records if isinstance(records, list) else []


def _produce_body(call: Call) -> dict[str, Any] | None:
    """A produce request's JSON body when its `records` is a list: what record-rewriting hooks edit."""
    body = request_json(call)
    if _is_produce(call) and isinstance(body, dict) and isinstance(body.get("records"), list):
        return body
    return None


def _rewrite(call: Call, body: Any) -> None:
    call.body = json.dumps(body).encode()


# -- offsets -------------------------------------------------------------------------------------


def _offsets_plus_one(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "offset": e["offset"] + 1} if isinstance(e.get("offset"), int) else e for e in entries]


def _offsets_minus_one(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Karapace's -1 (§5.2) for every record, not only empty values.
    return [{**e, "offset": -1} if e.get("error_code") is None else e for e in entries]


def _shift_from_third(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Subtle: batches of one or two records are right; only the third and later entries lie.
    return [
        {**e, "offset": e["offset"] + 1} if i >= 2 and isinstance(e.get("offset"), int) else e
        for i, e in enumerate(entries)
    ]


def _reverse_mixed(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Subtle: entries are grouped per partition internally and come back in partition order, which
    # is request order as long as a batch has one partition.
    if len({e.get("partition") for e in entries}) < 2:
        return entries
    return sorted(entries, key=lambda e: (e.get("partition") is None, e.get("partition") or 0))


def _minus_one_for_empty(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Karapace 3.16.0: "offset": -1 for every record with an empty, null or absent value (§5.2).
    records = _records(call)
    out = []
    for index, entry in enumerate(entries):
        record = records[index] if index < len(records) else None
        empty = isinstance(record, dict) and not record.get("value")
        out.append({**entry, "offset": -1} if empty and entry.get("error_code") is None else entry)
    return out


async def _capture_body(call: Call) -> Answer | None:
    # A request hook is what makes the app read the body into `call.body`, which the
    # produce_result hook above needs to see which records had empty values.
    return None


def _karapace_entries(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Karapace 3.16.0: successful entries carry only partition and offset (§5.2, P2).
    return [
        {"partition": e["partition"], "offset": e["offset"]} if e.get("error_code") is None else e
        for e in entries
    ]


def _failed_entries_minus_one(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Subtle: only failed records show it; their partition/offset are -1 instead of null.
    return [{**e, "partition": -1, "offset": -1} if e.get("error_code") is not None else e for e in entries]


# -- partitions ----------------------------------------------------------------------------------


def _ignore_record_partition_above_zero(call: Call, item: ProduceItem) -> ProduceItem:
    # Subtle: partition 0 works, so a suite that only tries partition 0 sees nothing.
    if call.route == "produce_topic" and item.partition is not None and item.partition >= 1:
        item.partition = 0
    return item


def _ignore_path_partition_above_zero(call: Call, item: ProduceItem) -> ProduceItem:
    if call.route == "produce_partition" and item.partition is not None and item.partition >= 1:
        item.partition = 0
    return item


def _key_not_hashed(call: Call, item: ProduceItem) -> ProduceItem:
    # The key is ignored for partition choice: records spread by position instead.
    if item.partition is None and item.key and item.count >= 2:
        item.partition = item.index % 2
    return item


# -- stored bytes --------------------------------------------------------------------------------


def _drop_last_of_batch(call: Call, item: ProduceItem) -> ProduceItem | None:
    return None if item.count >= 3 and item.index == item.count - 1 else item


def _truncate_at_nul(call: Call, item: ProduceItem) -> ProduceItem:
    # Subtle: a C-string conversion; only values containing 0x00 lose their tail.
    if item.value is not None and b"\x00" in item.value:
        item.value = item.value.split(b"\x00", 1)[0]
    return item


def _truncate_long_keys(call: Call, item: ProduceItem) -> ProduceItem:
    # Subtle: only keys longer than 64 bytes are cut.
    if item.key is not None and len(item.key) > 64:
        item.key = item.key[:64]
    return item


def _null_value_as_empty(call: Call, item: ProduceItem) -> ProduceItem:
    if item.value is None:
        item.value = b""
    return item


def _karapace_empty_as_null(call: Call, item: ProduceItem) -> ProduceItem:
    # Karapace 3.16.0 writes a null, absent or empty value as empty bytes (`if not obj: return b""`).
    if item.value is None:
        item.value = b""
    return item


def _karapace_render_empty_as_null(
    call: Call, source: str, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    # ... and renders empty bytes as null: "" reads back null (§5.2, P10); null still looks right.
    return [{**r, "key": r["key"] or None, "value": r["value"] or None} for r in records]


# -- request validation --------------------------------------------------------------------------


async def _skip_non_ascii(call: Call) -> Answer | None:
    # A lenient decoder that skips every character outside the alphabet, non-ASCII included.
    if not _is_produce(call):
        return None
    body = request_json(call)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return None
    for record in body["records"]:
        if isinstance(record, dict):
            for name in ("key", "value"):
                if isinstance(record.get(name), str):
                    record[name] = record[name].encode("ascii", "ignore").decode("ascii")
    _rewrite(call, body)
    return None


async def _accept_extra_padding(call: Call) -> Answer | None:
    if not _is_produce(call):
        return None
    body = request_json(call)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return None
    for record in body["records"]:
        if isinstance(record, dict):
            for name in ("key", "value"):
                text = record.get(name)
                if isinstance(text, str) and text.endswith("=="):
                    stripped = text.rstrip("=")
                    record[name] = stripped + "=" * (-len(stripped) % 4)
    _rewrite(call, body)
    return None


async def _ignore_unknown_fields(call: Call) -> Answer | None:
    if not _is_produce(call):
        return None
    body = request_json(call)
    if not isinstance(body, dict):
        return None
    body = {k: v for k, v in body.items() if k in _TOP_FIELDS}
    if isinstance(body.get("records"), list):
        body["records"] = [
            {k: v for k, v in r.items() if k in _RECORD_FIELDS} if isinstance(r, dict) else r
            for r in body["records"]
        ]
    _rewrite(call, body)
    return None


def _empty_batch(call: Call) -> Answer:
    return json_answer(call, 200, {"offsets": [], "key_schema_id": None, "value_schema_id": None})


async def _empty_records_accepted(call: Call) -> Answer | None:
    body = request_json(call)
    if _is_produce(call) and isinstance(body, dict) and not body.get("records"):
        return _empty_batch(call)
    return None


async def _bodiless_accepted(call: Call) -> Answer | None:
    if _is_produce(call) and (not call.body.strip() or call.body.strip() == b"null"):
        return _empty_batch(call)
    return None


async def _records_object_as_one(call: Call) -> Answer | None:
    # A lenient parser: `records` given as one object is taken as a one-record batch.
    body = request_json(call)
    if _is_produce(call) and isinstance(body, dict) and isinstance(body.get("records"), dict):
        body["records"] = [body["records"]]
        _rewrite(call, body)
    return None


async def _v1_record_partition_overrides_path(call: Call) -> Answer | None:
    body = request_json(call)
    if call.method != "POST" or "/partitions/" not in call.path or not isinstance(body, dict):
        return None
    records = body.get("records")
    if isinstance(records, list) and any(isinstance(r, dict) and "partition" in r for r in records):
        target = next(r["partition"] for r in records if isinstance(r, dict) and "partition" in r)
        call.path = call.path.rsplit("/", 1)[0] + f"/{target}"
        body["records"] = [
            {k: v for k, v in r.items() if k != "partition"} for r in records if isinstance(r, dict)
        ]
        _rewrite(call, body)
    return None


def _unknown_partition_500(call: Call, answer: Answer) -> Answer:
    if call.route == "produce_partition" and answer.status == 404:
        return json_answer(call, 500, {"error_code": 50002, "message": "Kafka error: unknown partition"})
    return answer


async def _karapace_negative_partition(call: Call) -> Answer | None:
    # Karapace 3.16.0: `partition: -1` is taken as "no partition" (200).
    body = request_json(call)
    if _is_produce(call) and isinstance(body, dict) and isinstance(body.get("records"), list):
        for record in body["records"]:
            if (
                isinstance(record, dict)
                and isinstance(record.get("partition"), int)
                and record["partition"] < 0
            ):
                del record["partition"]
        _rewrite(call, body)
    return None


async def _karapace_missing_body(call: Call) -> Answer | None:
    # Karapace 3.16.0: empty body -> 400 text; `null` -> 400 {"error_code":400} as application/json.
    if not _is_produce(call):
        return None
    if not call.body.strip():
        return Answer(400, {"content-type": "text/plain; charset=utf-8"}, b"Missing request JSON body")
    if call.body.strip() == b"null":
        return json_answer(call, 400, {"error_code": 400, "message": "Malformed request"}, "application/json")
    return None


async def _strimzi_empty_records(call: Call) -> Answer | None:
    # Strimzi 0.33.1: {"records": []} -> 200 {"offsets": []} (§5.3).
    body = request_json(call)
    if _is_produce(call) and body == {"records": []}:
        return json_answer(call, 200, {"offsets": []})
    return None


async def _strimzi_null_key_rejected(call: Call) -> Answer | None:
    # Strimzi 0.33.1: a null key and a record without `value` are rejected with 400 (§5.3).
    if not _is_produce(call):
        return None
    for record in _records(call):
        if isinstance(record, dict) and (
            ("key" in record and record["key"] is None) or "value" not in record
        ):
            return json_answer(call, 400, {"error_code": 400, "message": "Validation error on: body.records"})
    return None


async def _strimzi_non_string_value(call: Call) -> Answer | None:
    # Strimzi 0.33.1: a non-string value is stored as an empty value (200) (§5.3).
    body = _produce_body(call)
    if body is None:
        return None
    for record in body["records"]:
        if (
            isinstance(record, dict)
            and "value" in record
            and not isinstance(record["value"], (str, type(None)))
        ):
            record["value"] = ""
    _rewrite(call, body)
    return None


async def _karapace_falsy_stored_empty(call: Call) -> Answer | None:
    # Karapace 3.16.0 serialises a key or value with `if not obj: return b""` before decoding it:
    # a falsy non-string (0, false, {}, []) is stored as empty bytes (200); 123 is refused (400).
    body = _produce_body(call)
    if body is None:
        return None
    for record in body["records"]:
        for field in ("key", "value"):
            got = record.get(field) if isinstance(record, dict) else None
            if got is not None and not isinstance(got, str) and not got:
                record[field] = ""
    _rewrite(call, body)
    return None


_JACKSON_500 = {"error_code": 500, "message": "Internal Server Error"}


async def _confluent55_number_as_text(call: Call) -> Answer | None:
    # Confluent 5.5.0 v2 binds key and value with Jackson's scalar coercion: a number (or boolean)
    # becomes its text and is accepted (200); an object or array fails deep in the binding: 500.
    body = _produce_body(call)
    if body is None:
        return None
    for record in body["records"]:
        for field in ("key", "value"):
            got = record.get(field) if isinstance(record, dict) else None
            if isinstance(got, (dict, list)):
                return json_answer(call, 500, _JACKSON_500)
            if isinstance(got, (int, float)):
                record[field] = base64.b64encode(json.dumps(got).encode()).decode()
    _rewrite(call, body)
    return None


async def _confluent55_records_shape_500(call: Call) -> Answer | None:
    # Confluent 5.5.0 v2: `records` not an array, or a record not an object, is a binding
    # exception mapped to 500/500 (7.5.0 answers 400 or 422).
    body = request_json(call)
    if not (_is_produce(call) and isinstance(body, dict)) or body.get("records") is None:
        return None
    records = body["records"]
    if not isinstance(records, list) or any(not isinstance(r, dict) for r in records):
        return json_answer(call, 500, _JACKSON_500)
    return None


async def _strimzi_unknown_field(call: Call) -> Answer | None:
    # Strimzi 0.33.1: unknown fields are a schema validation failure, 400/400 (§5.3).
    body = request_json(call)
    if not (_is_produce(call) and isinstance(body, dict)):
        return None
    records = body.get("records")
    unknown = set(body) - {"records"} or {
        k
        for r in (records if isinstance(records, list) else [])
        if isinstance(r, dict)
        for k in r
        if k not in _RECORD_FIELDS
    }
    if unknown:
        return json_answer(
            call, 400, {"error_code": 400, "message": f"Validation error on: {sorted(unknown)}"}
        )
    return None


# -- v1 read by offset ---------------------------------------------------------------------------


def _cap_at_ten(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return records[:10] if source == "v1-messages" else records


async def _read_from_next(call: Call) -> Answer | None:
    if call.method == "GET" and _MESSAGES.match(call.path) and call.query.get("offset", "").isdigit():
        call.query["offset"] = str(int(call.query["offset"]) + 1)
    return None


async def _negative_offset_from_start(call: Call) -> Answer | None:
    if call.method == "GET" and _MESSAGES.match(call.path) and call.query.get("offset", "").startswith("-"):
        call.query["offset"] = "0"
        call.query["count"] = "1"
    return None


def _log_end_404(call: Call, answer: Answer) -> Answer:
    if call.route == "messages" and answer.status == 200 and answer.body.strip() == b"[]":
        return json_answer(call, 404, {"error_code": 40402, "message": "No message at this offset."})
    return answer


def _urlsafe(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def conv(text: Any) -> Any:
        return text.replace("+", "-").replace("/", "_") if isinstance(text, str) else text

    return [{**r, "key": conv(r.get("key")), "value": conv(r.get("value"))} for r in records]


def _no_partition_field(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return (
        [{k: v for k, v in r.items() if k != "partition"} for r in records]
        if source == "v1-messages"
        else records
    )


# -- batches spread over partitions (PROD-032) ------------------------------------------------------


def _first_explicit_partition_wins(call: Call, item: ProduceItem) -> ProduceItem:
    # Subtle: a batch that mixes keyed records with explicit partitions is routed with the first
    # explicit partition it names: the second and later ones are ignored. Batches of only explicit
    # partitions (PROD-003, PROD-005) and of only keys (PROD-006) take another path and are right.
    records = [r for r in _records(call) if isinstance(r, dict)]
    named = [r["partition"] for r in records if isinstance(r.get("partition"), int)]
    mixed = any(r.get("partition") is None for r in records) and len(set(named)) >= 2
    if call.route == "produce_topic" and mixed and item.partition is not None:
        item.partition = named[0]
    return item


def _key_follows_explicit(call: Call, item: ProduceItem) -> ProduceItem:
    # Subtle: a "sticky" partitioner that keeps the partition of the previous explicit record of
    # the batch for a keyed record without one, instead of hashing its key.
    if call.route != "produce_topic" or item.partition is not None or item.key is None:
        return item
    records = _records(call)[: item.index]
    earlier = [r["partition"] for r in records if isinstance(r, dict) and isinstance(r.get("partition"), int)]
    if earlier:
        item.partition = earlier[-1]
    return item


def _offsets_counted_across_partitions(
    call: Call, topic: str, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    # Subtle: the answer numbers the batch from its first record's offset, one per record, as if
    # the whole batch went to one partition; right as long as a batch has one partition.
    first = next((e["offset"] for e in entries if isinstance(e.get("offset"), int)), None)
    if first is None or len({e.get("partition") for e in entries}) < 2:
        return entries
    return [
        {**e, "offset": first + i} if isinstance(e.get("offset"), int) else e for i, e in enumerate(entries)
    ]


# -- size limits (PROD-033) -------------------------------------------------------------------------

_ONE_MIB = 1024 * 1024


def _offsets_shift_after_failure(
    call: Call, topic: str, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    # Subtle: a record refused per entry (too large) still takes an offset slot in the answer, so
    # every later record of its partition is reported one too high. Seen only with a failed record
    # in the middle of a batch.
    out, shift = [], 0
    for entry in entries:
        if entry.get("error_code") is not None:
            shift += 1
        elif shift and isinstance(entry.get("offset"), int):
            entry = {**entry, "offset": entry["offset"] + shift}
        out.append(entry)
    return out


def _truncate_to_one_mib(call: Call, item: ProduceItem) -> ProduceItem:
    # A buffer capped at 1 MiB: an oversize value is cut to fit and reported as written.
    if item.value is not None and len(item.value) + len(item.key or b"") > _ONE_MIB:
        item.value = item.value[: max(0, _ONE_MIB - len(item.key or b""))]
    return item


_NGINX_413 = (
    b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


async def _front_proxy_body_limit(call: Call) -> Answer | None:
    # A fronting nginx with its default client_max_body_size 1m: its own HTML page, not an error body.
    if _is_produce(call) and len(call.body) > _ONE_MIB:
        return Answer(413, {"content-type": "text/html"}, _NGINX_413)
    return None


# -- v1 read by offset at the end of the log (issue 16: detection at the edges) ----------------------
# Each shows only at an exact boundary of the partition, located by `track_log_end`.


def _messages_at(call: Call) -> tuple[str, int, int] | None:
    """(topic, partition, offset) of a v1 read by offset with an integer offset."""
    match = _MESSAGES_PARTS.match(call.path)
    raw = call.query.get("offset", "")
    if call.method != "GET" or match is None or not match["partition"].isdigit():
        return None
    if not (raw.isascii() and raw.lstrip("-").isdigit()):
        return None
    return unquote(match["topic"]), int(match["partition"]), int(raw)


def _read_at_end(rewrite: Any) -> Any:
    """A request hook: a read whose offset `rewrite(offset, end)` maps elsewhere reads from there
    (one record); None leaves it alone."""

    async def hook(call: Call) -> Answer | None:
        at = _messages_at(call)
        end = log_end(call, at[0], at[1]) if at is not None else None
        if at is not None and end is not None:
            moved = rewrite(at[2], end)
            if moved is not None:
                call.query["offset"], call.query["count"] = str(moved), "1"
        return None

    return hook


def _last_as_end(offset: int, end: int) -> int | None:
    # The bound check takes the last record for the end: reading it answers [] like the log end.
    return end if offset >= 0 and offset == end - 1 else None


def _end_as_last(offset: int, end: int) -> int | None:
    # At the log end the last record is served again instead of [].
    return end - 1 if offset == end and end > 0 else None


def _negative_from_end(offset: int, end: int) -> int | None:
    # Python-style indexing: -1 is the last record, -2 the one before.
    return end + offset if offset < 0 and end + offset >= 0 else None


def _last_repeated_past_end(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A count running past the log end gets the last record once more.
    count = call.query.get("count", "1")
    wanted = int(count) if count.isascii() and count.isdigit() else 1
    if source == "v1-messages" and records and wanted > len(records):
        return [*records, records[-1]]
    return records


FAULTS = (
    Fault(
        id="produce-offset-off-by-one",
        area="produce",
        description="every reported offset is one more than where the record was written",
        versions=BOTH,
        rows=("P4",),
        caught_by=("PROD-004",),
        hooks={"produce_result": _offsets_plus_one},
    ),
    Fault(
        id="produce-offset-always-minus-one",
        area="produce",
        description="every successful record is reported at offset -1 (stored correctly): P4 only; "
        "checks that read their own records back by offset end as error naming P4",
        versions=BOTH,
        rows=("P4",),
        caught_by=("PROD-004",),
        hooks={"produce_result": _offsets_minus_one},
    ),
    Fault(
        id="produce-offset-shift-third-record",
        area="produce",
        description="from the third record of a batch on, reported offsets are one too high",
        versions=BOTH,
        rows=("P3", "P4"),
        caught_by=("PROD-003", "PROD-004"),
        subtle=True,
        hooks={"produce_result": _shift_from_third},
    ),
    Fault(
        id="produce-mixed-batch-partition-order",
        area="produce",
        description="a batch spanning partitions answers its entries grouped by partition, not in request order",
        versions=BOTH,
        rows=("P3",),
        caught_by=("PROD-003",),
        subtle=True,
        hooks={"produce_result": _reverse_mixed},
    ),
    Fault(
        id="produce-record-partition-ignored-above-0",
        area="produce",
        description="an explicit record partition of 1 or more is ignored: the record goes to partition 0",
        versions=BOTH,
        rows=("P5",),
        caught_by=("PROD-005",),
        subtle=True,
        hooks={"produce_record": _ignore_record_partition_above_zero},
    ),
    Fault(
        id="produce-path-partition-ignored-above-0",
        area="produce",
        description="POST /topics/{t}/partitions/{p} with p >= 1 writes to partition 0 and says so",
        versions=BOTH,
        rows=("P7",),
        caught_by=("PROD-007",),
        subtle=True,
        hooks={"produce_record": _ignore_path_partition_above_zero},
    ),
    Fault(
        id="produce-key-not-hashed",
        area="produce",
        description="keyed records without a partition are spread by position, not by key hash",
        versions=BOTH,
        rows=("P6",),
        caught_by=("PROD-006",),
        hooks={"produce_record": _key_not_hashed},
    ),
    Fault(
        id="produce-last-record-dropped",
        area="produce",
        description="the last record of a batch of three or more is silently dropped (no entry, not written)",
        versions=BOTH,
        rows=("P1",),
        caught_by=("PROD-001",),
        hooks={"produce_record": _drop_last_of_batch},
    ),
    Fault(
        id="produce-value-truncated-at-nul",
        area="produce",
        description="a value containing byte 0x00 is cut at it (C-string handling)",
        versions=BOTH,
        rows=("P11",),
        caught_by=("PROD-011",),
        subtle=True,
        hooks={"produce_record": _truncate_at_nul},
    ),
    Fault(
        id="produce-long-key-truncated",
        area="produce",
        description="keys longer than 64 bytes are truncated to 64",
        versions=BOTH,
        rows=("P11",),
        caught_by=("PROD-011",),
        subtle=True,
        hooks={"produce_record": _truncate_long_keys},
    ),
    Fault(
        id="produce-null-value-stored-empty",
        area="produce",
        description='a null value is stored as empty bytes and reads back as "", not as a tombstone',
        versions=BOTH,
        rows=("P8",),
        caught_by=("PROD-008",),
        hooks={"produce_record": _null_value_as_empty},
    ),
    Fault(
        id="produce-base64-non-ascii-skipped",
        area="produce",
        description="non-ASCII characters in base64 are skipped instead of rejected",
        versions=BOTH,
        rows=("B2",),
        caught_by=("PROD-013",),
        hooks={"request": _skip_non_ascii},
    ),
    Fault(
        id="produce-v1-extra-padding-accepted",
        area="produce",
        description="v1 accepts over-padded base64 ('aGVsbG8==') and stores 'hello'",
        versions=ONLY_V1,
        rows=("B1",),
        caught_by=("PROD-012",),
        hooks={"request": _accept_extra_padding},
    ),
    Fault(
        id="produce-unknown-fields-ignored",
        area="produce",
        description="unknown top-level and record fields are silently ignored (200)",
        versions=BOTH,
        rows=("V4", "V4s"),
        caught_by=("PROD-020",),
        hooks={"request": _ignore_unknown_fields},
    ),
    Fault(
        id="produce-empty-records-accepted",
        area="produce",
        description='{"records": []} and {} answer 200 with no offsets',
        versions=BOTH,
        rows=("V1", "V2"),
        caught_by=("PROD-016", "PROD-017", "FUZZ-NEG-produceToTopic", "FUZZ-NEG-produceToPartition"),
        hooks={"request": _empty_records_accepted},
    ),
    Fault(
        id="produce-bodiless-accepted",
        area="produce",
        description="a null or empty produce body answers 200 with no offsets",
        versions=BOTH,
        rows=("V3",),
        caught_by=("PROD-018",),
        hooks={"request": _bodiless_accepted},
    ),
    Fault(
        id="produce-records-object-accepted",
        area="produce",
        description="`records` given as a single object is taken as a one-record batch (200)",
        versions=ONLY_V2,
        rows=("V5",),
        caught_by=("PROD-022",),
        hooks={"request": _records_object_as_one},
    ),
    Fault(
        id="produce-v1-record-partition-overrides-path",
        area="produce",
        description="v1 partition produce accepts a record `partition` field and lets it win over the path",
        versions=ONLY_V1,
        rows=("V7",),
        caught_by=("PROD-024",),
        hooks={"request": _v1_record_partition_overrides_path},
    ),
    Fault(
        id="produce-v1-unknown-partition-500",
        area="produce",
        description="v1 produce to an unknown partition answers 500/50002 instead of 404/40402",
        versions=ONLY_V1,
        rows=("V11", "V11s"),
        caught_by=("PROD-029", "PROD-030"),
        hooks={"response": _unknown_partition_500},
    ),
    Fault(
        id="produce-failed-entry-minus-one",
        area="produce",
        description="a failed record's entry reports partition -1 and offset -1 instead of null",
        versions=ONLY_V1,  # V12 is INFO in v2
        rows=("V12",),
        caught_by=("PROD-031",),
        subtle=True,
        hooks={"produce_result": _failed_entries_minus_one},
    ),
    Fault(
        id="karapace-offset-minus-one-for-empty-values",
        area="produce",
        description="Karapace 3.16.0: offset -1 reported for every record with an empty, null or absent value",
        versions=ONLY_V2,
        rows=("P4",),
        caught_by=("PROD-004",),
        hooks={"request": _capture_body, "produce_result": _minus_one_for_empty},
    ),
    Fault(
        id="karapace-empty-value-reads-back-null",
        area="produce",
        description="Karapace 3.16.0: null values stored as empty bytes, and empty keys/values read back as null",
        versions=ONLY_V2,
        rows=("P10",),
        caught_by=("PROD-010",),
        hooks={"produce_record": _karapace_empty_as_null, "read_records": _karapace_render_empty_as_null},
    ),
    Fault(
        id="produce-v1-negative-partition-ignored",
        area="produce",
        description="v1: a record partition of -1 is taken as 'no partition' and the record is written (200)",
        versions=ONLY_V1,
        rows=("V8",),
        caught_by=("PROD-025",),
        hooks={"request": _karapace_negative_partition},
    ),
    Fault(
        id="karapace-negative-partition-ignored",
        area="produce",
        description="Karapace 3.16.0: record partition -1 answers 200, taken as 'no partition'",
        versions=ONLY_V2,
        rows=("V8",),
        caught_by=("PROD-025",),
        hooks={"request": _karapace_negative_partition},
    ),
    Fault(
        id="karapace-entries-partition-offset-only",
        area="produce",
        description="Karapace 3.16.0: produce entries carry only partition and offset (no error_code, error)",
        versions=ONLY_V2,
        rows=("P2",),
        caught_by=("PROD-002",),
        hooks={"produce_result": _karapace_entries},
    ),
    Fault(
        id="karapace-missing-body-400",
        area="produce",
        description="Karapace 3.16.0: empty produce body 400 text/plain, `null` body 400 application/json",
        versions=ONLY_V2,
        rows=("V3s",),
        caught_by=("PROD-019",),
        hooks={"request": _karapace_missing_body},
    ),
    Fault(
        id="strimzi-empty-records-200",
        area="produce",
        description='Strimzi 0.33.1: {"records": []} answers 200 {"offsets": []}',
        versions=ONLY_V2,
        rows=("V1",),
        caught_by=("PROD-016",),
        hooks={"request": _strimzi_empty_records},
    ),
    Fault(
        id="strimzi-null-key-rejected",
        area="produce",
        description="Strimzi 0.33.1: a null key or a record without `value` is rejected with 400",
        versions=ONLY_V2,
        rows=("P8", "P9"),
        caught_by=("PROD-008", "PROD-009"),
        hooks={"request": _strimzi_null_key_rejected},
    ),
    Fault(
        id="karapace-falsy-key-or-value-stored-empty",
        area="produce",
        description="Karapace 3.16.0: a key or value of 0, false, {} or [] is stored as empty bytes (200), "
        "where a non-string like 123 is refused",
        versions=ONLY_V2,
        rows=("B4",),
        caught_by=("PROD-015",),
        subtle=True,
        hooks={"request": _karapace_falsy_stored_empty},
    ),
    Fault(
        id="confluent55-number-accepted-as-text",
        area="produce",
        description="Confluent 5.5.0 v2: a number key or value is taken as its text and accepted (200); an "
        "object or array one answers 500/500",
        versions=ONLY_V2,
        rows=("B4",),
        caught_by=("PROD-015",),
        hooks={"request": _confluent55_number_as_text},
    ),
    Fault(
        id="confluent55-records-shape-500",
        area="produce",
        description="Confluent 5.5.0 v2: `records` not an array, or a record not an object, answers 500/500",
        versions=ONLY_V2,
        rows=("V5",),
        caught_by=("PROD-022",),
        hooks={"request": _confluent55_records_shape_500},
    ),
    Fault(
        id="strimzi-non-string-value-stored-empty",
        area="produce",
        description="Strimzi 0.33.1: a non-string value is stored as an empty value (200)",
        versions=ONLY_V2,
        rows=("B4",),
        caught_by=("PROD-015",),
        hooks={"request": _strimzi_non_string_value},
    ),
    Fault(
        id="strimzi-unknown-field-400",
        area="produce",
        description="Strimzi 0.33.1: unknown produce fields answer 400/400 (schema validation)",
        versions=ONLY_V2,
        rows=("V4s",),
        caught_by=("PROD-021",),
        hooks={"request": _strimzi_unknown_field},
    ),
    Fault(
        id="read-count-capped-at-10",
        area="produce",
        description="v1 read by offset silently returns at most 10 records whatever `count` says",
        versions=ONLY_V1,
        rows=("S2",),
        caught_by=("READ-002",),
        subtle=True,
        hooks={"read_records": _cap_at_ten},
    ),
    Fault(
        id="read-offset-off-by-one",
        area="produce",
        description="v1 read by offset starts one record after `offset`",
        versions=ONLY_V1,
        rows=("S1", "S2"),
        caught_by=("READ-001", "READ-002"),
        hooks={"request": _read_from_next},
    ),
    Fault(
        id="read-log-end-404",
        area="produce",
        description="v1 read at the log end answers 404 instead of 200 []",
        versions=ONLY_V1,
        rows=("S4",),
        caught_by=("READ-004",),
        hooks={"response": _log_end_404},
    ),
    Fault(
        id="read-negative-offset-from-start",
        area="produce",
        description="v1 read at offset -1 returns the first record of the partition",
        versions=ONLY_V1,
        rows=("S5", "S5s"),
        caught_by=("READ-005", "READ-006"),
        hooks={"request": _negative_offset_from_start},
    ),
    Fault(
        id="read-records-without-partition",
        area="produce",
        description="v1 read-by-offset records lack the `partition` field",
        versions=ONLY_V1,
        rows=("S3",),
        caught_by=("READ-003",),
        hooks={"read_records": _no_partition_field},
    ),
    Fault(
        id="read-urlsafe-base64",
        area="produce",
        description="read responses use URL-safe base64 ('-', '_'): only values with '+' or '/' in base64 differ",
        versions=BOTH,
        rows=("P11",),
        caught_by=("PROD-011",),
        subtle=True,
        hooks={"read_records": _urlsafe},
    ),
    Fault(
        id="produce-mixed-batch-second-partition-ignored",
        area="produce",
        description="a batch mixing keyed records with explicit partitions writes every explicit record "
        "to the first partition it names (the second and later explicit partitions are ignored)",
        versions=BOTH,
        rows=("P5",),
        caught_by=("PROD-032",),
        subtle=True,
        hooks={"request": _capture_body, "produce_record": _first_explicit_partition_wins},
    ),
    Fault(
        id="produce-key-follows-previous-partition",
        area="produce",
        description="a keyed record without a partition goes to the partition of the previous explicit "
        "record of its batch, not by key hash: one key lands in several partitions",
        versions=BOTH,
        rows=("P6",),
        caught_by=("PROD-032",),
        subtle=True,
        hooks={"request": _capture_body, "produce_record": _key_follows_explicit},
    ),
    Fault(
        id="produce-offsets-counted-across-partitions",
        area="produce",
        description="a batch spanning partitions reports offsets first, first+1, ... across the whole "
        "batch, not per partition (right for one-partition batches)",
        versions=BOTH,
        rows=("P3", "P4"),
        caught_by=("PROD-032",),
        subtle=True,
        hooks={"produce_result": _offsets_counted_across_partitions},
    ),
    Fault(
        id="produce-offsets-shift-after-failed-record",
        area="produce",
        description="a record refused per entry (over 1 MiB) still takes an offset in the answer: the "
        "records after it are reported one offset too high",
        versions=BOTH,
        rows=("P4",),
        caught_by=("PROD-033",),
        subtle=True,
        hooks={"produce_result": _offsets_shift_after_failure},
    ),
    Fault(
        id="produce-oversize-value-truncated",
        area="produce",
        description="a value over 1 MiB is cut to 1 MiB and reported written, instead of refused",
        versions=BOTH,
        rows=("P4",),
        caught_by=("PROD-033",),
        subtle=True,
        hooks={"produce_record": _truncate_to_one_mib},
    ),
    Fault(
        id="produce-front-proxy-413-html",
        area="produce",
        description="a fronting nginx refuses request bodies over 1 MiB with its 413 HTML page "
        "(no error body, no JSON Content-Type)",
        versions=BOTH,
        rows=("E1",),
        caught_by=("PROD-033",),
        hooks={"request": _front_proxy_body_limit},
    ),
    # -- v1 read by offset at the end of the log (issue 16) --
    Fault(
        id="read-last-record-unreadable",
        area="produce",
        description="a v1 read at the last record's offset answers 200 [] as if it were the log end",
        versions=ONLY_V1,
        rows=("S1",),
        caught_by=("READ-009",),
        subtle=True,
        hooks={"produce_result": track_log_end, "request": _read_at_end(_last_as_end)},
    ),
    Fault(
        id="read-log-end-serves-last-record",
        area="produce",
        description="a v1 read at the log end returns the last record again instead of 200 []",
        versions=ONLY_V1,
        rows=("S4",),
        caught_by=("READ-004",),
        subtle=True,
        hooks={"produce_result": track_log_end, "request": _read_at_end(_end_as_last)},
    ),
    Fault(
        id="read-count-past-end-repeats-last",
        area="produce",
        description="a v1 read whose count runs past the log end returns the last record twice",
        versions=ONLY_V1,
        rows=("S2",),
        caught_by=("READ-002",),
        subtle=True,
        hooks={"read_records": _last_repeated_past_end},
    ),
    Fault(
        id="read-negative-offset-from-end",
        area="produce",
        description="a v1 read at a negative offset counts from the log end (-1 is the last record) instead "
        "of being out of range",
        versions=ONLY_V1,
        rows=("S5", "S5s"),
        caught_by=("READ-005", "READ-006"),
        hooks={"produce_result": track_log_end, "request": _read_at_end(_negative_from_end)},
    ),
)
