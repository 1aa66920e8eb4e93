"""The reference ASGI application: routes as one table, errors rendered by one handler.

Request path: `Gate` (plain ASGI middleware: fault `request` hooks, API-key auth, fault
`response` hooks) -> Starlette routing (unknown path 404, wrong method 405) -> `_endpoint`
(Content-Type check 415, Accept negotiation 406, then the handler). Handlers raise
`errors.DomainError`; `_render_error` turns it into Confluent's answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference import codec, errors, quirks
from conformance.reference.codec import ABSENT, Base64Error
from conformance.reference.config import MAX_PARTITIONS, TOPIC_NAME, ReferenceConfig
from conformance.reference.consumers import Consumers, Instance
from conformance.reference.errors import DomainError, FrameworkError, PlainTextError, RestError
from conformance.reference.faults import Answer, Call, Fault, Hooks, ProduceItem, resolve
from conformance.reference.log import Log, Record, partition_for_key
from conformance.reference.media_tables import GENERIC, TABLES, Media
from conformance.reference.negotiation import Choice, media_type_of, negotiate

CALL_KEY = "kafka_rest_reference.call"
BROKER_ID = 0
TOPIC_CONFIGS = {
    "cleanup.policy": "delete",
    "compression.type": "producer",
    "max.message.bytes": "1048588",
    "min.insync.replicas": "1",
    "retention.bytes": "-1",
    "retention.ms": "604800000",
    "segment.bytes": "1073741824",
}
# The Java producer's max.request.size default (1 MiB); key and value bytes are counted.
MAX_RECORD_BYTES = 1024 * 1024
_LONG = re.compile(r"[+-]?\d{1,19}")
_INT_MAX, _LONG_MAX = 2**31 - 1, 2**63 - 1


@dataclass
class ServerState:
    config: ReferenceConfig
    log: Log
    consumers: Consumers
    hooks: Hooks
    # Exceptions raised while answering (a fault hook or the reference itself): the client sees a
    # 500, which would pass for a caught fault; the selftest refuses a run that has any.
    crashes: list[str] = dataclasses.field(default_factory=list)

    @property
    def version(self) -> str:
        return self.config.api_version


@dataclass
class Req:
    """What a handler gets: the request, its negotiated answer type, and the server state."""

    request: Request
    state: ServerState
    call: Call
    choice: Choice
    body: bytes

    @property
    def v1(self) -> bool:
        return self.state.version == "v1"

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def int_path(self, name: str) -> int:
        raw = self.path(name)
        # Jersey reads a blank primitive (`partitions/%20`) as its default, 0 (observed on 5.5, 7.5).
        return 0 if _blank(raw) else _parse_long(raw, _INT_MAX)

    def long_query(self, name: str, default: int | None = None, *, boxed: bool = False) -> int | None:
        """A query integer as Jersey converts it: a blank primitive (`timeout=`, `timeout=+`, a
        space) is its default; a boxed `Long` (`offset`) is null only when empty, and a blank one
        fails conversion (404). Observed on 5.5 v1, 5.5 v2 and 7.5 v2."""
        raw = self.request.query_params.get(name)
        if raw is None or (raw == "" if boxed else _blank(raw)):
            return default
        return _parse_long(raw, _LONG_MAX)

    def json(self) -> Any:
        return codec.parse_json_body(self.body, self.state.version)


_JAVA_TRIM = "".join(chr(c) for c in range(0x21))  # String.trim(): every char <= U+0020


def _blank(raw: str) -> bool:
    return raw.strip(_JAVA_TRIM) == ""


def _java_number(req: Req, value: Any, limit: int) -> None:
    """Jackson reads a JSON number into a Java int or long: out of range, 5.5 fails with 500/500
    and 7.5 with 400/400 (observed: `key_schema_id: 2147483648`, a record partition 2147483648,
    a seek offset 2**63)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -limit - 1 <= value <= limit:
        kind = "int" if limit == _INT_MAX else "long"
        raise _type_error(req, f"Numeric value ({value}) out of range of {kind} ({-limit - 1} - {limit})")


def _parse_long(raw: str, limit: int) -> int:
    # A JAX-RS conversion failure is a 404 (contract.md §3.2).
    if not _LONG.fullmatch(raw) or not -limit - 1 <= int(raw) <= limit:
        raise errors.not_found_param()
    return int(raw)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON value; None with 204


Handler = Callable[[Req], Awaitable[Reply]]


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# -- metadata -------------------------------------------------------------------------------
def _topic(req: Req, name: str) -> Any:
    topic = req.state.log.topic(name)
    if topic is None:
        raise errors.topic_not_found() if req.v1 else errors.unknown_topic_v2()
    return topic


def _partition_json(index: int) -> dict[str, Any]:
    return {
        "partition": index,
        "leader": BROKER_ID,
        "replicas": [{"broker": BROKER_ID, "leader": True, "in_sync": True}],
    }


def _topic_partition(req: Req) -> tuple[Any, int]:
    """The path's topic and partition. JAX-RS converts `{partition}` before the method runs, so a
    non-integer one is 404/404 even on an unknown topic (contract.md §3.2)."""
    index = req.int_path("partition")
    topic = _topic(req, req.path("topic"))
    if not 0 <= index < len(topic.partitions):
        raise errors.partition_not_found()
    return topic, index


