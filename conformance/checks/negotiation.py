"""Checks of the negotiation area: request Content-Type and Accept (contract.md §1, §8.5, §8.6).

Every judge here reads what was sent from the recorded request itself (its Accept and
Content-Type headers), so the same judge runs on a live exchange and on the recordings of real
servers, where the probes sent the same header variants. The outcome tables below are §8's
"The check accepts" column as data; a header a table does not list is not judged by that check.

A "no Accept" probe passes ``accept=None``: the client then sends no Accept header at all
(httpx's ``*/*`` default is removed, see client.py), and the evidence shows it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance import contract
from conformance.checks.api import b64, instance_path, seg
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.errors import SetupFailed
from conformance.exchange import Exchange, media_type
from conformance.media import (
    AVRO_V1,
    BINARY_V1,
    BINARY_V2,
    JSON,
    JSON_V1,
    JSON_V2,
    KAFKA_DEFAULT,
    OCTET_STREAM,
    TEXT_PLAIN,
    V1,
    V2,
)
from conformance.requirements import Requirement

checks = CheckSet("negotiation")

# -- §8 outcome tables, as data ------------------------------------------------------------------

# A2: a client q combined with the server's qs decides. Both lists are the ones §1.2 observed.
WEIGHTED_META = f"{V1};q=0.8, {KAFKA_DEFAULT};q=0.9, {JSON};q=0.7"
WEIGHTED_PRODUCE = f"{BINARY_V1};q=0.1, {JSON};q=0.9"
NO_ACCEPT = None  # the request carries no Accept header
STAR = "*/*"

V1_META_ACCEPT: dict[str | None, str] = {
    NO_ACCEPT: V1,
    STAR: V1,
    JSON: JSON,
    KAFKA_DEFAULT: KAFKA_DEFAULT,
    V1: V1,
    WEIGHTED_META: KAFKA_DEFAULT,
}
V1_PRODUCE_ACCEPT: dict[str | None, str] = {**V1_META_ACCEPT, WEIGHTED_PRODUCE: JSON}
# A3: consume lists binary.v1 first (qs=1.0); the generic types are echoed.
V1_CONSUME_ACCEPT: dict[str | None, str] = {
    NO_ACCEPT: BINARY_V1,
    STAR: BINARY_V1,
    V1: V1,
    KAFKA_DEFAULT: KAFKA_DEFAULT,
    JSON: JSON,
}
# A4: unsupported everywhere, plus the types metadata lists do not produce.
V1_UNSUPPORTED_ANYWHERE = (TEXT_PLAIN,)
V1_UNSUPPORTED_ON_LISTS = (TEXT_PLAIN, OCTET_STREAM, BINARY_V1)  # GET /topics, GET /brokers

# N1 / N2: the request types v1 accepts (None = no Content-Type).
V1_PRODUCE_TYPES: tuple[str | None, ...] = (BINARY_V1, V1, KAFKA_DEFAULT, JSON, OCTET_STREAM, None)
V1_CONSUMER_TYPES: tuple[str | None, ...] = (*V1_PRODUCE_TYPES, JSON_V1)
# N5: what 5.5 and 7.5 answer differently; recorded only.
V2_RECORDED_PRODUCE_TYPES = (JSON, OCTET_STREAM, V2, BINARY_V1)
V2_RECORDED_CONSUMER_TYPES = (JSON, OCTET_STREAM, BINARY_V1)
# A11 / A12 / A13: records of a binary consumer.
A11_ACCEPTS: tuple[str | None, ...] = (NO_ACCEPT, STAR, V2)
A12_ACCEPT = f"{BINARY_V2}; charset=utf-8"

# Keys that mark a body as carrying data rather than an error.
RECORD_FIELDS = ("key", "value", "partition", "offset")


# -- small readers over exchanges ------------------------------------------------------------------


def accept_of(exchange: Exchange) -> str | None:
    return exchange.request.header("accept")


def content_type_of(exchange: Exchange) -> str | None:
    return exchange.request.header("content-type")


def _same_type(a: str | None, b: str | None) -> bool:
    """Media types equal, ignoring parameters and case; None only equals None."""
    if a is None or b is None:
        return a is None and b is None
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _lookup(table: Mapping[str | None, str], accept: str | None) -> tuple[bool, str | None]:
    for key, value in table.items():
        if _same_type(key, accept):
            return True, value
    return False, None


def _path_parts(exchange: Exchange) -> list[str]:
    return [unquote(p) for p in urlsplit(exchange.request.url).path.split("/") if p]


def is_records_read(exchange: Exchange) -> bool:
    return exchange.request.method == "GET" and _path_parts(exchange)[-1:] == ["records"]


def is_error_body(body: Any) -> bool:
    """contract.md §8: a JSON object with an integer `error_code` and a string `message`."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("error_code"), int)
        and not isinstance(body.get("error_code"), bool)
        and isinstance(body.get("message"), str)
    )


def _got(exchange: Exchange) -> str:
    """`406 (no Content-Type)`, `200 application/json`, or the transport error."""
    if exchange.response is None:
        return f"no response ({exchange.error})"
    ct = exchange.response.content_type or "(no Content-Type)"
    body = exchange.response.json_or_none()
    code = f"/{body['error_code']}" if is_error_body(body) else ""
    return f"{exchange.response.status}{code} {ct}"


def _sent(exchange: Exchange) -> str:
    accept = accept_of(exchange)
    ct = content_type_of(exchange)
    return (
        f"{exchange.request.method} {urlsplit(exchange.request.url).path} "
        f"(Accept: {accept if accept is not None else 'none'}; "
        f"Content-Type: {ct if ct is not None else 'none'})"
    )


def _records(exchange: Exchange) -> list[dict[str, Any]] | None:
    """The JSON array of record objects in a 200 response, or None."""
    if exchange.status != 200 or exchange.response is None:
        return None
    body = exchange.response.json_or_none()
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        return None
    return body


