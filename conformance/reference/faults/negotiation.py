"""Negotiation faults: Accept and Content-Type (contract.md §8.5, §8.6).

Request hooks run before routing, so they recognise endpoints by method and path (`_route`).
The `karapace-` and `strimzi-` faults reproduce what those servers were recorded doing
(contract.md §5.2, §5.3); none reproduces a behaviour §8 lists for a Confluent server.
"""

from __future__ import annotations

import base64
import json
import re

from conformance import media as mt
from conformance.reference.faults.model import BOTH, V1, V2, Answer, Call, Fault, ProduceItem

_INSTANCE = r"/consumers/[^/]+/instances/[^/]+"
_PATTERNS = {
    "produce": ("POST", re.compile(r"/topics/[^/]+(/partitions/[^/]+)?")),
    "create_consumer": ("POST", re.compile(r"/consumers/[^/]+")),
    "records": ("GET", re.compile(_INSTANCE + r"/records")),
}


def _route(call: Call, name: str) -> bool:
    method, pattern = _PATTERNS[name]
    return call.method == method and pattern.fullmatch(call.path) is not None


def _media(header: str | None) -> str | None:
    if header is None:
        return None
    return header.split(";", 1)[0].strip().lower() or None


def _error(status: int, code: int, message: str, content_type: str | None) -> Answer:
    headers = {"content-type": content_type} if content_type else {}
    return Answer(status, headers, json.dumps({"error_code": code, "message": message}).encode())


def _generic(call: Call) -> str:
    return mt.MEDIA[call.api_version].generic


async def _answer_any_accept(call: Call) -> Answer | None:
    # Lenient servers treat an Accept they cannot produce as if none were sent.
    accept = call.headers.get("accept", "")
    if accept and "json" not in accept and "*" not in accept:
        del call.headers["accept"]
    return None


async def _text_plain_as_json(call: Call) -> Answer | None:
    # A body parser that sniffs JSON whatever the label: the type is dropped, so any
    # @Consumes matches (a missing Content-Type is accepted, §1.2/§1.3).
    if _media(call.headers.get("content-type")) == mt.TEXT_PLAIN:
        del call.headers["content-type"]
    return None


async def _produce_needs_content_type(call: Call) -> Answer | None:
    if _route(call, "produce") and "content-type" not in call.headers:
        return _error(415, 415, "HTTP 415 Unsupported Media Type", _generic(call))
    return None


def _missing_type_as_json(call: Call, item: ProduceItem) -> ProduceItem:
    # Karapace's source reads a produce without Content-Type as the JSON embedded format
    # (contract.md §5.2 [KP]): the base64 text itself, quoted, is what gets stored.
    if "content-type" not in call.headers and item.value is not None:
        item.value = json.dumps(base64.b64encode(item.value).decode()).encode()
    return item


async def _binary_v2_produce_refused(call: Call) -> Answer | None:
    if _route(call, "produce") and _media(call.headers.get("content-type")) == mt.BINARY_V2:
        return _error(415, 415, "HTTP 415 Unsupported Media Type", mt.V2)
    return None


def _produce_labelled_text(call: Call, answer: Answer) -> Answer:
    if call.route in ("produce_topic", "produce_partition") and answer.status == 200:
        answer.headers["content-type"] = "text/plain"
    return answer


async def _first_listed_accept(call: Call) -> Answer | None:
    # Takes the first range of a list and ignores every q-value: right for single types,
    # wrong only for weighted lists.
    accept = call.headers.get("accept", "")
    if "q=" in accept:
        call.headers["accept"] = accept.split(",", 1)[0].split(";", 1)[0].strip()
    return None


async def _accept_required(call: Call) -> Answer | None:
    if not call.headers.get("accept", "").strip():
        return Answer(406, {}, json.dumps({"error_code": 406, "message": "HTTP 406 Not Acceptable"}).encode())
    return None


async def _records_binary_accept_refused(call: Call) -> Answer | None:
    if _route(call, "records") and _media(call.headers.get("accept")) == mt.BINARY_V2:
        return Answer(406, {}, json.dumps({"error_code": 406, "message": "HTTP 406 Not Acceptable"}).encode())
    return None


def _format_from_content_type(call: Call, instance: object, answer: dict[str, object]) -> dict[str, object]:
    # The embedded format is taken from the request's Content-Type instead of the body's
    # `format` (§1.2: only the body field decides).
    label = _media(call.headers.get("content-type"))
    for fmt in ("json", "avro"):
        if label == f"application/vnd.kafka.{fmt}.v1+json":
            instance.format = fmt  # type: ignore[attr-defined]
    return answer