async def root(req: Req) -> Reply:
    return Reply(body={})


async def brokers(req: Req) -> Reply:
    return Reply(body={"brokers": [BROKER_ID]})


async def list_topics(req: Req) -> Reply:
    return Reply(body=req.state.log.names())


async def get_topic(req: Req) -> Reply:
    topic = _topic(req, req.path("topic"))
    partitions = [_partition_json(i) for i in range(len(topic.partitions))]
    return Reply(body={"name": topic.name, "configs": dict(TOPIC_CONFIGS), "partitions": partitions})


async def list_partitions(req: Req) -> Reply:
    topic = _topic(req, req.path("topic"))
    return Reply(body=[_partition_json(i) for i in range(len(topic.partitions))])


async def get_partition(req: Req) -> Reply:
    _, index = _topic_partition(req)
    return Reply(body=_partition_json(index))


async def partition_offsets(req: Req) -> Reply:
    topic, index = _topic_partition(req)
    start, end = req.state.log.bounds(topic.name, index)
    return Reply(body={"beginning_offset": start, "end_offset": end})


# -- produce --------------------------------------------------------------------------------
_PRODUCE_FIELDS = frozenset({"records", "key_schema", "key_schema_id", "value_schema", "value_schema_id"})


@dataclass
class _Parsed:
    partition: int | None
    key: bytes | None
    value: bytes | None


def _type_error(req: Req, message: str) -> RestError:
    # Wrong JSON types: 5.5 fails with 500/500, 7.5 with 400/400 (contract.md §3.1).
    return errors.internal() if req.v1 else RestError(400, 400, message)


def _decode_field(req: Req, name: str, raw: Any) -> bytes | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        if req.v1 and isinstance(raw, bool):
            raw = "true" if raw else "false"  # Jackson coerces scalars to String
        else:
            raise _type_error(req, f"Bad Request: data={json.dumps(raw)} is not a base64 string.")
    if not isinstance(raw, str):
        if not req.v1:
            raise RestError(400, 400, f"Bad Request: data={json.dumps(raw)} is not a base64 string.")
        raw = json.dumps(raw)  # 5.5 accepts a number as its text (contract.md §3.1)
    try:
        return codec.decode_lenient(raw) if req.v1 else codec.decode_strict(raw)
    except Base64Error:
        if req.v1:
            raise RestError(422, 422, f"Record {name} contains invalid base64 encoding") from None
        raise RestError(400, 400, f'Bad Request: data="{raw}" is not a valid base64 string.') from None


def _parse_produce(req: Req, path_partition: int | None) -> list[_Parsed]:
    body = req.json()
    arg = "produceBinary.arg3" if path_partition is not None else "produceBinary.arg2"
    if body is ABSENT or body is None:
        raise RestError(422, 422, f"{arg} must not be null (was null)")
    if not isinstance(body, dict):
        raise _type_error(req, "Cannot deserialize value of type `ProduceRequest` from non-object value")
    for name in body:
        if name not in _PRODUCE_FIELDS:
            raise errors.unrecognized(name)
    for name in ("key_schema_id", "value_schema_id"):
        _java_number(req, body.get(name), _INT_MAX)
    records = body.get("records")
    if records is None or records == []:
        raise RestError(
            422, 422, f"{arg}.records must not be empty (was {'[]' if records == [] else 'null'})"
        )
    if not isinstance(records, list):
        raise _type_error(req, "Cannot deserialize value of type `ProduceRecord>` from Object value")
    # v1 partition produce has no record `partition` field; 7.5 lets it override the path.
    allowed = {"key", "value"} if (req.v1 and path_partition is not None) else {"key", "value", "partition"}
    parsed = []
    for record in records:
        if not isinstance(record, dict):
            raise _type_error(req, "Cannot construct instance of `ProduceRecord`")
        for name in record:
            if name not in allowed:
                raise errors.unrecognized(name)
        partition = record.get("partition")
        if partition is not None and (isinstance(partition, bool) or not isinstance(partition, int)):
            raise _type_error(req, "Cannot deserialize value of type `int` from non-integer value")
        _java_number(req, partition, _INT_MAX)
        key = _decode_field(req, "key", record.get("key"))
        value = _decode_field(req, "value", record.get("value"))
        parsed.append(_Parsed(partition, key, value))
    if any(p.partition is not None and p.partition < 0 for p in parsed):
        raise errors.internal()  # the producer's "Invalid partition": 500/500 on 5.5 and 7.5 (§4.3)
    return parsed