def _decode(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def _produce_entries(exchange: Exchange) -> list[dict[str, Any]] | None:
    if exchange.status != 200 or exchange.response is None:
        return None
    body = exchange.response.json_or_none()
    offsets = body.get("offsets") if isinstance(body, dict) else None
    if not isinstance(offsets, list) or not all(isinstance(o, dict) for o in offsets):
        return None
    return offsets


def _produce_topic(exchange: Exchange) -> str | None:
    parts = _path_parts(exchange)
    return parts[1] if len(parts) >= 2 and parts[0] == "topics" else None


def _sent_values(exchange: Exchange) -> list[Any]:
    try:
        body = exchange.request.json()
    except ValueError:
        return []
    records = body.get("records") if isinstance(body, dict) else None
    return [r.get("value") for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def index_records(reads: Iterable[Exchange]) -> dict[tuple[str | None, int, int], dict[str, Any]]:
    """Records of read responses by (topic, partition, offset). v1 simple reads take the topic
    from the path when the record has none (2.0 records carry no `topic`)."""
    out: dict[tuple[str | None, int, int], dict[str, Any]] = {}
    for read in reads:
        parts = _path_parts(read)
        path_topic = parts[1] if len(parts) >= 2 and parts[0] == "topics" else None
        for record in _records(read) or []:
            partition, offset = record.get("partition"), record.get("offset")
            if isinstance(partition, int) and isinstance(offset, int):
                topic = record.get("topic") if isinstance(record.get("topic"), str) else path_topic
                out[(topic, partition, offset)] = record
    return out


def _find(
    index: Mapping[tuple[str | None, int, int], dict[str, Any]],
    topic: str | None,
    partition: int,
    offset: int,
) -> dict[str, Any] | None:
    return index.get((topic, partition, offset)) or index.get((None, partition, offset))


# -- judges ----------------------------------------------------------------------------------------


def judge_labels(exchanges: Iterable[Exchange]) -> Judgement:
    """A1 and E4: every 200 with a body has a JSON Content-Type and parses; a JSON-labelled
    non-empty body parses."""
    j = Judgement()
    for ex in exchanges:
        if ex.response is None or not ex.response.body:
            continue
        labelled = ex.response.is_json_labelled
        parses = True
        try:
            ex.response.json()
        except ValueError:
            parses = False
        if ex.response.status == 200 and not labelled:
            j.fail(
                expected=f"{_sent(ex)}: a JSON Content-Type on the 200 body",
                got=_got(ex),
                why="clients pick their parser from the Content-Type; a mislabelled success body breaks them (A1)",
                exchange=ex,
            )
        elif labelled and not parses:
            j.fail(
                expected=f"{_sent(ex)}: a body that parses as JSON, as its Content-Type says",
                got=f"{_got(ex)} with body {ex.response.text[:80]!r}",
                why="a JSON label on a non-JSON body makes every client's parser throw (A1, E4)",
                exchange=ex,
            )
    return j


def judge_produce_stored(produces: Sequence[Exchange], reads: Sequence[Exchange], rows: str) -> Judgement:
    """Each produce is 200 with offsets, and each record reads back, byte-identical, at its
    reported partition and offset (N1, N4: "stored as raw bytes")."""
    j = Judgement()
    index = index_records(reads)
    for produce in produces:
        entries = _produce_entries(produce)
        if not j.require(
            entries is not None,
            expected=f"{_sent(produce)}: 200 with an `offsets` array",
            got=_got(produce),
            why=f"this request type is one the contract accepts for produce ({rows})",
            exchange=produce,
        ):
            continue
        assert entries is not None
        topic = _produce_topic(produce)
        for sent, entry in zip(_sent_values(produce), entries, strict=False):
            partition, offset = entry.get("partition"), entry.get("offset")
            if not (isinstance(partition, int) and isinstance(offset, int)):
                j.fail(
                    expected="an integer partition and offset in the produce answer",
                    got=f"partition {partition!r}, offset {offset!r}",
                    why="without them the record cannot be read back",
                    exchange=produce,
                )
                continue
            record = _find(index, topic, partition, offset)
            if record is None:
                j.fail(
                    expected=f"the record produced with {_sent(produce)} readable at partition {partition}, offset {offset}",
                    got="no record at that offset in the read-back",
                    why="a produce answered 200 must be stored where it says",
                    exchange=produce,
                )
                continue
            want, got = _decode(sent), _decode(record.get("value"))
            j.require(
                want is not None and want == got,
                expected=f"value bytes {want!r} (the request's base64 decoded: stored as binary)",
                got=f"{got!r} (value {record.get('value')!r})",
                why=f"the Content-Type of a binary produce must not change what is stored ({rows})",
                exchange=produce,
            )
    return j


def judge_consumer_types(creates: Sequence[Exchange], format_reads: Sequence[Exchange] = ()) -> Judgement:
    """N2 (and N7): consumer creation with an accepted request type gives 200 with an
    instance_id; a binary consumer created under a non-binary Content-Type still reads binary."""
    j = Judgement()
    for create in creates:
        body = create.response.json_or_none() if create.response is not None else None
        ok = create.status == 200 and isinstance(body, dict) and isinstance(body.get("instance_id"), str)
        j.require(
            ok,
            expected=f"{_sent(create)}: 200 with an instance_id",
            got=_got(create),
            why="this Content-Type is one the contract accepts for consumer creation",
            exchange=create,
        )
    for read in format_reads:
        j.require(
            read.status == 200,
            expected=f"{_sent(read)}: 200 (the body's `format` decides the consumer's format, not the Content-Type)",
            got=_got(read),
            why="a client that labels the creation request differently must still get the format it asked for",
            exchange=read,
        )
    return j


def judge_produce_ok(produces: Sequence[Exchange], row: str) -> Judgement:
    j = Judgement()
    for produce in produces:
        j.require(
            _produce_entries(produce) is not None,
            expected=f"{_sent(produce)}: 200 with an `offsets` array",
            got=_got(produce),
            why=f"the binary produce type must be accepted ({row})",
            exchange=produce,
        )
    return j


def judge_unsupported_content_type(exchanges: Sequence[Exchange], version: str, *, exact: bool) -> Judgement:
    """N6 / N6s on the requests sent with `Content-Type: text/plain`.

    v1 (N6): 415 with an error body and a JSON Content-Type. v2 (N6): 400 or 415.
    v2 exact (N6s): 415 with error_code 415."""
    j = Judgement()
    for ex in exchanges:
        if not _same_type(media_type(content_type_of(ex)), TEXT_PLAIN):
            continue
        body = ex.response.json_or_none() if ex.response is not None else None
        if version == "v1":
            ok = (
                ex.status == 415
                and is_error_body(body)
                and ex.response is not None
                and ex.response.is_json_labelled
            )
            expected = "415 with an error body and a JSON Content-Type"
        elif exact:
            ok = (
                ex.status == 415
                and isinstance(body, dict)
                and is_error_body(body)
                and body["error_code"] == 415
            )
            expected = "415 with error_code 415"
        else:
            ok = ex.status in (400, 415)
            expected = "400 or 415"
        j.require(
            ok,
            expected=f"{_sent(ex)}: {expected}",
            got=_got(ex),
            why="a body the server cannot read must be refused, not guessed at",
            exchange=ex,
        )
    return j


def judge_accept_table(
    exchanges: Sequence[Exchange], table: Mapping[str | None, str], row: str
) -> tuple[Judgement, int]:
    """Each exchange whose Accept the table lists is 200 with exactly that media type.
    Returns the judgement and how many exchanges the table covered."""
    j = Judgement()
    judged = 0
    for ex in exchanges:
        listed, want = _lookup(table, accept_of(ex))
        if not listed:
            continue
        judged += 1
        j.require(
            ex.status == 200 and ex.response is not None and _same_type(ex.response.media_type, want),
            expected=f"{_sent(ex)}: 200 with Content-Type {want}",
            got=_got(ex),
            why=f"the server must negotiate the response type from Accept as Confluent does ({row})",
            exchange=ex,
        )
    return j, judged


def judge_v1_accept(exchanges: Sequence[Exchange]) -> Judgement:
    """A2: v1 metadata and produce Accept (the produce table adds the binary;q=0.1 list)."""
    j = Judgement()
    meta = [e for e in exchanges if e.request.method == "GET"]
    produce = [e for e in exchanges if e.request.method == "POST"]
    j.extend(judge_accept_table(meta, V1_META_ACCEPT, "A2")[0])
    j.extend(judge_accept_table(produce, V1_PRODUCE_ACCEPT, "A2")[0])
    return j


def judge_v1_consume_accept(simple: Sequence[Exchange], consumer: Sequence[Exchange]) -> Judgement:
    """A3: simple and consumer reads answer per the consume table; simple reads of the same
    offset carry the same records whatever the Accept."""
    j = Judgement()
    j.extend(judge_accept_table(simple, V1_CONSUME_ACCEPT, "A3")[0])
    j.extend(judge_accept_table(consumer, V1_CONSUME_ACCEPT, "A3")[0])
    for ex in consumer:
        if _lookup(V1_CONSUME_ACCEPT, accept_of(ex))[0] and ex.status == 200:
            j.require(
                _records(ex) is not None,
                expected=f"{_sent(ex)}: a JSON array of records",
                got=f"{ex.response.text[:80]!r}" if ex.response is not None else "nothing",
                why="the generic Accept types select the binary reader (A3)",
                exchange=ex,
            )
    bodies = [(ex, _records(ex)) for ex in simple if _lookup(V1_CONSUME_ACCEPT, accept_of(ex))[0]]
    reference = next(((ex, recs) for ex, recs in bodies if recs), None)
    if reference is not None:
        for ex, recs in bodies:
            if ex.status != 200:
                continue  # already reported by the table
            j.require(
                recs == reference[1],
                expected=f"{_sent(ex)}: the same records as with Accept {accept_of(reference[0]) or 'none'}",
                got=f"{ex.response.text[:120]!r}" if ex.response is not None else "nothing",
                why="the Accept header selects a label, never different data (A3)",
                exchange=ex,
            )
    return j


def judge_v1_unsupported_accept(exchanges: Sequence[Exchange]) -> Judgement:
    """A4: 406 for text/plain anywhere, and for octet-stream and binary.v1 on GET /topics and
    GET /brokers; the body is empty or an error body; no Content-Type is required."""
    j = Judgement()
    for ex in exchanges:
        accept = accept_of(ex)
        parts = _path_parts(ex)
        on_list = ex.request.method == "GET" and parts in (["topics"], ["brokers"])
        unsupported = V1_UNSUPPORTED_ON_LISTS if on_list else V1_UNSUPPORTED_ANYWHERE
        if not any(_same_type(accept, u) for u in unsupported):
            continue
        body_ok = ex.response is not None and (
            not ex.response.body or is_error_body(ex.response.json_or_none())
        )
        j.require(
            ex.status == 406 and body_ok,
            expected=f"{_sent(ex)}: 406 with an empty body or an error body",
            got=_got(ex),
            why="a client that cannot read the answer must be told so, not sent a type it did not ask for (A4)",
            exchange=ex,
        )
    return j


def judge_v2_negotiated_type(exchanges: Sequence[Exchange]) -> Judgement:
    """A6: with `Accept: vnd.kafka.v2+json` a 200 body is labelled exactly that; a records read
    with `Accept: binary.v2` is labelled `binary.v2+json`."""
    j = Judgement()
    for ex in exchanges:
        if ex.status != 200 or ex.response is None or not ex.response.body:
            continue
        accept = accept_of(ex)
        if _same_type(accept, V2):
            want = V2
        elif _same_type(accept, BINARY_V2) and is_records_read(ex):
            want = BINARY_V2
        else:
            continue
        j.require(
            _same_type(ex.response.media_type, want),
            expected=f"{_sent(ex)}: Content-Type {want}",
            got=_got(ex),
            why="clients that dispatch on the negotiated type get a different one (A6)",
            exchange=ex,
        )
    return j


def judge_v2_default_accept(exchanges: Sequence[Exchange]) -> Judgement:
    """A7: no Accept or `*/*` on metadata and produce: 200 with a JSON Content-Type."""
    j = Judgement()
    for ex in exchanges:
        if not (accept_of(ex) is None or _same_type(accept_of(ex), STAR)):
            continue
        j.require(
            ex.status == 200 and ex.response is not None and ex.response.is_json_labelled,
            expected=f"{_sent(ex)}: 200 with a JSON Content-Type",
            got=_got(ex),
            why="clients that send no Accept (curl, most HTTP libraries) must be served (A7)",
            exchange=ex,
        )
    return j


def judge_v2_unsupported_accept(exchanges: Sequence[Exchange], row: str) -> Judgement:
    """A8 (metadata, produce) and A13 (records): `Accept: text/plain` gives 406."""
    j = Judgement()
    for ex in exchanges:
        if not _same_type(accept_of(ex), TEXT_PLAIN):
            continue
        j.require(
            ex.status == 406,
            expected=f"{_sent(ex)}: 406",
            got=_got(ex),
            why=f"a client that cannot read JSON must be refused, not served JSON it did not ask for ({row})",
            exchange=ex,
        )
    return j


def judge_records_served(
    reads: Sequence[Exchange], accepts: Sequence[str | None], row: str, expected_values: Sequence[str] = ()
) -> Judgement:
    """A10 / A11 / A12: for each Accept listed, the records reads sent with it end in a 200
    with the binary records (`expected_values`, when given, among them)."""
    j = Judgement()
    for accept in accepts:
        mine = [r for r in reads if _same_type(accept_of(r), accept) and is_records_read(r)]
        label = accept if accept is not None else "none"
        if not mine:
            j.fail(
                expected=f"a records read with Accept {label}",
                got="none was made",
                why="the check could not run its probe",
            )
            continue
        served = [r for r in mine if _records(r)]
        last = mine[-1]
        if not j.require(
            bool(served),
            expected=f"{_sent(last)}: 200 with the binary records",
            got=_got(last)
            if last.status != 200
            else f"200 with {last.response.text[:80] if last.response else ''!r}",
            why=f"a binary consumer must be readable with this Accept, as on Confluent ({row})",
            exchange=last,
        ):
            continue
        values = {r.get("value") for ex in served for r in _records(ex) or []}
        missing = [v for v in expected_values if v not in values]
        j.require(
            not missing,
            expected=f"{_sent(served[-1])}: the produced values {list(expected_values)}",
            got=f"values {sorted(str(v) for v in values)[:6]}",
            why=f"the read must return the records at the seeked offset ({row})",
            exchange=served[-1],
        )
    return j


def judge_empty_204(exchanges: Iterable[Exchange]) -> Judgement:
    """A14: a 204 has an empty body (a Content-Type header is tolerated).

    An HTTP/1.1 client never reads a body after a 204 (h11, like every client, frames it as
    empty), so the bytes a server sends there are invisible here and corrupt the next response
    on the connection instead. What stays visible is the framing that announces them: a
    Content-Length above 0 or a Transfer-Encoding, both forbidden on a 204 (RFC 9110 §8.6,
    RFC 9112 §6.1). Either counts as a body."""
    j = Judgement()
    for ex in exchanges:
        if ex.status != 204 or ex.response is None:
            continue
        length = (ex.response.header("content-length") or "0").strip()
        encoding = ex.response.header("transfer-encoding")
        announced = encoding is not None or not (length.isdigit() and int(length) == 0)
        if ex.response.body:
            got = f"204 with {len(ex.response.body)} bytes {ex.response.text[:60]!r}"
        else:
            got = f"204 announcing a body (Content-Length {length}, Transfer-Encoding {encoding or 'none'})"
        j.require(
            not ex.response.body and not announced,
            expected=f"{_sent(ex)}: 204 with an empty body and no body framing",
            got=got,
            why="HTTP forbids a body on 204; clients drop it and the next response on the connection breaks (A14)",
            exchange=ex,
        )
    return j


def observe_outcomes(exchanges: Iterable[Exchange], row: str) -> Judgement:
    """INFO rows: one observation per exchange, `<request> -> <status> <type>`."""
    j = Judgement()
    for ex in exchanges:
        j.observe(f"{row}: {_sent(ex)} -> {_got(ex)}")
    return j


# -- probe helpers ---------------------------------------------------------------------------------


def _unique(ctx: CheckContext, tag: str) -> str:
    return b64(f"{ctx.run_id}-{tag}-{ctx.rng.getrandbits(48):012x}".encode())


def _entry(produce: Exchange) -> tuple[int, int] | None:
    entries = _produce_entries(produce)
    if not entries:
        return None
    p, o = entries[0].get("partition"), entries[0].get("offset")
    return (p, o) if isinstance(p, int) and isinstance(o, int) else None


def _consumer_body(ctx: CheckContext, **extra: Any) -> dict[str, Any]:
    if ctx.version == "v1":
        return {"format": "binary", "auto.offset.reset": "largest", "auto.commit.enable": "false", **extra}
    return {"format": "binary", "auto.offset.reset": "earliest", "auto.commit.enable": "false", **extra}


def _instance(ctx: CheckContext, group: str, create: Exchange) -> str | None:
    """The instance path of a created consumer (built from the group and instance_id, so a
    wrong `base_uri` does not derail negotiation checks), registered for cleanup."""
    body = create.response.json_or_none() if create.status == 200 and create.response else None
    if not isinstance(body, dict) or not isinstance(body.get("instance_id"), str):
        return None
    path = instance_path(group, body["instance_id"])
    ctx.cleanup(path)
    return path


def _new_v2_consumer(ctx: CheckContext, suffix: str) -> str | None:
    group = ctx.group(suffix)
    create = ctx.api.create_consumer(group, _consumer_body(ctx))
    if create.status == 400:  # Strimzi wants the new-style flag (contract.md §5.3)
        body = {"format": "binary", "auto.offset.reset": "earliest", "enable.auto.commit": False}
        create = ctx.api.create_consumer(group, body)
    return _instance(ctx, group, create)


def _v2_read_at(
    ctx: CheckContext,
    instance: str,
    topic: str,
    partition: int,
    offset: int,
    accept: str | None,
    tries: int = 3,
    *,
    setup: bool = False,
) -> None:
    """Seek to `offset`, then read with `accept` until records arrive, a non-200 comes, or
    `tries` reads were made. The exchanges are in ctx.client.exchanges. With `setup`, a seek
    that is not taken ends the check as error (the reads would judge nothing; D18 is V2C-022's)."""
    sought = ctx.api.seek(instance, [(topic, partition, offset)])
    if setup and sought.status not in (200, 204):
        raise SetupFailed(f"setup: seeking to {topic}/{partition}@{offset}: {_got(sought)} (not judged here)")
    for _ in range(tries):
        read = ctx.api.records(instance, accept=accept)
        if read.status != 200 or _records(read):
            return


def _setup_assign(ctx: CheckContext, instance: str, topic: str, partition: int) -> None:
    assigned = ctx.api.assign(instance, [(topic, partition)])
    if assigned.status not in (200, 204):
        raise SetupFailed(f"setup: assigning {topic}/{partition}: {_got(assigned)} (not judged here)")


def _v2_read_back(ctx: CheckContext, topic: str, partition: int, offset: int) -> list[Exchange]:
    instance = _new_v2_consumer(ctx, "readback")
    if instance is None:
        raise SetupFailed("setup: could not create the read-back consumer; v2-consumer checks report why")
    before = len(ctx.client.exchanges)
    _setup_assign(ctx, instance, topic, partition)
    _v2_read_at(ctx, instance, topic, partition, offset, BINARY_V2, tries=5, setup=True)
    reads = [e for e in ctx.client.exchanges[before:] if is_records_read(e)]
    ctx.api.delete_consumer(instance)
    return reads


def _records_accept_probe(
    ctx: CheckContext, accepts: Sequence[str | None], tag: str
) -> tuple[list[Exchange], list[str]]:
    """Produce two records to partition 0, then read them with each Accept on one binary
    consumer (assign + seek before every variant). Returns the reads and the produced values."""
    values = [_unique(ctx, f"{tag}-{i}") for i in range(2)]
    produce = ctx.api.produce(ctx.topic, [{"value": v, "partition": 0} for v in values])
    at = _entry(produce)
    if at is None or at[1] < 0:
        raise SetupFailed(
            f"setup: the produce failed or gave no offset ({_got(produce)}); produce checks report why"
        )
    instance = _new_v2_consumer(ctx, tag)
    if instance is None:
        raise SetupFailed("setup: could not create a binary consumer; v2-consumer checks report why")
    before = len(ctx.client.exchanges)
    _setup_assign(ctx, instance, ctx.topic, at[0])
    for accept in accepts:
        _v2_read_at(ctx, instance, ctx.topic, at[0], at[1], accept, setup=True)
    reads = [e for e in ctx.client.exchanges[before:] if is_records_read(e)]
    ctx.api.delete_consumer(instance)
    return reads, values


# -- N: request Content-Type -----------------------------------------------------------------------


@checks.add(
    Requirement(
        id="NEG-001",
        title="v1 produce accepts the generic request types and stores raw bytes",
        area="negotiation",
        rows=("N1",),
        section="1.2",
        statement="A v1 produce with binary.v1, vnd.kafka.v1+json, vnd.kafka+json, application/json, "
        "application/octet-stream or no Content-Type gives 200 and stores the decoded bytes.",
        versions=("v1",),
    )
)
def v1_produce_request_types(ctx: CheckContext) -> Judgement:
    produces = []
    for ct in V1_PRODUCE_TYPES:
        value = _unique(ctx, f"n1-{ct or 'none'}")
        produces.append(ctx.api.produce(ctx.topic, [{"value": value}], content_type=ct))
    reads = []
    for produce in produces:
        at = _entry(produce)
        if at is not None:
            reads.append(ctx.api.messages(ctx.topic, at[0], at[1], count=1))
    return judge_produce_stored(produces, reads, "N1").extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-002",
        title="v1 consumer creation accepts the generic request types; format comes from the body",
        area="negotiation",
        rows=("N2",),
        section="1.2",
        statement="v1 consumer creation with any N1 type or json.v1 gives 200, and the consumer's "
        "format is the body's `format`, whatever the Content-Type.",
        versions=("v1",),
    )
)
def v1_consumer_request_types(ctx: CheckContext) -> Judgement:
    group = ctx.group("n2")
    creates: list[Exchange] = []
    instances: list[tuple[str | None, str]] = []
    for ct in V1_CONSUMER_TYPES:
        create = ctx.api.create_consumer(group, _consumer_body(ctx), content_type=ct)
        creates.append(create)
        path = _instance(ctx, group, create)
        if path is not None:
            instances.append((ct, path))
    format_reads = [ctx.api.v1_read(path, ctx.topic) for ct, path in instances if ct == JSON_V1]
    for _, path in instances:
        ctx.api.delete_consumer(path)
    return judge_consumer_types(creates, format_reads).extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-003",
        title="v2 produce accepts the binary request type",
        area="negotiation",
        rows=("N3",),
        section="1.3",
        statement="A v2 produce with Content-Type application/vnd.kafka.binary.v2+json gives 200.",
        versions=("v2",),
    )
)
def v2_produce_binary_type(ctx: CheckContext) -> Judgement:
    produce = ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "n3")}], content_type=BINARY_V2)
    return judge_produce_ok([produce], "N3").extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-004",
        title="v2 produce without a Content-Type is taken as binary",
        area="negotiation",
        rows=("N4",),
        section="1.3",
        statement="A v2 produce with no Content-Type (Accept vnd.kafka.v2+json) gives 200 and stores "
        "the decoded bytes, as binary.",
        versions=("v2",),
    )
)
def v2_produce_without_content_type(ctx: CheckContext) -> Judgement:
    produce = ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "n4"), "partition": 0}], content_type=None)
    at = _entry(produce)
    reads = _v2_read_back(ctx, ctx.topic, at[0], at[1]) if at is not None else []
    return judge_produce_stored([produce], reads, "N4")