def _records_generic_label(call: Call, answer: Answer) -> Answer:
    # The record-list serializer has its own writer that labels with the generic type; the
    # empty list goes through the default one and is labelled right.
    if call.route == "records" and answer.status == 200 and answer.body.strip() != b"[]":
        answer.headers["content-type"] = mt.V2
    return answer


def _chunked_204(call: Call, answer: Answer) -> Answer:
    # A server that streams every answer chunked, 204s included: the framing announces a body
    # (a real server then sends the "0" terminator too; h11 here cannot, the header shows it).
    if answer.status == 204:
        answer.headers["transfer-encoding"] = "chunked"
    return answer


def _has_parameter(call: Call) -> bool:
    return ";" in call.headers.get("content-type", "")


def _parameter_as_json(call: Call, item: ProduceItem) -> ProduceItem:
    # The produce dispatches on the whole Content-Type string: with a parameter it matches no
    # binary type and falls through to the JSON embedded format, which stores the quoted text.
    if _has_parameter(call) and item.value is not None:
        item.value = json.dumps(base64.b64encode(item.value).decode()).encode()
    return item


def _parameter_undecoded_on_partition(call: Call, item: ProduceItem) -> ProduceItem:
    # The partition produce's reader picks its decoder by exact type; with a parameter it takes
    # the body as text and stores each value's base64 characters instead of their bytes.
    if call.route == "produce_partition" and _has_parameter(call) and item.value is not None:
        item.value = base64.b64encode(item.value)
    return item


_TOPIC_RESOURCE = re.compile(r"/topics(/[^/]+)?")  # GET /topics, GET or POST /topics/{t}
_PARTITION_RESOURCE = re.compile(r"/topics/[^/]+/partitions(/[^/]+)?")


async def _q_values_ignored_off_topic_routes(call: Call) -> Answer | None:
    # The q-value fix reached only the resources the vendor tested (/topics and /topics/{t}):
    # elsewhere a weighted list is answered with its first type.
    accept = call.headers.get("accept", "")
    if "q=" in accept and not _TOPIC_RESOURCE.fullmatch(call.path):
        call.headers["accept"] = accept.split(",", 1)[0].split(";", 1)[0].strip()
    return None


async def _weighted_accept_406_on_partitions(call: Call) -> Answer | None:
    # The partition resources run a strict Accept parser that reads a parameter as part of the
    # media type, so a q-weighted list there matches nothing (406, as a framework refusal).
    if "q=" in call.headers.get("accept", "") and _PARTITION_RESOURCE.fullmatch(call.path):
        return Answer(406, {}, json.dumps({"error_code": 406, "message": "HTTP 406 Not Acceptable"}).encode())
    return None


# -- real servers ----------------------------------------------------------------------------------


def _karapace_labels(call: Call, answer: Answer) -> Answer:
    # Karapace 3.16.0: json.v2 on every JSON body; 204s and GET / carry application/json (§5.2).
    if answer.status == 204 or call.route == "root":
        answer.headers["content-type"] = "application/json"
    elif answer.body and _media(answer.headers.get("content-type")) not in (None, "text/plain"):
        answer.headers["content-type"] = mt.JSON_V2
    return answer


_KARAPACE_FORMATS = {mt.BINARY_V2: "binary", mt.JSON_V2: "json", mt.AVRO_V2: "avro"}


async def _karapace_records_format(call: Call) -> Answer | None:
    # Karapace 3.16.0 takes the consume format from Accept only: none, */*, vnd.kafka.v2+json and
    # application/json name no format -> 406/40601 (§5.2; text/plain stays a plain 406).
    if not _route(call, "records"):
        return None
    accept = _media(call.headers.get("accept"))
    if accept in _KARAPACE_FORMATS or accept == mt.TEXT_PLAIN:
        return None
    message = "Consumer format binary does not match the embedded format None"
    return _error(406, 40601, message, mt.JSON_V2)


async def _strimzi_accept_ignored(call: Call) -> Answer | None:
    # Strimzi 0.33.1 ignores Accept everywhere but on records (§5.3): text/plain gets JSON.
    if not _route(call, "records"):
        call.headers.pop("accept", None)
    return None


_STRIMZI_PRODUCE_TYPES = frozenset({mt.BINARY_V2, mt.JSON_V2, "application/vnd.kafka.text.v2+json"})