def _produce(req: Req, topic_name: str, records: list[_Parsed], path_partition: int | None) -> Reply:
    state, call = req.state, req.call
    topic = state.log.topic(topic_name)
    if topic is None:
        # Confluent waits 60 s for metadata and then fails every record (§4.7); the reference
        # answers at once with the documented 404/40401 (KR2.0-doc), which §8 V10 accepts.
        raise errors.topic_not_found()
    count = len(topic.partitions)
    if path_partition is not None and path_partition >= count:
        raise errors.partition_not_found()  # 2.0 and 5.5 v2 check up front (§2.1 #6, §2.2 #7)
    entries: list[dict[str, Any] | None] = [None] * len(records)
    pending: list[tuple[int, int, bytes | None, bytes | None]] = []
    for index, parsed in enumerate(records):
        requested = parsed.partition if parsed.partition is not None else path_partition
        item: ProduceItem | None = ProduceItem(
            topic_name, index, len(records), requested, parsed.key, parsed.value
        )
        for hook in state.hooks.at("produce_record"):
            item = hook(call, item)
            if item is None:
                break
        if item is None:
            continue
        if item.partition is None:
            partition = (
                partition_for_key(item.key, count) if item.key is not None else topic.next_round_robin()
            )
        else:
            partition = item.partition
        if not 0 <= partition < count:
            # Per record, as Kafka fails it; answered at once instead of after 60 s (§4.3, V9).
            entries[index] = {
                "partition": None,
                "offset": None,
                "error_code": 50003,
                "error": f"Partition {partition} of topic {topic_name} with partition count {count} "
                "is not present in metadata after 60000 ms.",
            }
            continue
        size = len(item.key or b"") + len(item.value or b"")
        if size > MAX_RECORD_BYTES:
            # The Java producer's RecordTooLargeException, per record with HTTP 200 (§4.6); it
            # also keeps one request from filling memory.
            entries[index] = {
                "partition": None,
                "offset": None,
                "error_code": 50002,
                "error": f"The message is {size} bytes when serialized which is larger than the maximum "
                "request size you have configured with the max.request.size configuration.",
            }
            continue
        pending.append((index, partition, item.key, item.value))
    stored = state.log.append(topic_name, [(p, k, v) for _, p, k, v in pending])
    for (index, _, _, _), where in zip(pending, stored, strict=True):
        entries[index] = {
            "partition": where.partition,
            "offset": where.offset,
            "error_code": None,
            "error": None,
        }
    result = [e for e in entries if e is not None]
    for hook in state.hooks.at("produce_result"):
        result = hook(call, topic_name, result)
    return Reply(body={"offsets": result, "key_schema_id": None, "value_schema_id": None})


async def produce_topic(req: Req) -> Reply:
    return _produce(req, req.path("topic"), _parse_produce(req, None), None)


async def produce_partition(req: Req) -> Reply:
    partition = req.int_path("partition")
    if partition < 0:
        raise errors.internal()  # 5.5: path partition -1 -> 500/500 (§2.1 #6)
    records = _parse_produce(req, partition)
    return _produce(req, req.path("topic"), records, partition)


# -- reading --------------------------------------------------------------------------------
def _render(req: Req, embedded: str, rows: list[tuple[str, int, int, Record]]) -> list[dict[str, Any]]:
    out = []
    for topic, partition, offset, record in rows:
        if embedded == "binary":
            key, value = codec.encode(record.key), codec.encode(record.value)
        elif embedded == "json":
            key, value = _as_json(record.key), _as_json(record.value)
        else:
            raise RestError(500, 50002, "Kafka error: Unknown magic byte!")
        out.append({"topic": topic, "key": key, "value": value, "partition": partition, "offset": offset})
    return out


def _as_json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RestError(500, 50002, f"Kafka error: {type(exc).__name__}: {exc}") from None


def _read_hooks(req: Req, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for hook in req.state.hooks.at("read_records"):
        records = hook(req.call, source, records)
    return records


async def v1_messages(req: Req) -> Reply:
    offset = req.long_query("offset", boxed=True)
    count = req.long_query("count", 1)
    timestamp = req.long_query("timestamp", boxed=True)
    topic, partition = _topic_partition(req)
    log = req.state.log
    if offset is None:
        if timestamp is None:
            raise RestError(400, 400, "Either `offset` or `timestamp` query parameters must be set.")
        offset = log.offset_for_time(topic.name, partition, timestamp)
    start, end = log.bounds(topic.name, partition)
    if not start <= offset <= end:
        raise errors.offset_out_of_range()  # Kafka OFFSET_OUT_OF_RANGE -> 500/50002 (§4.4)
    rows = [(topic.name, partition, o, r) for o, r in log.read(topic.name, partition, offset, count or 0)]
    return Reply(body=_read_hooks(req, "v1-messages", _render(req, req.choice.offer.embedded, rows)))


def _check_format(req: Req, instance: Instance) -> None:
    if req.state.hooks.switch("consumer-format-unchecked"):
        return
    if req.choice.offer.embedded != instance.format:
        raise errors.format_mismatch()


async def _wait_for_records(req: Req, fetch: Callable[[], Any], wait_ms: int) -> Any:
    # Confluent holds a read for the whole wait; the reference answers as soon as records are
    # available (timing is INFO, D22), which keeps the suite fast.
    deadline = time.monotonic() + wait_ms / 1000
    log = req.state.log
    while True:
        seen = log.version
        fetched = fetch()
        if fetched.records or fetched.blocked or time.monotonic() >= deadline:
            return fetched
        while log.version == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.002)