@checks.add(
    Requirement(
        id="NEG-005",
        title="v2 produce and consumer creation with other generic types (recorded)",
        area="negotiation",
        rows=("N5",),
        section="1.3",
        statement="What a v2 server answers to produce or consumer creation with application/json, "
        "octet-stream, vnd.kafka.v2+json or binary.v1 is recorded (5.5: 406 or 200; 7.5: 415).",
        versions=("v2",),
    )
)
def v2_other_request_types(ctx: CheckContext) -> Judgement:
    sent: list[Exchange] = []
    for ct in V2_RECORDED_PRODUCE_TYPES:
        sent.append(ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "n5")}], content_type=ct))
    group = ctx.group("n5")
    for ct in V2_RECORDED_CONSUMER_TYPES:
        create = ctx.api.create_consumer(group, _consumer_body(ctx), content_type=ct)
        sent.append(create)
        path = _instance(ctx, group, create)
        if path is not None:
            ctx.api.delete_consumer(path)
    return observe_outcomes(sent, "N5")


def _text_plain_requests(ctx: CheckContext, tag: str) -> list[Exchange]:
    produce = ctx.api.produce(ctx.topic, [{"value": _unique(ctx, tag)}], content_type=TEXT_PLAIN)
    group = ctx.group(tag)
    create = ctx.api.create_consumer(group, _consumer_body(ctx), content_type=TEXT_PLAIN)
    path = _instance(ctx, group, create)
    if path is not None:
        ctx.api.delete_consumer(path)
    return [produce, create]