async def _strimzi_records_accept(call: Call) -> Answer | None:
    # Strimzi 0.33.1: Accept must equal the consumer's embedded type exactly (§5.3).
    if not _route(call, "records"):
        return None
    accept = call.headers.get("accept", "").strip().lower()
    if accept in (mt.BINARY_V2, mt.JSON_V2):
        return None
    return _error(
        406, 406, "Consumer format does not match the embedded format requested by the Accept header.", mt.V2
    )


async def _strimzi_exact_content_type(call: Call) -> Answer | None:
    # Strimzi 0.33.1: produce and consumer creation need an exact supported Content-Type;
    # anything else, none included, is 400 (§5.3).
    ct = call.headers.get("content-type", "").strip().lower()
    if _route(call, "produce"):
        allowed: frozenset[str] = _STRIMZI_PRODUCE_TYPES
    elif _route(call, "create_consumer"):
        allowed = frozenset({mt.V2})
    else:
        return None
    if ct in allowed:
        return None
    return _error(
        400, 400, "Validation error on: Content-Type - The format of the request body is not supported", mt.V2
    )


FAULTS = (
    Fault(
        id="negotiation-unsupported-accept-answered",
        area="negotiation",
        description="an Accept the server cannot produce (text/plain) is ignored instead of answered with 406",
        versions=BOTH,
        rows=("A4", "A8", "A13"),
        caught_by=("NEG-013", "NEG-017", "NEG-022"),
        hooks={"request": _answer_any_accept},
    ),
    Fault(
        id="negotiation-unsupported-content-type-accepted",
        area="negotiation",
        description="a text/plain request body is parsed as JSON and accepted (produce and consumer creation)",
        versions=BOTH,
        rows=("N6", "N6s"),
        caught_by=("NEG-006", "NEG-007"),
        hooks={"request": _text_plain_as_json},
    ),
    Fault(
        id="negotiation-missing-content-type-rejected",
        area="negotiation",
        description="a v2 produce without Content-Type is refused with 415 instead of being read as binary",
        versions=V2,
        rows=("N4",),
        caught_by=("NEG-004",),
        hooks={"request": _produce_needs_content_type},
    ),
    Fault(
        id="negotiation-missing-content-type-as-json",
        area="negotiation",
        description="a produce without Content-Type is read as the JSON embedded format: the quoted base64 "
        "text is stored instead of its bytes (only when the header is absent)",
        versions=BOTH,
        rows=("N1", "N4"),
        caught_by=("NEG-001", "NEG-004"),
        subtle=True,
        hooks={"produce_record": _missing_type_as_json},
    ),
    Fault(
        id="negotiation-binary-v2-produce-refused",
        area="negotiation",
        description="v2 produce lists only the generic types in its @Consumes: binary.v2 gets 415",
        versions=V2,
        rows=("N3",),
        caught_by=("NEG-003",),
        hooks={"request": _binary_v2_produce_refused},
    ),
    Fault(
        id="negotiation-produce-labelled-text-plain",
        area="negotiation",
        description="produce answers its JSON body with Content-Type text/plain",
        versions=BOTH,
        rows=("A1",),
        caught_by=("NEG-010",),
        hooks={"response": _produce_labelled_text},
    ),
    Fault(
        id="negotiation-q-values-ignored",
        area="negotiation",
        description="a weighted Accept list is answered with its first type, whatever the q-values",
        versions=V1,
        rows=("A2",),
        caught_by=("NEG-011",),
        subtle=True,
        hooks={"request": _first_listed_accept},
    ),
    Fault(
        id="negotiation-accept-required",
        area="negotiation",
        description="a request without an Accept header is answered 406 instead of with the default type",
        versions=BOTH,
        rows=("A2", "A3", "A7", "A11"),
        caught_by=("NEG-011", "NEG-012", "NEG-016", "NEG-020"),
        hooks={"request": _accept_required},
    ),
    Fault(
        id="negotiation-records-binary-accept-refused",
        area="negotiation",
        description="v2 records produce only vnd.kafka.v2+json: Accept binary.v2 gets 406",
        versions=V2,
        rows=("A10", "A12"),
        caught_by=("NEG-019", "NEG-021"),
        hooks={"request": _records_binary_accept_refused},
    ),
    Fault(
        id="negotiation-consumer-format-from-content-type",
        area="negotiation",
        description="a v1 consumer created with Content-Type json.v1 or avro.v1 takes that format, "
        "ignoring the body's `format` (only under those Content-Types)",
        versions=V1,
        rows=("N2",),
        caught_by=("NEG-002",),
        subtle=True,
        hooks={"consumer_created": _format_from_content_type},
    ),
    Fault(
        id="negotiation-records-generic-label",
        area="negotiation",
        description="v2 records read with Accept binary.v2 are labelled vnd.kafka.v2+json, but only when "
        "records come back (an empty list is labelled binary.v2)",
        versions=V2,
        rows=("A6",),
        caught_by=("NEG-015",),
        subtle=True,
        hooks={"response": _records_generic_label},
    ),
    Fault(
        id="negotiation-204-chunked",
        area="negotiation",
        description="204 answers carry Transfer-Encoding: chunked, framing a body HTTP forbids on 204",
        versions=BOTH,
        rows=("A14",),
        caught_by=("NEG-023",),
        hooks={"response": _chunked_204},
    ),
    Fault(
        id="karapace-json-v2-content-type",
        area="negotiation",
        description="Karapace 3.16.0: every JSON body is labelled application/vnd.kafka.json.v2+json; "
        "204s and GET / carry application/json",
        versions=V2,
        rows=("A6",),
        caught_by=("NEG-015",),
        hooks={"response": _karapace_labels},
    ),
    Fault(
        id="karapace-records-format-from-accept",
        area="negotiation",
        description="Karapace 3.16.0: records read with Accept none, */*, vnd.kafka.v2+json or "
        "application/json on a binary consumer get 406/40601",
        versions=V2,
        rows=("A11",),
        caught_by=("NEG-020",),
        hooks={"request": _karapace_records_format},
    ),
    Fault(
        id="strimzi-records-accept-exact",
        area="negotiation",
        description="Strimzi 0.33.1: records Accept must equal the consumer's type exactly; none, */*, "
        "vnd.kafka.v2+json or a parameter get 406/406",
        versions=V2,
        rows=("A11", "A12"),
        caught_by=("NEG-020", "NEG-021"),
        hooks={"request": _strimzi_records_accept},
    ),
    Fault(
        id="strimzi-accept-ignored",
        area="negotiation",
        description="Strimzi 0.33.1: Accept is ignored except on records; text/plain on metadata and "
        "produce gets 200 JSON",
        versions=V2,
        rows=("A8",),
        caught_by=("NEG-017",),
        hooks={"request": _strimzi_accept_ignored},
    ),
    Fault(
        id="strimzi-content-type-exact",
        area="negotiation",
        description="Strimzi 0.33.1: produce and consumer creation need an exact supported Content-Type; "
        "none or text/plain gives 400",
        versions=V2,
        rows=("N4", "N6s", "N7"),
        caught_by=("NEG-004", "NEG-007", "NEG-008"),
        hooks={"request": _strimzi_exact_content_type},
    ),
    Fault(
        id="negotiation-content-type-parameter-as-json",
        area="negotiation",
        description="a produce whose Content-Type carries a parameter (`; charset=utf-8`) is read as "
        "the JSON embedded format: 200, but the quoted base64 text is stored instead of its bytes",
        versions=BOTH,
        rows=("P4",),
        caught_by=("NEG-024",),
        subtle=True,
        hooks={"produce_record": _parameter_as_json},
    ),
    Fault(
        id="negotiation-content-type-parameter-partition-undecoded",
        area="negotiation",
        description="a partition produce whose Content-Type carries a parameter stores the base64 text "
        "undecoded (200); topic produce and every other route are right",
        versions=BOTH,
        rows=("P4",),
        caught_by=("NEG-024",),
        subtle=True,
        hooks={"produce_record": _parameter_undecoded_on_partition},
    ),
    Fault(
        id="negotiation-q-values-ignored-off-topic-routes",
        area="negotiation",
        description="a weighted Accept list is answered with its first type on GET /, /brokers, the "
        "partition resources and partition produce; /topics and /topics/{t} honour q-values",
        versions=V1,
        rows=("A2",),
        caught_by=("NEG-025",),
        subtle=True,
        hooks={"request": _q_values_ignored_off_topic_routes},
    ),
    Fault(
        id="negotiation-weighted-accept-406-on-partitions",
        area="negotiation",
        description="a q-weighted Accept list on the partition resources (GET and produce) is answered "
        "406; single types and every other resource are right",
        versions=V1,
        rows=("A2",),
        caught_by=("NEG-025",),
        subtle=True,
        hooks={"request": _weighted_accept_406_on_partitions},
    ),
)