async def v1_consumer_read(req: Req) -> Reply:
    state = req.state
    group, name, topic_name = req.path("group"), req.path("instance"), req.path("topic")
    max_bytes = req.long_query("max_bytes", -1) or 0
    instance = state.consumers.get(group, name)
    _check_format(req, instance)
    topic = _topic(req, topic_name)
    if instance.topic is None:
        instance.topic = topic.name
    elif instance.topic != topic.name:
        raise RestError(
            409,
            40901,
            "Consumer cannot subscribe the the specified target because it has already subscribed to other topics.",
        )
    tps = [(topic.name, p) for p in range(len(topic.partitions))]
    fetched = await _wait_for_records(
        req,
        lambda: state.consumers.fetch(instance, tps, max_bytes, True),
        state.config.consumer_request_timeout_ms,
    )
    for tp, offset, _ in fetched.records:
        instance.consumed[tp] = offset
    if instance.auto_commit:
        _v1_commit(req, instance)
    rows = [(tp[0], tp[1], offset, record) for tp, offset, record in fetched.records]
    return Reply(body=_read_hooks(req, "v1-consumer", _render(req, req.choice.offer.embedded, rows)))


def _store(req: Req, group: str, topic: str, partition: int, next_offset: int) -> int:
    for hook in req.state.hooks.at("commit_offset"):
        next_offset = hook(req.call, group, topic, partition, next_offset)
    req.state.consumers.store(group, topic, partition, next_offset)
    return next_offset


def _v1_commit(req: Req, instance: Instance) -> list[dict[str, Any]]:
    out = []
    for (topic, partition), consumed in sorted(instance.consumed.items()):
        stored = _store(req, instance.group, topic, partition, consumed + 1)
        out.append({"topic": topic, "partition": partition, "consumed": consumed, "committed": stored - 1})
    return out


async def v1_commit(req: Req) -> Reply:
    instance = req.state.consumers.get(req.path("group"), req.path("instance"))
    return Reply(body=_v1_commit(req, instance))


# -- consumer instances ---------------------------------------------------------------------
_V1_CREATE_FIELDS = frozenset(
    {
        "id",
        "name",
        "format",
        "auto.offset.reset",
        "auto.commit.enable",
        "fetch.min.bytes",
        "consumer.request.timeout.ms",
    }
)
_V2_CREATE_FIELDS = _V1_CREATE_FIELDS
_FORMATS = {"v1": ("binary", "avro", "json"), "v2": ("binary", "avro", "json", "jsonschema", "protobuf")}
_RESETS = {"v1": ("smallest", "largest"), "v2": ("latest", "earliest", "none")}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


async def create_consumer(req: Req) -> Reply:
    state, version = req.state, req.state.version
    body = req.json()
    if body is ABSENT or body is None:
        body = {}
    if not isinstance(body, dict):
        raise _type_error(req, "Cannot deserialize value of type `CreateConsumerInstanceRequest`")
    for field in body:
        if field not in (_V1_CREATE_FIELDS if req.v1 else _V2_CREATE_FIELDS):
            raise errors.unrecognized(field)
    # Only an absent or null format defaults to binary; "" is an invalid format (422), as
    # Confluent's ConsumerInstanceConfig.setFormat rejects any name it does not know.
    fmt = (_text(body.get("format")) or "").lower() if body.get("format") is not None else "binary"
    # json and avro consumers are created as Confluent creates them, so that the format-mismatch
    # rows (C17, D31) can run against the reference (contract.md §6).
    if fmt not in _FORMATS[version]:
        raise RestError(422, 422, "Invalid format type.")
    reset = _text(body.get("auto.offset.reset"))
    if reset is not None and reset not in _RESETS[version]:
        detail = (
            f"Wrong value {reset} of auto.offset.reset in ConsumerConfig; Valid values are smallest and largest"
            if req.v1
            else f"Invalid value {reset} for configuration auto.offset.reset: String must be one of: latest, earliest, none"
        )
        raise RestError(422, 42204, f"Invalid consumer configuration: {detail}")
    fetch_min = body.get("fetch.min.bytes")
    if fetch_min is not None and not re.fullmatch(r"\d{1,9}", _text(fetch_min) or ""):
        raise RestError(422, 40001, f"Invalid fetch.min.bytes: {fetch_min}")
    timeout_raw = _text(body.get("consumer.request.timeout.ms"))
    timeout_ms = state.config.consumer_request_timeout_ms
    if timeout_raw is not None and re.fullmatch(r"\d{1,9}", timeout_raw):
        timeout_ms = min(int(timeout_raw), timeout_ms)
    # v1 forces auto.commit.enable to "false" by default; v2 keeps Kafka's default, true (§5.1).
    auto_commit = (_text(body.get("auto.commit.enable")) or ("false" if req.v1 else "true")).lower() == "true"
    # The deprecated `id` overrides `name` (KR2.0 ConsumerManager; observed on 5.5 and 7.5).
    name = _text(body.get("id")) or _text(body.get("name")) or state.consumers.generated_name()
    group = req.path("group")
    default_reset = "largest" if req.v1 else "latest"
    instance = Instance(group, name, fmt, reset or default_reset, auto_commit, timeout_ms)
    answer = {"instance_id": name, "base_uri": _base_uri(req, group, name)}
    for hook in state.hooks.at("consumer_created"):
        answer = hook(req.call, instance, answer)
    state.consumers.create(instance, replace=state.hooks.switch("consumer-duplicate-name-accepted"))
    return Reply(body=answer)


def _base_uri(req: Req, group: str, name: str) -> str:
    base = str(req.request.base_url).rstrip("/")
    return f"{base}/consumers/{quote(group, safe='')}/instances/{quote(name, safe='')}"