@checks.add(
    Requirement(
        id="NEG-006",
        title="An unsupported request type (text/plain) is refused",
        area="negotiation",
        rows=("N6",),
        section="1.2, 1.3",
        statement="Produce and consumer creation with Content-Type text/plain are refused: v1 415 with "
        "an error body and a JSON Content-Type; v2 400 or 415.",
    )
)
def unsupported_request_type(ctx: CheckContext) -> Judgement:
    sent = _text_plain_requests(ctx, "n6")
    return judge_unsupported_content_type(sent, ctx.version, exact=False).extend(
        judge_labels(ctx.client.exchanges)
    )


@checks.add(
    Requirement(
        id="NEG-007",
        title="An unsupported request type is refused with 415/415",
        area="negotiation",
        rows=("N6s",),
        section="1.3",
        statement="v2 produce and consumer creation with Content-Type text/plain give 415 with "
        "error_code 415.",
        versions=("v2",),
    )
)
def unsupported_request_type_exact(ctx: CheckContext) -> Judgement:
    sent = _text_plain_requests(ctx, "n6s")
    return judge_unsupported_content_type(sent, ctx.version, exact=True)


@checks.add(
    Requirement(
        id="NEG-008",
        title="v2 consumer creation with vnd.kafka.v2+json and with no Content-Type",
        area="negotiation",
        rows=("N7",),
        section="1.3",
        statement="v2 consumer creation succeeds (200) with Content-Type vnd.kafka.v2+json and with "
        "no Content-Type.",
        versions=("v2",),
    )
)
def v2_consumer_request_types(ctx: CheckContext) -> Judgement:
    group = ctx.group("n7")
    creates = []
    for ct in (V2, None):
        create = ctx.api.create_consumer(group, _consumer_body(ctx), content_type=ct)
        creates.append(create)
        path = _instance(ctx, group, create)
        if path is not None:
            ctx.api.delete_consumer(path)
    return judge_consumer_types(creates)