async def delete_consumer(req: Req) -> Reply:
    req.state.consumers.delete(req.path("group"), req.path("instance"))
    return Reply(204)


# -- v2 consumers ---------------------------------------------------------------------------
def _instance(req: Req) -> Instance:
    return req.state.consumers.get(req.path("group"), req.path("instance"))


def _object_body(req: Req, operation: str, fields: frozenset[str]) -> dict[str, Any]:
    body = req.json()
    if body is ABSENT or body is None:
        raise RestError(422, 422, f"{operation}.arg3 must not be null (was null)")
    if not isinstance(body, dict):
        raise _type_error(req, f"Cannot deserialize value of type `{operation}Request`")
    for field in body:
        if field not in fields:
            raise errors.unrecognized(field)
    return body


def _partitions(req: Req, items: Any, with_offset: bool = False) -> list[tuple[str, int, int]]:
    if not isinstance(items, list):
        raise _type_error(req, "Cannot deserialize value: expected an array")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise _type_error(req, "Cannot deserialize value: expected an object")
        allowed = {"topic", "partition", "offset", "metadata"} if with_offset else {"topic", "partition"}
        for field in item:
            if field not in allowed:
                raise errors.unrecognized(field)
        topic, partition, offset = item.get("topic"), item.get("partition"), item.get("offset", 0)
        if not isinstance(topic, str):
            raise RestError(422, 422, "topic must not be null")
        if not (_is_int(partition) and _is_int(offset)):
            raise _type_error(req, "Cannot deserialize value of type `int`")
        _java_number(req, partition, _INT_MAX)
        _java_number(req, offset, _LONG_MAX)
        assert isinstance(partition, int) and isinstance(offset, int)
        if partition < 0 or offset < 0:
            raise RestError(422, 422, "must be greater than or equal to 0")
        out.append((topic, partition, offset))
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def subscribe(req: Req) -> Reply:
    instance = _instance(req)
    body = _object_body(req, "subscribe", frozenset({"topics", "topic_pattern"}))
    topics, pattern = body.get("topics"), body.get("topic_pattern")
    if topics is not None and (not isinstance(topics, list) or not all(isinstance(t, str) for t in topics)):
        raise _type_error(req, "Cannot deserialize value of type `ArrayList<String>`")
    if pattern is not None and not isinstance(pattern, str):
        raise _type_error(req, "Cannot deserialize value of type `String`")
    if instance.manual is not None:
        raise errors.illegal_state("Subscription to topics, partitions and pattern are mutually exclusive")
    if topics is None and pattern is None:
        raise RestError(422, 422, "Either topics or topic_pattern must be set.")
    if pattern is not None and topics is None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RestError(422, 422, f"Invalid topic_pattern: {exc}") from None
    instance.subscription = list(topics) if topics is not None else None
    instance.pattern = pattern if topics is None else None
    instance.polled = False
    return Reply(204)


async def get_subscription(req: Req) -> Reply:
    instance = _instance(req)
    if instance.pattern is not None:
        topics = sorted({t for t, _ in req.state.consumers.assignment(instance)})
    else:
        topics = list(instance.subscription or [])
    return Reply(body={"topics": topics})


async def unsubscribe(req: Req) -> Reply:
    instance = _instance(req)
    instance.subscription, instance.pattern, instance.polled = None, None, False
    instance.manual = None
    return Reply(204)


async def assign(req: Req) -> Reply:
    instance = _instance(req)
    body = _object_body(req, "assign", frozenset({"partitions"}))
    tps = [(t, p) for t, p, _ in _partitions(req, body.get("partitions", []))]
    if instance.subscribed:
        raise errors.illegal_state("Subscription to topics, partitions and pattern are mutually exclusive")
    instance.manual = tps
    instance.positions = {tp: o for tp, o in instance.positions.items() if tp in tps}
    return Reply(204)


async def get_assignments(req: Req) -> Reply:
    instance = _instance(req)
    partitions = [{"topic": t, "partition": p} for t, p in req.state.consumers.assignment(instance)]
    return Reply(body={"partitions": partitions})


def _require_assigned(req: Req, instance: Instance, tp: tuple[str, int]) -> bool:
    if tp in req.state.consumers.assignment(instance):
        return True
    if req.state.hooks.switch("v2-seek-unassigned-allowed"):
        return False
    raise errors.illegal_state(f"No current assignment for partition {tp[0]}-{tp[1]}")


async def seek(req: Req) -> Reply:
    instance = _instance(req)
    body = _object_body(req, "seek", frozenset({"offsets", "timestamps"}))
    for topic, partition, offset in _partitions(req, body.get("offsets", []), with_offset=True):
        if _require_assigned(req, instance, (topic, partition)):
            instance.positions[(topic, partition)] = offset
    return Reply(204)


async def _seek_edge(req: Req, to_end: bool) -> Reply:
    instance = _instance(req)
    body = _object_body(req, "seekToEdge", frozenset({"partitions"}))
    for topic, partition, _ in _partitions(req, body.get("partitions", [])):
        if _require_assigned(req, instance, (topic, partition)):
            start, end = req.state.log.bounds(topic, partition)
            instance.positions[(topic, partition)] = end if to_end else start
    return Reply(204)


async def seek_beginning(req: Req) -> Reply:
    return await _seek_edge(req, False)


async def seek_end(req: Req) -> Reply:
    return await _seek_edge(req, True)


async def records(req: Req) -> Reply:
    state = req.state
    # JAX-RS converts query parameters before the method runs: a bad one is 404/404 even for an
    # unknown instance.
    timeout = req.long_query("timeout", -1)
    max_bytes = req.long_query("max_bytes", -1) or 0
    instance = _instance(req)
    _check_format(req, instance)
    if not instance.subscribed and not instance.manual:
        raise errors.internal()  # Kafka's IllegalStateException: 500/500 on Confluent (§2.2 #17)
    instance.polled = True
    wait_ms = (
        instance.request_timeout_ms
        if timeout is None or timeout <= 0
        else min(timeout, instance.request_timeout_ms)
    )
    consumers = state.consumers

    def fetch() -> Any:
        return consumers.fetch(instance, consumers.assignment(instance), max_bytes, False)

    fetched = await _wait_for_records(req, fetch, wait_ms)
    for tp, offset, _ in fetched.records:
        instance.fetched[tp] = offset + 1
    if instance.auto_commit:
        for (topic, partition), next_offset in list(instance.fetched.items()):
            consumers.store(instance.group, topic, partition, next_offset)
    rows = [(tp[0], tp[1], offset, record) for tp, offset, record in fetched.records]
    return Reply(body=_read_hooks(req, "v2-records", _render(req, req.choice.offer.embedded, rows)))


async def commit(req: Req) -> Reply:
    instance = _instance(req)
    body = req.json()
    if body is ABSENT or body is None:
        # Body-less: commit everything fetched so far, last fetched + 1 (§2.2 #18).
        for (topic, partition), next_offset in sorted(instance.fetched.items()):
            _store(req, instance.group, topic, partition, next_offset)
        return Reply(body=[])
    if not isinstance(body, dict):
        raise _type_error(req, "Cannot deserialize value of type `CommitOffsetsRequest`")
    for field in body:
        if field != "offsets":
            raise errors.unrecognized(field)
    if body.get("offsets") is None:
        raise errors.internal()  # `{}`: a NullPointerException on Confluent, 500/500 (§2.2 #18)
    entries = _partitions(req, body["offsets"], with_offset=True)
    for topic, _, _ in entries:
        if req.state.log.topic(topic) is None:
            # Confluent blocks for a minute here (§4.7, D32); answer at once, as Karapace does.
            raise errors.topic_not_found()
    if any(offset == _LONG_MAX for _, _, offset in entries):
        # offset + 1 overflows: Kafka's "Invalid negative offset", 500/500 on 5.5 and 7.5 (observed)
        raise errors.internal()
    for topic, partition, offset in entries:
        _store(req, instance.group, topic, partition, offset + 1)  # Kafka stores the NEXT offset
    return Reply(body=[])


async def committed_offsets(req: Req) -> Reply:
    instance = _instance(req)
    body = req.json()
    if body is ABSENT or body is None:
        raise errors.partition_not_found()  # Confluent's code quirk for a GET without body (D29)
    if not isinstance(body, dict):
        raise _type_error(req, "Cannot deserialize value of type `ConsumerCommittedRequest`")
    for field in body:
        if field != "partitions":
            raise errors.unrecognized(field)
    out = []
    for topic, partition, _ in _partitions(req, body.get("partitions", [])):
        offset = req.state.consumers.committed_offset(instance.group, topic, partition)
        if offset is not None:
            out.append({"topic": topic, "partition": partition, "offset": offset, "metadata": ""})
    return Reply(body={"offsets": out})


# -- Message Hub's admin API (v1 only) -------------------------------------------------------
# IBM's Node client (message-hub-rest) manages topics through /admin/topics, beside the Kafka
# REST API (contract.md §6, [IBM-node], [IBM-admin]). The minimal part it uses is served as its
# mock documents it: 202 with no body, 42201 for an existing topic, camelCase error bodies.
def _admin_error(status: int, code: int, message: str) -> Reply:
    return Reply(status, {"errorCode": code, "errorMessage": message})


async def admin_list_topics(req: Req) -> Reply:
    log = req.state.log
    return Reply(
        body=[
            {"name": name, "partitions": len(log.topics[name].partitions), "markedForDeletion": False}
            for name in log.names()
        ]
    )


async def admin_create_topic(req: Req) -> Reply:
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        return _admin_error(422, 42202, "A topic name must be specified.")
    name, partitions = body["name"], body.get("partitions", 1)
    if not TOPIC_NAME.fullmatch(name) or name in (".", ".."):
        return _admin_error(422, 42203, "Invalid topic name.")
    if not _is_int(partitions) or not 1 <= partitions <= MAX_PARTITIONS:
        return _admin_error(422, 42205, f"Invalid number of partitions: 1 to {MAX_PARTITIONS}.")
    if not req.state.log.create_topic(name, partitions):
        return _admin_error(422, 42201, "Topic already exists.")
    return Reply(202)


async def admin_delete_topic(req: Req) -> Reply:
    if not req.state.log.delete_topic(req.path("topic")):
        return _admin_error(404, 40401, "Topic not found.")
    return Reply(202)