# Requests the suite never sends (N8), and why: each reaches a handler outside the binary subset,
# or depends on a server version in a way no check may rely on.
NEVER_SENT: tuple[tuple[str, str], ...] = (
    (f"produce with {JSON_V1}, {JSON_V2} or {AVRO_V1}", "reaches the JSON or Avro handler (§1.1)"),
    ("a Content-Type on a body-less GET", "5.5 v1 answers some with 415 (§1.2)"),
    ("GET …/offsets with a body but no Content-Type", "200 on 5.5/7.5, 415 per GH#417 (§1.3)"),
)


@checks.add(
    Requirement(
        id="NEG-009",
        title="Requests outside the binary subset are never sent",
        area="negotiation",
        rows=("N8",),
        section="1.1–1.3",
        statement="The suite never sends other embedded formats on a binary path, a Content-Type on a "
        "body-less GET, or a GET …/offsets body without Content-Type; they are recorded only.",
    )
)
def never_sent_requests(ctx: CheckContext) -> Judgement:
    j = Judgement()
    for what, why in NEVER_SENT:
        j.observe(f"N8: not sent by policy: {what}; {why}")
    return j


# -- A: Accept and response Content-Type -----------------------------------------------------------


def _sweep(ctx: CheckContext) -> None:
    """One request per endpoint the suite uses, with the Accept variants a client may send."""
    api, topic = ctx.api, ctx.topic
    api.root()
    for accept in (NO_ACCEPT, STAR, ctx.api.media.generic):
        api.topics(accept=accept)
        api.topic(topic, accept=accept)
        api.produce(topic, [{"value": _unique(ctx, "a1")}], accept=accept)
    api.partitions(topic)
    api.partition(topic, 0)
    api.brokers()
    produce = api.produce(topic, [{"value": _unique(ctx, "a1p")}], partition=0)
    at = _entry(produce)
    if ctx.version == "v1":
        if at is not None:
            for accept in (NO_ACCEPT, STAR, BINARY_V1, JSON):
                api.messages(topic, 0, at[1], count=1, accept=accept)
        group = ctx.group("a1")
        path = _instance(ctx, group, api.create_consumer(group, _consumer_body(ctx)))
        if path is not None:
            api.v1_read(path, topic)
            api.v1_commit(path)
            api.delete_consumer(path)
        return
    api.partition_offsets(topic, 0)
    instance = _new_v2_consumer(ctx, "a1")
    if instance is None:
        return
    api.subscribe(instance, [topic])
    api.subscription(instance)
    api.unsubscribe(instance)
    api.assign(instance, [(topic, 0)])
    api.assignments(instance)
    if at is not None:
        for accept in (NO_ACCEPT, BINARY_V2):
            _v2_read_at(ctx, instance, topic, 0, at[1], accept, tries=2)
        api.commit(instance, [(topic, 0, at[1])])
        api.committed(instance, [(topic, 0)])
    api.delete_consumer(instance)


@checks.add(
    Requirement(
        id="NEG-010",
        title="JSON success bodies are labelled JSON and parse",
        area="negotiation",
        rows=("A1", "E4"),
        section="1.2, 1.3, 3.1",
        statement="Every 200 with a body, on every endpoint and for every Accept a client may send, has "
        "a JSON Content-Type and parses; any JSON-labelled body parses.",
    )
)
def json_bodies_labelled(ctx: CheckContext) -> Judgement:
    _sweep(ctx)
    return judge_labels(ctx.client.exchanges)


@checks.add(
    Requirement(
        id="NEG-011",
        title="v1 metadata and produce negotiate the response type from Accept",
        area="negotiation",
        rows=("A2",),
        section="1.2",
        statement="v1 metadata and produce answer vnd.kafka.v1+json to no Accept or */*, echo "
        "application/json and vnd.kafka+json, and honour q-values.",
        versions=("v1",),
    )
)
def v1_metadata_produce_accept(ctx: CheckContext) -> Judgement:
    for accept in V1_META_ACCEPT:
        ctx.api.topics(accept=accept)
        ctx.api.topic(ctx.topic, accept=accept)
    for accept in V1_PRODUCE_ACCEPT:
        ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a2")}], accept=accept)
    return judge_v1_accept(ctx.client.exchanges).extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-012",
        title="v1 consume negotiates the response type from Accept",
        area="negotiation",
        rows=("A3",),
        section="1.2",
        statement="v1 simple and consumer reads answer binary.v1 to no Accept or */*, and echo "
        "vnd.kafka.v1+json, vnd.kafka+json and application/json with the same records.",
        versions=("v1",),
    )
)
def v1_consume_accept(ctx: CheckContext) -> Judgement:
    produce = ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a3")}], partition=0)
    at = _entry(produce)
    if at is None or at[1] < 0:
        raise SetupFailed(
            f"setup: the produce failed or gave no offset ({_got(produce)}); produce checks report why"
        )
    simple = [ctx.api.messages(ctx.topic, 0, at[1], count=1, accept=a) for a in V1_CONSUME_ACCEPT]
    group = ctx.group("a3")
    path = _instance(ctx, group, ctx.api.create_consumer(group, _consumer_body(ctx)))
    consumer: list[Exchange] = []
    if path is not None:
        for accept in V1_CONSUME_ACCEPT:
            # a fresh record before each read, so a read returns at once instead of waiting out
            # consumer.request.timeout.ms on an empty topic
            ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a3c")}])
            consumer.append(ctx.api.v1_read(path, ctx.topic, accept=accept))
        ctx.api.delete_consumer(path)
    return judge_v1_consume_accept(simple, consumer).extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-013",
        title="v1 unsupported Accept gives 406",
        area="negotiation",
        rows=("A4",),
        section="1.2, 3.1",
        statement="v1 answers 406 (body empty or an error body; Content-Type not required) to Accept "
        "text/plain anywhere, and to octet-stream or binary.v1 on GET /topics and GET /brokers.",
        versions=("v1",),
    )
)
def v1_unsupported_accept(ctx: CheckContext) -> Judgement:
    for accept in V1_UNSUPPORTED_ON_LISTS:
        ctx.api.topics(accept=accept)
        ctx.api.brokers(accept=accept)
    ctx.api.topic(ctx.topic, accept=TEXT_PLAIN)
    ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a4")}], accept=TEXT_PLAIN)
    produce = ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a4r")}], partition=0)
    at = _entry(produce)
    if at is not None:
        ctx.api.messages(ctx.topic, 0, at[1], count=1, accept=TEXT_PLAIN)
    group = ctx.group("a4")
    path = _instance(ctx, group, ctx.api.create_consumer(group, _consumer_body(ctx)))
    if path is not None:
        ctx.api.v1_read(path, ctx.topic, accept=TEXT_PLAIN)
        ctx.api.delete_consumer(path)
    return judge_v1_unsupported_accept(ctx.client.exchanges)


@checks.add(
    Requirement(
        id="NEG-014",
        title="v1 binary.v1 Accept on produce and partition GET (recorded)",
        area="negotiation",
        rows=("A5",),
        section="1.2",
        statement="What v1 answers to Accept binary.v1 on topic produce, partition produce and "
        "GET /topics/{t}/partitions/{p} is recorded (Confluent: 406, echoed, echoed).",
        versions=("v1",),
    )
)
def v1_binary_accept_recorded(ctx: CheckContext) -> Judgement:
    sent = [
        ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a5")}], accept=BINARY_V1),
        ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a5p")}], partition=0, accept=BINARY_V1),
        ctx.api.partition(ctx.topic, 0, accept=BINARY_V1),
    ]
    return observe_outcomes(sent, "A5")


@checks.add(
    Requirement(
        id="NEG-015",
        title="v2 responses carry the negotiated Content-Type",
        area="negotiation",
        rows=("A6",),
        section="1.3",
        statement="With Accept vnd.kafka.v2+json, metadata, produce and consumer management answer "
        "application/vnd.kafka.v2+json; records read with Accept binary.v2 answer binary.v2+json.",
        versions=("v2",),
    )
)
def v2_negotiated_type(ctx: CheckContext) -> Judgement:
    api = ctx.api
    api.root()
    api.topics()
    api.topic(ctx.topic)
    api.partitions(ctx.topic)
    api.partition(ctx.topic, 0)
    produce = api.produce(ctx.topic, [{"value": _unique(ctx, "a6"), "partition": 0}])
    at = _entry(produce)
    instance = _new_v2_consumer(ctx, "a6")
    if instance is not None:
        api.subscribe(instance, [ctx.topic])
        api.subscription(instance)
        api.unsubscribe(instance)
        api.assign(instance, [(ctx.topic, 0)])
        api.assignments(instance)
        if at is not None:
            _v2_read_at(ctx, instance, ctx.topic, 0, at[1], BINARY_V2)
            api.commit(instance, [(ctx.topic, 0, at[1])])
            api.committed(instance, [(ctx.topic, 0)])
        api.delete_consumer(instance)
    return judge_v2_negotiated_type(ctx.client.exchanges)


@checks.add(
    Requirement(
        id="NEG-016",
        title="v2 metadata and produce serve no Accept and */*",
        area="negotiation",
        rows=("A7",),
        section="1.3",
        statement="v2 metadata and produce with no Accept or Accept */* give 200 with a JSON Content-Type.",
        versions=("v2",),
    )
)
def v2_default_accept(ctx: CheckContext) -> Judgement:
    for accept in (NO_ACCEPT, STAR):
        ctx.api.topics(accept=accept)
        ctx.api.topic(ctx.topic, accept=accept)
        ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a7")}], accept=accept)
    return judge_v2_default_accept(ctx.client.exchanges).extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-017",
        title="v2 metadata and produce refuse Accept text/plain",
        area="negotiation",
        rows=("A8",),
        section="1.3",
        statement="v2 metadata and produce with Accept text/plain give 406.",
        versions=("v2",),
    )
)
def v2_unsupported_accept(ctx: CheckContext) -> Judgement:
    ctx.api.topics(accept=TEXT_PLAIN)
    ctx.api.topic(ctx.topic, accept=TEXT_PLAIN)
    ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a8")}], accept=TEXT_PLAIN)
    return judge_v2_unsupported_accept(ctx.client.exchanges, "A8")


@checks.add(
    Requirement(
        id="NEG-018",
        title="v2 application/json and binary.v2 Accept on metadata and produce (recorded)",
        area="negotiation",
        rows=("A9",),
        section="1.3",
        statement="What v2 answers to Accept application/json on metadata and produce, and to "
        "binary.v2 on metadata, produce and partition produce, is recorded (5.5 and 7.5 differ).",
        versions=("v2",),
    )
)
def v2_other_accept_recorded(ctx: CheckContext) -> Judgement:
    sent = []
    for accept in (JSON, BINARY_V2):
        sent.append(ctx.api.topics(accept=accept))
        sent.append(ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a9")}], accept=accept))
    sent.append(ctx.api.produce(ctx.topic, [{"value": _unique(ctx, "a9p")}], partition=0, accept=BINARY_V2))
    return observe_outcomes(sent, "A9")


@checks.add(
    Requirement(
        id="NEG-019",
        title="v2 records are served with Accept binary.v2",
        area="negotiation",
        rows=("A10",),
        section="2.2#17",
        statement="A binary consumer's records read with Accept application/vnd.kafka.binary.v2+json "
        "gives 200 with the records.",
        versions=("v2",),
    )
)
def v2_records_binary_accept(ctx: CheckContext) -> Judgement:
    reads, values = _records_accept_probe(ctx, (BINARY_V2,), "a10")
    return judge_records_served(reads, (BINARY_V2,), "A10", values).extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-020",
        title="v2 records are served with no Accept, */* and vnd.kafka.v2+json",
        area="negotiation",
        rows=("A11",),
        section="1.3",
        statement="A binary consumer's records read with no Accept, Accept */* or "
        "vnd.kafka.v2+json gives 200 with the binary records.",
        versions=("v2",),
    )
)
def v2_records_generic_accept(ctx: CheckContext) -> Judgement:
    reads, values = _records_accept_probe(ctx, A11_ACCEPTS, "a11")
    return judge_records_served(reads, A11_ACCEPTS, "A11", values)