# -- the route table ------------------------------------------------------------------------
_INSTANCE = "/consumers/{group}/instances/{instance}"

# (name, method, path, handler, media kind). One table per version: v1 and v2 disagree on the
# same paths, and a server serves one version (contract.md §1.3).
ROUTES: dict[str, tuple[tuple[str, str, str, Handler, str], ...]] = {
    "v1": (
        ("root", "GET", "/", root, "metadata"),
        ("brokers", "GET", "/brokers", brokers, "metadata"),
        ("list_topics", "GET", "/topics", list_topics, "metadata"),
        ("get_topic", "GET", "/topics/{topic}", get_topic, "metadata"),
        ("produce_topic", "POST", "/topics/{topic}", produce_topic, "produce_topic"),
        ("list_partitions", "GET", "/topics/{topic}/partitions", list_partitions, "metadata"),
        (
            "get_partition",
            "GET",
            "/topics/{topic}/partitions/{partition}",
            get_partition,
            "metadata_partition",
        ),
        (
            "produce_partition",
            "POST",
            "/topics/{topic}/partitions/{partition}",
            produce_partition,
            "produce_partition",
        ),
        ("messages", "GET", "/topics/{topic}/partitions/{partition}/messages", v1_messages, "consume"),
        ("create_consumer", "POST", "/consumers/{group}", create_consumer, "consumer"),
        ("delete_consumer", "DELETE", _INSTANCE, delete_consumer, "consumer"),
        ("consumer_read", "GET", _INSTANCE + "/topics/{topic}", v1_consumer_read, "consume"),
        ("commit", "POST", _INSTANCE + "/offsets", v1_commit, "consumer"),
        ("admin_list_topics", "GET", "/admin/topics", admin_list_topics, "admin"),
        ("admin_create_topic", "POST", "/admin/topics", admin_create_topic, "admin"),
        ("admin_delete_topic", "DELETE", "/admin/topics/{topic}", admin_delete_topic, "admin"),
    ),
    "v2": (
        ("root", "GET", "/", root, "metadata"),
        ("brokers", "GET", "/brokers", brokers, "metadata"),
        ("list_topics", "GET", "/topics", list_topics, "metadata"),
        ("get_topic", "GET", "/topics/{topic}", get_topic, "metadata"),
        ("produce_topic", "POST", "/topics/{topic}", produce_topic, "produce_topic"),
        ("list_partitions", "GET", "/topics/{topic}/partitions", list_partitions, "metadata"),
        (
            "get_partition",
            "GET",
            "/topics/{topic}/partitions/{partition}",
            get_partition,
            "metadata_partition",
        ),
        (
            "produce_partition",
            "POST",
            "/topics/{topic}/partitions/{partition}",
            produce_partition,
            "produce_partition",
        ),
        (
            "partition_offsets",
            "GET",
            "/topics/{topic}/partitions/{partition}/offsets",
            partition_offsets,
            "metadata",
        ),
        ("create_consumer", "POST", "/consumers/{group}", create_consumer, "consumer"),
        ("delete_consumer", "DELETE", _INSTANCE, delete_consumer, "consumer"),
        ("subscribe", "POST", _INSTANCE + "/subscription", subscribe, "consumer"),
        ("get_subscription", "GET", _INSTANCE + "/subscription", get_subscription, "consumer"),
        ("unsubscribe", "DELETE", _INSTANCE + "/subscription", unsubscribe, "consumer"),
        ("assign", "POST", _INSTANCE + "/assignments", assign, "consumer"),
        ("get_assignments", "GET", _INSTANCE + "/assignments", get_assignments, "consumer"),
        ("seek", "POST", _INSTANCE + "/positions", seek, "consumer"),
        ("seek_beginning", "POST", _INSTANCE + "/positions/beginning", seek_beginning, "consumer"),
        ("seek_end", "POST", _INSTANCE + "/positions/end", seek_end, "consumer"),
        ("records", "GET", _INSTANCE + "/records", records, "records"),
        ("commit", "POST", _INSTANCE + "/offsets", commit, "consumer"),
        ("committed_offsets", "GET", _INSTANCE + "/offsets", committed_offsets, "consumer"),
    ),
}


def _endpoint(name: str, handler: Handler, media: Media) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        state: ServerState = request.app.state.reference
        call: Call = request.scope.get(CALL_KEY) or _call_from_scope(request.scope, state)
        call.route = name
        content_type = request.headers.get("content-type")
        generic = GENERIC[state.version]
        if media_type_of(content_type) in media.reject:
            # Binary only (contract.md §6): Confluent would hand json/avro bodies to their own
            # handlers; here they are refused like any type the binary handler cannot read.
            raise RestError(415, 415, "HTTP 415 Unsupported Media Type", content_type=generic)
        if media.consumes is not None and not _consumes(content_type, media.consumes):
            raise RestError(415, 415, "HTTP 415 Unsupported Media Type", content_type=generic)
        offers = dict(media.reroute).get(media_type_of(content_type) or "", media.offers)
        choice = negotiate(request.headers.get("accept"), offers)
        if choice is None:
            raise FrameworkError(406)
        request.state.choice = choice
        body = await request.body()
        reply = await handler(Req(request, state, call, choice, body))
        if reply.body is None:
            return Response(status_code=reply.status)
        return Response(_json(reply.body), reply.status, media_type=choice.content_type)

    return endpoint