@checks.add(
    Requirement(
        id="NEG-021",
        title="v2 records are served with a parameter on binary.v2",
        area="negotiation",
        rows=("A12",),
        section="1.3",
        statement="A binary consumer's records read with Accept "
        "`application/vnd.kafka.binary.v2+json; charset=utf-8` gives 200.",
        versions=("v2",),
    )
)
def v2_records_accept_parameter(ctx: CheckContext) -> Judgement:
    reads, values = _records_accept_probe(ctx, (A12_ACCEPT,), "a12")
    return judge_records_served(reads, (A12_ACCEPT,), "A12", values)


@checks.add(
    Requirement(
        id="NEG-022",
        title="v2 records refuse Accept text/plain",
        area="negotiation",
        rows=("A13",),
        section="1.3",
        statement="A binary consumer's records read with Accept text/plain gives 406.",
        versions=("v2",),
    )
)
def v2_records_text_plain(ctx: CheckContext) -> Judgement:
    reads, _ = _records_accept_probe(ctx, (TEXT_PLAIN,), "a13")
    return judge_v2_unsupported_accept(reads, "A13").extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-023",
        title="204 responses have an empty body",
        area="negotiation",
        rows=("A14",),
        section="2.1#11, 2.2",
        statement="Every 204 (consumer delete; v2 subscribe, unsubscribe, assign, seek) has an empty "
        "body; a Content-Type header is tolerated.",
    )
)
def empty_204(ctx: CheckContext) -> Judgement:
    if ctx.version == "v1":
        group = ctx.group("a14")
        path = _instance(ctx, group, ctx.api.create_consumer(group, _consumer_body(ctx)))
        if path is None:
            raise SetupFailed("setup: could not create a consumer; v1-consumer checks report why")
        ctx.api.delete_consumer(path)
    else:
        instance = _new_v2_consumer(ctx, "a14")
        if instance is None:
            raise SetupFailed("setup: could not create a consumer; v2-consumer checks report why")
        ctx.api.subscribe(instance, [ctx.topic])
        ctx.api.unsubscribe(instance)
        ctx.api.assign(instance, [(ctx.topic, 0)])
        ctx.api.seek_to(instance, "beginning", [(ctx.topic, 0)])
        ctx.api.seek_to(instance, "end", [(ctx.topic, 0)])
        ctx.api.delete_consumer(instance)
    j = judge_empty_204(ctx.client.exchanges)
    if not any(e.status == 204 for e in ctx.client.exchanges):
        j.observe("A14: no 204 was answered (the consumer calls returned other statuses)")
    return j.extend(judge_labels(ctx.client.exchanges))


# -- media-type parameters on request bodies --------------------------------------------------------

CHARSET = "; charset=utf-8"


def body_operations(version: str) -> dict[str, str]:
    """operationId -> the first request media type openapi.yaml declares for it, for every
    operation of `version` that takes a body. The spec is the one list of such operations."""
    out: dict[str, str] = {}
    for item in contract.version_view(version)["paths"].values():
        for op in item.values():
            content = op.get("requestBody", {}).get("content") if isinstance(op, dict) else None
            if content:
                out[op["operationId"]] = next(iter(content))
    return out


class _BodyRound:
    """One request per body operation, each with the operation's declared type plus a charset
    parameter; the state the later operations need (an instance, a produced offset) is set up
    with plain requests when the parameterised one is refused."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.topic = ctx.topic
        self.group = ctx.group("ctp")
        self.instance: str | None = None
        self.at: tuple[int, int] | None = None

    def _post(self, op_ct: str, path: str, body: Any, method: str = "POST") -> Exchange:
        headers = {"Accept": self.ctx.api.media.generic, "Content-Type": op_ct + CHARSET}
        return self.ctx.client.send(
            method, path, headers=headers, json=body, label="parameterised Content-Type"
        )

    def produce_topic(self, ct: str) -> Exchange:
        value = _unique(self.ctx, "ctp-topic")
        return self._post(ct, f"/topics/{seg(self.topic)}", {"records": [{"value": value, "partition": 0}]})

    def produce_partition(self, ct: str) -> Exchange:
        sent = self._post(
            ct,
            f"/topics/{seg(self.topic)}/partitions/0",
            {"records": [{"value": _unique(self.ctx, "ctp-p")}]},
        )
        self.at = self.at or _entry(sent)
        return sent

    def create_consumer(self, ct: str) -> Exchange:
        create = self._post(ct, f"/consumers/{seg(self.group)}", _consumer_body(self.ctx))
        self.instance = _instance(self.ctx, self.group, create)
        if self.instance is None:  # refused with the parameter: a plain one for the rest
            self.instance = (
                _new_v2_consumer(self.ctx, "ctp2")
                if self.ctx.version == "v2"
                else _instance(
                    self.ctx, self.group, self.ctx.api.create_consumer(self.group, _consumer_body(self.ctx))
                )
            )
        return create

    def _on_instance(self, ct: str, suffix: str, body: Any, method: str = "POST") -> Exchange | None:
        if self.instance is None:
            return None
        return self._post(ct, f"{self.instance}/{suffix}", body, method)

    def _partitions(self) -> dict[str, Any]:
        return {"partitions": [{"topic": self.topic, "partition": 0}]}

    def _offsets(self) -> dict[str, Any]:
        offset = self.at[1] if self.at else 0
        return {"offsets": [{"topic": self.topic, "partition": 0, "offset": offset}]}

    def subscribe(self, ct: str) -> Exchange | None:
        sent = self._on_instance(ct, "subscription", {"topics": [self.topic]})
        if self.instance is not None:
            self.ctx.api.unsubscribe(self.instance)  # assign below needs no subscription
        return sent

    def assign(self, ct: str) -> Exchange | None:
        sent = self._on_instance(ct, "assignments", self._partitions())
        if self.instance is not None and (sent is None or sent.status not in (200, 204)):
            self.ctx.api.assign(self.instance, [(self.topic, 0)])
        return sent

    def seek(self, ct: str) -> Exchange | None:
        return self._on_instance(ct, "positions", self._offsets())

    def seek_beginning(self, ct: str) -> Exchange | None:
        return self._on_instance(ct, "positions/beginning", self._partitions())

    def seek_end(self, ct: str) -> Exchange | None:
        return self._on_instance(ct, "positions/end", self._partitions())

    def commit(self, ct: str) -> Exchange | None:
        return self._on_instance(ct, "offsets", self._offsets())

    def committed(self, ct: str) -> Exchange | None:
        return self._on_instance(ct, "offsets", self._partitions(), method="GET")


# Which request of the round sends each body operation of openapi.yaml; a test keeps the two
# equal, so an operation added to the spec cannot be left out silently.
BODY_SENDERS: dict[str, Any] = {
    "produceToTopic": _BodyRound.produce_topic,
    "produceToPartition": _BodyRound.produce_partition,
    "createConsumer": _BodyRound.create_consumer,
    "subscribe": _BodyRound.subscribe,
    "assign": _BodyRound.assign,
    "seek": _BodyRound.seek,
    "seekToBeginning": _BodyRound.seek_beginning,
    "seekToEnd": _BodyRound.seek_end,
    "commitOffsets": _BodyRound.commit,
    "getCommittedOffsets": _BodyRound.committed,
}
# The order the round needs: produce first (offsets to seek and commit), then a consumer.
BODY_ORDER = tuple(BODY_SENDERS)


def judge_parameterised_produce(produces: Sequence[Exchange], reads: Sequence[Exchange]) -> Judgement:
    """P4 under a parameterised Content-Type: a refusal is recorded (§8 fixes no outcome for a
    parameter on a request type), but a produce answered 200 must have stored the records it
    reports, byte for byte, at the offsets it reports."""
    j = Judgement()
    accepted = [p for p in produces if _produce_entries(p) is not None]
    j.extend(judge_produce_stored(accepted, reads, "P4"))
    return j


@checks.add(
    Requirement(
        id="NEG-024",
        title="A charset parameter on the request Content-Type never changes what is stored",
        area="negotiation",
        rows=("P4", "A1", "N8"),
        section="1.2, 1.3, 4.4",
        statement="Every operation that takes a body is sent its declared type with `; charset=utf-8`; "
        "what each answers is recorded, and a produce answered 200 stores its records byte for byte "
        "at the offsets it reports.",
    )
)
def content_type_parameter(ctx: CheckContext) -> Judgement:
    round_ = _BodyRound(ctx)
    sent: list[Exchange] = []
    produces: list[Exchange] = []
    for operation_id, ct in sorted(
        body_operations(ctx.version).items(), key=lambda kv: BODY_ORDER.index(kv[0])
    ):
        exchange = BODY_SENDERS[operation_id](round_, ct)
        if exchange is not None:
            sent.append(exchange)
            if operation_id.startswith("produce"):
                produces.append(exchange)
    reads: list[Exchange] = []
    for produce in produces:
        at = _entry(produce)
        if at is None:
            continue
        if ctx.version == "v1":
            reads.append(ctx.api.messages(ctx.topic, at[0], at[1], count=1))
        else:
            reads += _v2_read_back(ctx, ctx.topic, at[0], at[1])
    if round_.instance is not None:
        ctx.api.delete_consumer(round_.instance)
    j = judge_parameterised_produce(produces, reads)
    j.extend(observe_outcomes(sent, "Content-Type with a charset parameter (no §8 outcome)"))
    return j.extend(judge_labels(ctx.client.exchanges))


# -- Accept with parameters and q-weights on every read ---------------------------------------------

# A2 names the weighted lists; §1.2 says every v1 metadata and produce resource negotiates them
# the same way (client q, then server qs). NEG-011 covers /topics, /topics/{t} and topic produce;
# these are the rest of the metadata and produce resources.
PARAMETER_ACCEPTS = {"v1": f"{V1}{CHARSET}", "v2": f"{V2}{CHARSET}"}
WEIGHTED_V2 = f"{TEXT_PLAIN};q=0.5, {V2};q=0.9"


def _v1_weighted_sweep(ctx: CheckContext) -> tuple[list[Exchange], list[Exchange]]:
    """(metadata GETs, partition produces) with every A2 list, on the resources NEG-011 leaves out."""
    api, topic = ctx.api, ctx.topic
    meta: list[Exchange] = []
    produce: list[Exchange] = []
    for accept in (WEIGHTED_META, KAFKA_DEFAULT, JSON):
        meta += [api.root(accept=accept), api.brokers(accept=accept)]
        meta += [api.partitions(topic, accept=accept), api.partition(topic, 0, accept=accept)]
    for accept in (WEIGHTED_META, WEIGHTED_PRODUCE):
        produce.append(api.produce(topic, [{"value": _unique(ctx, "a2w")}], partition=0, accept=accept))
    return meta, produce


def judge_v1_weighted_everywhere(meta: Sequence[Exchange], produce: Sequence[Exchange]) -> Judgement:
    """A2 on the metadata GETs and partition produces NEG-025 sends: each listed Accept gives
    200 with the type the A2 tables name."""
    j = judge_accept_table(meta, V1_META_ACCEPT, "A2")[0]
    return j.extend(judge_accept_table(produce, V1_PRODUCE_ACCEPT, "A2")[0])


@checks.add(
    Requirement(
        id="NEG-025",
        title="v1 weighted Accept lists are honoured on every metadata and produce resource",
        area="negotiation",
        rows=("A2",),
        section="1.2",
        statement="GET /, /brokers, /topics/{t}/partitions and /partitions/{p}, and partition produce, "
        "answer the A2 weighted lists with the type client q then server qs choose (vnd.kafka+json; "
        "application/json for `binary.v1;q=0.1, json;q=0.9` on produce), and echo vnd.kafka+json and "
        "application/json.",
        versions=("v1",),
    )
)
def v1_weighted_accept_everywhere(ctx: CheckContext) -> Judgement:
    meta, produce = _v1_weighted_sweep(ctx)
    j = judge_v1_weighted_everywhere(meta, produce)
    # A parameter on an Accept type: §8 lists none, so what comes back is recorded only.
    recorded = [
        ctx.api.topics(accept=PARAMETER_ACCEPTS["v1"]),
        ctx.api.partition(ctx.topic, 0, accept=PARAMETER_ACCEPTS["v1"]),
    ]
    at = _entry(produce[0]) if produce else None
    if at is not None:
        recorded.append(ctx.api.messages(ctx.topic, at[0], at[1], count=1, accept=f"{BINARY_V1}{CHARSET}"))
    j.extend(observe_outcomes(recorded, "Accept with a parameter (no §8 outcome)"))
    return j.extend(judge_labels(ctx.client.exchanges))


@checks.add(
    Requirement(
        id="NEG-026",
        title="v2 Accept with a parameter or q-weights on every read (recorded)",
        area="negotiation",
        rows=("A9",),
        section="1.3",
        statement="What v2 metadata and consumer reads answer to Accept `vnd.kafka.v2+json; charset=utf-8` "
        "and to `text/plain;q=0.5, vnd.kafka.v2+json;q=0.9` is recorded; §8 fixes no outcome for them.",
        versions=("v2",),
    )
)
def v2_parameter_accept_recorded(ctx: CheckContext) -> Judgement:
    api, topic = ctx.api, ctx.topic
    sent: list[Exchange] = []
    instance = _new_v2_consumer(ctx, "a9p")
    for accept in (PARAMETER_ACCEPTS["v2"], WEIGHTED_V2):
        headers = {"Accept": accept}
        paths = ["/", "/topics", f"/topics/{seg(topic)}", f"/topics/{seg(topic)}/partitions"]
        paths += [
            f"/topics/{seg(topic)}/partitions/0",
            f"/topics/{seg(topic)}/partitions/0/offsets",
            "/brokers",
        ]
        if instance is not None:
            paths += [f"{instance}/subscription", f"{instance}/assignments"]
        sent += [ctx.client.get(path, headers=headers) for path in paths]
    if instance is not None:
        api.assign(instance, [(topic, 0)])
        for accept in (f"{BINARY_V2};q=0.9, {TEXT_PLAIN};q=0.1", f"{BINARY_V2}{CHARSET}"):
            sent.append(api.records(instance, accept=accept, timeout=200))
        api.delete_consumer(instance)
    return observe_outcomes(sent, "A9 (Accept with a parameter or q-weights)")