def _consumes(header: str | None, allowed: frozenset[str]) -> bool:
    mt = media_type_of(header)
    return mt is None or mt in allowed


# -- errors ---------------------------------------------------------------------------------
async def _render_error(request: Request, exc: Exception) -> Response:
    state: ServerState = request.app.state.reference
    if isinstance(exc, HTTPException):
        exc = FrameworkError(exc.status_code)
    if isinstance(exc, FrameworkError):
        # Jersey's own errors: a JSON body but no Content-Type (contract.md §3.1).
        return Response(_json({"error_code": exc.status, "message": exc.message}), exc.status)
    if isinstance(exc, PlainTextError):
        return Response(exc.message, exc.status, media_type="text/plain")
    if isinstance(exc, RestError):
        choice: Choice | None = getattr(request.state, "choice", None)
        content_type = exc.content_type or (choice.content_type if choice else GENERIC[state.version])
        return Response(
            _json({"error_code": exc.error_code, "message": exc.message}), exc.status, media_type=content_type
        )
    raise exc  # pragma: no cover - only DomainError and HTTPException are registered


async def _render_unexpected(request: Request, exc: Exception) -> Response:
    # rest-utils' GenericExceptionMapper: any unmapped exception is 500/500 (contract.md §3.2).
    state: ServerState = request.app.state.reference
    body = _json({"error_code": 500, "message": "Internal Server Error"})
    return Response(body, 500, media_type=GENERIC[state.version])


# -- the gate: faults and auth --------------------------------------------------------------
def _call_from_scope(scope: Scope, state: ServerState) -> Call:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    call = Call(state.config.api_version, scope["method"], scope["path"], query, headers)
    call.shared = state.hooks.memory
    return call


class Gate:
    """Plain ASGI middleware: fault `request` hooks, API-key auth, fault `response` hooks."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._gate(scope, receive, send)
        except Exception as exc:
            where = f"{scope.get('method', '')} {scope.get('path', '')}"
            self.state.crashes.append(f"{type(exc).__name__}: {exc} ({where})"[:300])
            raise

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        call = _call_from_scope(scope, state)
        scope[CALL_KEY] = call
        request_hooks = state.hooks.at("request")
        response_hooks = state.hooks.at("response")
        if response_hooks:
            send = self._rewriting(call, send, response_hooks)
        if request_hooks:
            call.body = await _read_body(receive)
            call._receive = receive
            for hook in request_hooks:
                answer = await hook(call)
                if answer is not None:
                    await _send_answer(send, answer)
                    return
            scope = _rebuilt_scope(scope, call)
            receive = _replay(call.body)
        if state.config.api_key is not None and not call.auth_exempt:
            token = call.headers.get("x-auth-token", "")
            if not hmac.compare_digest(token.encode(), state.config.api_key.encode()):
                # Never echo the token: the message names the header only.
                message = (
                    "Unauthorized: missing or invalid X-Auth-Token"
                    if token
                    else "Unauthorized: X-Auth-Token missing"
                )
                body = _json({"error_code": 40101, "message": message})
                await _send_answer(send, Answer(401, {"content-type": GENERIC[state.version]}, body))
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _rewriting(call: Call, send: Send, hooks: tuple[Any, ...]) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
            answer = Answer(start["status"], headers, b"".join(chunks))
            for hook in hooks:
                answer = hook(call, answer)
            await _send_answer(send, answer)

        return rewrite


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that keeps the connection open
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


def _rebuilt_scope(scope: Scope, call: Call) -> Scope:
    headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in call.headers.items() if k != "content-length"
    ]
    headers.append((b"content-length", str(len(call.body)).encode()))
    return {
        **scope,
        "method": call.method,
        "path": call.path,
        "raw_path": call.path.encode(),
        "query_string": urlencode(call.query).encode(),
        "headers": headers,
    }


async def _send_answer(send: Send, answer: Answer) -> None:
    headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items() if k != "content-length"
    ]
    if answer.status not in (204, 304):
        headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body if answer.status != 204 else b""})


# -- the app --------------------------------------------------------------------------------
def create_app(config: ReferenceConfig | None = None, extra_faults: Iterable[Fault] = ()) -> Starlette:
    """The reference server for one API version, over a fresh in-memory log.

    `extra_faults` adds Fault values that are not in the registry (unit tests of hook points);
    they run after the registered faults named in `config.faults`.
    """
    config = config or ReferenceConfig()
    log = Log(config.topics, config.max_records_per_partition, config.max_bytes_per_partition)
    hooks = Hooks.of(
        (*resolve(config.faults), *extra_faults, *quirks.resolve(config.quirks, config.api_version))
    )
    state = ServerState(config, log, Consumers(log, config.consumer_instance_timeout_s), hooks)
    tables = TABLES[config.api_version]
    routes = [
        Route(path, _endpoint(name, handler, tables[kind]), methods=[method], name=name)
        for name, method, path, handler, kind in ROUTES[config.api_version]
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Gate, state=state)],
        exception_handlers={
            DomainError: _render_error,
            HTTPException: _render_error,
            Exception: _render_unexpected,
        },
    )
    app.router.redirect_slashes = False
    app.state.reference = state
    return app
