"""Metadata faults: topics, partitions, partition offsets, brokers (contract.md §8.1), and the
error model as metadata and parameter handling show it (§3, §8.7: E1–E5, Q1).

Faults marked `subtle` trigger only under a condition a shallow suite does not reach (an unknown
partition rather than an unknown topic, a non-empty partition's end offset, a non-numeric
`offset`/`count` rather than a non-integer path). The `karapace-*` and `strimzi-*` faults
reproduce what Karapace 3.16.0 and Strimzi 0.33.1 were recorded doing (contract.md §5.2, §5.3).
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.reference.faults.model import BOTH, Answer, Call, Fault, answer_json
from conformance.reference.faults.model import V1 as ONLY_V1
from conformance.reference.faults.model import V2 as ONLY_V2

_TOPIC = re.compile(r"^/topics/([^/]+)$")
_OFFSETS = re.compile(r"^/topics/(?P<topic>[^/]+)/partitions/(?P<partition>\d+)/offsets$")
_PARTITIONS = re.compile(r"^/topics/[^/]+/partitions(/[^/]+)?$")
_METADATA_ROUTES = frozenset({"get_topic", "list_partitions", "get_partition", "partition_offsets"})
_NUMERIC_PARAMS = ("offset", "count", "max_bytes", "timeout")


def _with_body(answer: Answer, body: Any, status: int | None = None) -> Answer:
    return Answer(status or answer.status, dict(answer.headers), json.dumps(body).encode())


def _error_code(answer: Answer) -> int | None:
    body = answer_json(answer)
    code = body.get("error_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def _unknown_topic_ok(call: Call, answer: Answer) -> Answer:
    match = _TOPIC.match(call.path)
    if call.method != "GET" or match is None or answer.status != 404:
        return answer
    body = json.dumps({"name": match.group(1), "configs": {}, "partitions": []}).encode()
    media = answer.headers.get("content-type") or f"application/vnd.kafka.{call.api_version}+json"
    return Answer(200, {**answer.headers, "content-type": media}, body)


def _topics_as_objects(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if call.route == "list_topics" and isinstance(body, list):
        return _with_body(answer, [{"name": name} for name in body])
    return answer


def _no_replicas(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if call.method != "GET" or answer.status != 200:
        return answer

    def strip(partition: Any) -> Any:
        return (
            {k: v for k, v in partition.items() if k != "replicas"}
            if isinstance(partition, dict)
            else partition
        )

    if call.route in ("list_partitions",) and isinstance(body, list):
        return _with_body(answer, [strip(p) for p in body])
    if call.route == "get_partition" and isinstance(body, dict):
        return _with_body(answer, strip(body))
    if call.route == "get_topic" and isinstance(body, dict) and isinstance(body.get("partitions"), list):
        return _with_body(answer, {**body, "partitions": [strip(p) for p in body["partitions"]]})
    return answer


def _brokers_bare_list(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if call.route == "brokers" and isinstance(body, dict) and isinstance(body.get("brokers"), list):
        return _with_body(answer, body["brokers"])
    return answer


def _root_empty(call: Call, answer: Answer) -> Answer:
    if call.route == "root" and answer.status == 200:
        return Answer(200, {k: v for k, v in answer.headers.items() if k != "content-type"}, b"")
    return answer


def _camel_case_errors(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if answer.status >= 400 and isinstance(body, dict) and "error_code" in body:
        return _with_body(answer, {"errorCode": body["error_code"], "errorMessage": body.get("message")})
    return answer


def _unknown_partition_topic_code(call: Call, answer: Answer) -> Answer:
    # Subtle: an unknown topic is right; only an unknown partition gets the topic's code.
    if answer.status == 404 and _error_code(answer) == 40402:
        body = answer_json(answer)
        return _with_body(answer, {**body, "error_code": 40401, "message": "Topic not found."})
    return answer


def _end_offset_inclusive(call: Call, answer: Answer) -> Answer:
    # Subtle: an empty partition answers 0/0 correctly; afterwards end_offset is the last offset.
    body = answer_json(answer)
    if call.route == "partition_offsets" and isinstance(body, dict):
        begin, end = body.get("beginning_offset"), body.get("end_offset")
        if isinstance(begin, int) and isinstance(end, int) and end > begin:
            return _with_body(answer, {**body, "end_offset": end - 1})
    return answer


def _offsets_as_strings(call: Call, answer: Answer) -> Answer:
    body = answer_json(answer)
    if call.route == "partition_offsets" and isinstance(body, dict):
        return _with_body(answer, {k: str(v) for k, v in body.items()})
    return answer


def _code_is_status(call: Call, answer: Answer) -> Answer:
    # Strimzi 0.33.1: error_code = HTTP status everywhere (§5.3).
    body = answer_json(answer)
    if answer.status >= 400 and isinstance(body, dict) and isinstance(body.get("error_code"), int):
        return _with_body(answer, {**body, "error_code": answer.status})
    return answer


def _validation_code_40002(call: Call, answer: Answer) -> Answer:
    # 422 validation answers carry the code of another class (Kafka's 400-class 40002).
    if answer.status == 422 and _error_code(answer) == 422:
        return _with_body(answer, {**answer_json(answer), "error_code": 40002})
    return answer


def _unknown_path_text_as_json(call: Call, answer: Answer) -> Answer:
    if call.route is None and answer.status == 404:
        return Answer(404, {"content-type": "application/json"}, b"404 page not found")
    return answer


def _unknown_path_200(call: Call, answer: Answer) -> Answer:
    if call.route is None and answer.status in (404, 405):
        return Answer(200, {"content-type": f"application/vnd.kafka.{call.api_version}+json"}, b"{}")
    return answer


def _non_numeric(call: Call, names: tuple[str, ...]) -> bool:
    return any(name in call.query and not call.query[name].lstrip("-").isdigit() for name in names)


def _karapace_nonint_500(call: Call, answer: Answer) -> Answer:
    # Karapace 3.16.0: non-integer `timeout`/`max_bytes` on records -> 500/500 (§5.2).
    if answer.status == 404 and _non_numeric(call, ("timeout", "max_bytes")):
        return Answer(
            500,
            {"content-type": "application/vnd.kafka.json.v2+json"},
            json.dumps({"error_code": 500, "message": f"Invalid request parameters: {call.query}"}).encode(),
        )
    return answer


def _v1_nonint_offset_500(call: Call, answer: Answer) -> Answer:
    # Subtle: a non-integer path partition is still 404; only `offset`/`count` fail with 500.
    if answer.status == 404 and _non_numeric(call, ("offset", "count")):
        return _with_body(answer, {"error_code": 500, "message": "Internal Server Error"}, 500)
    return answer


_NON_INTEGER_PARTITION = re.compile(r"/partitions/(?!-?\d+(?:/|$))[^/]+")


def _nonint_partition_500(call: Call, answer: Answer) -> Answer:
    # The path parameter is parsed inside the handler, so a bad one escapes as a 500.
    if answer.status == 404 and _NON_INTEGER_PARTITION.search(call.path):
        return _with_body(answer, {"error_code": 500, "message": "Internal Server Error"}, 500)
    return answer


# A metadata GET on a topic, its partitions or a partition's offsets; group 1 is the name as
# the server decoded it from the path.
_TOPIC_GET = re.compile(r"^/topics/([^/]+)(/partitions(/[^/]+(/offsets)?)?)?$")
# Kafka's legal topic-name characters: a name outside them is one a client had to percent-encode.
_LEGAL_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _unknown_topic_named(call: Call, answer: Answer) -> str | None:
    """The decoded name of an unknown topic on a metadata GET (answered 404), else None."""
    match = _TOPIC_GET.match(call.path)
    if call.method != "GET" or match is None or answer.status != 404:
        return None
    return match.group(1)


def _non_ascii_name_500(call: Call, answer: Answer) -> Answer:
    # The name is encoded to ASCII for the lookup key: a non-ASCII name raises before the
    # existence check, and the catch-all answers 500.
    name = _unknown_topic_named(call, answer)
    if name is None or name.isascii():
        return answer
    return _with_body(answer, {"error_code": 50001, "message": "'ascii' codec can't encode character"}, 500)


def _illegal_name_empty_topic(call: Call, answer: Answer) -> Answer:
    # Names Kafka would reject are taken for topics still to be auto-created: the metadata cache
    # describes them as existing with no partitions instead of looking them up.
    name = _unknown_topic_named(call, answer)
    if name is None or _LEGAL_NAME.fullmatch(name):
        return answer
    match = _TOPIC_GET.match(call.path)
    assert match is not None
    if match.group(2) is None:
        return _with_body(answer, {"name": name, "configs": {}, "partitions": []}, 200)
    if match.group(3) is None:
        return _with_body(answer, [], 200)
    return answer


def _illegal_name_no_route(call: Call, answer: Answer) -> Answer:
    # The route's path pattern restricts {topic} to Kafka's legal characters, so such a name
    # matches no route: the framework's plain-text 404 page answers, with no error body.
    name = _unknown_topic_named(call, answer)
    if name is None or _LEGAL_NAME.fullmatch(name):
        return answer
    return Answer(404, {"content-type": "text/plain"}, b"Not Found")


def _encoded_name_generic_404(call: Call, answer: Answer) -> Answer:
    # The name validator, not the topic lookup, answers names with characters outside Kafka's
    # legal set, with a generic not-found code instead of the unknown-topic one.
    name = _unknown_topic_named(call, answer)
    if name is None or _LEGAL_NAME.fullmatch(name):
        return answer
    return _with_body(answer, {"error_code": 404, "message": f"Topic {name} not found."})


# -- partition offsets after a multi-record produce (issue 16: detection at the edges) -------------


def _remember_request_bases(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A `produce_result` hook: the first offset each partition got in the latest produce request,
    which is also the log end before it (what a proxy caching its last produce answer knows)."""
    bases = call.shared.setdefault("batch-base", {})
    firsts: dict[Any, int] = {}
    for e in entries:
        if isinstance(e.get("partition"), int) and isinstance(e.get("offset"), int) and e["offset"] >= 0:
            firsts.setdefault(e["partition"], e["offset"])
    for partition, first in firsts.items():
        bases[(topic, partition)] = first
    return entries


def _offsets_end_from_request_base(plus: int) -> Any:
    """A response hook: partition offsets answer end_offset = the latest request's first offset
    + `plus` (only where that is below the true end)."""

    def hook(call: Call, answer: Answer) -> Answer:
        match = _OFFSETS.match(call.path)
        body = answer_json(answer)
        if (
            call.route != "partition_offsets"
            or answer.status != 200
            or match is None
            or not isinstance(body, dict)
        ):
            return answer
        remembered = call.shared.get("batch-base", {}).get((match["topic"], int(match["partition"])))
        end = body.get("end_offset")
        if isinstance(remembered, int) and isinstance(end, int) and remembered + plus < end:
            return _with_body(answer, {**body, "end_offset": remembered + plus})
        return answer

    return hook


FAULTS = (
    Fault(
        id="errors-non-integer-partition-500",
        area="metadata",
        description="a non-integer {partition} in a path answers 500/500 instead of a 4xx",
        versions=BOTH,
        rows=("Q1",),
        caught_by=(
            "ERR-006",
            "FUZZ-NEG-getPartition",
            "FUZZ-NEG-consumePartition",
            "FUZZ-NEG-getPartitionOffsets",
            "FUZZ-NEG-produceToPartition",
        ),
        hooks={"response": _nonint_partition_500},
    ),
    Fault(
        id="metadata-unknown-topic-200",
        area="metadata",
        description="GET /topics/{t} for a topic that does not exist answers 200 with no partitions",
        versions=BOTH,
        rows=("M4", "M5"),
        caught_by=("META-004",),
        hooks={"response": _unknown_topic_ok},
    ),
    Fault(
        id="metadata-topics-as-objects",
        area="metadata",
        description="GET /topics answers [{name}] objects instead of an array of names",
        versions=BOTH,
        rows=("M1",),
        caught_by=("META-001",),
        hooks={"response": _topics_as_objects},
    ),
    Fault(
        id="metadata-partitions-without-replicas",
        area="metadata",
        description="partitions are listed without their `replicas`",
        versions=BOTH,
        rows=("M2", "M3"),
        caught_by=("META-002", "META-003"),
        hooks={"response": _no_replicas},
    ),
    Fault(
        id="metadata-brokers-bare-list",
        area="metadata",
        description="GET /brokers answers a bare array of ids instead of {brokers: [...]}",
        versions=BOTH,
        rows=("M7",),
        caught_by=("META-008",),
        hooks={"response": _brokers_bare_list},
    ),
    Fault(
        id="metadata-root-empty",
        area="metadata",
        description="GET / answers 200 with an empty body",
        versions=BOTH,
        rows=("M8",),
        caught_by=("META-009",),
        hooks={"response": _root_empty},
    ),
    Fault(
        id="metadata-unknown-partition-40401",
        area="metadata",
        description="an unknown partition of an existing topic is reported with the topic code 40401",
        versions=BOTH,
        rows=("M5", "S7"),
        caught_by=("META-005", "READ-008"),
        subtle=True,
        hooks={"response": _unknown_partition_topic_code},
    ),
    Fault(
        id="metadata-end-offset-inclusive",
        area="metadata",
        description="partition end_offset is the last written offset (inclusive) once the partition has data",
        versions=ONLY_V2,
        rows=("M6b",),
        caught_by=("META-007",),
        subtle=True,
        hooks={"response": _end_offset_inclusive},
    ),
    Fault(
        id="metadata-offsets-as-strings",
        area="metadata",
        description="partition offsets are answered as strings",
        versions=ONLY_V2,
        rows=("M6",),
        caught_by=("META-006",),
        hooks={"response": _offsets_as_strings},
    ),
    Fault(
        id="errors-camel-case-body",
        area="metadata",
        description="error bodies use errorCode/errorMessage (the Message Hub admin API style)",
        versions=BOTH,
        rows=("E1", "M4"),
        caught_by=("ERR-001", "META-004"),
        hooks={"response": _camel_case_errors},
    ),
    Fault(
        id="errors-validation-code-40002",
        area="metadata",
        description="422 validation errors carry error_code 40002 (a 400-class code)",
        versions=BOTH,
        rows=("E2",),
        caught_by=("ERR-002",),
        hooks={"response": _validation_code_40002},
    ),
    Fault(
        id="errors-unknown-path-json-label",
        area="metadata",
        description="an unknown path answers a plain-text body labelled application/json",
        versions=BOTH,
        rows=("E4",),
        caught_by=("ERR-004",),
        hooks={"response": _unknown_path_text_as_json},
    ),
    Fault(
        id="errors-unknown-path-200",
        area="metadata",
        description="unknown paths and methods are answered 200 {} by a catch-all route",
        versions=BOTH,
        rows=("E3",),
        caught_by=("ERR-003",),
        hooks={"response": _unknown_path_200},
    ),
    Fault(
        id="errors-v1-non-numeric-offset-500",
        area="metadata",
        description="v1 non-numeric `offset` or `count` answers 500/500 (the partition path still 404)",
        versions=ONLY_V1,
        rows=("Q1", "Q1s"),
        caught_by=("ERR-006", "ERR-007", "FUZZ-NEG-consumePartition"),
        subtle=True,
        hooks={"response": _v1_nonint_offset_500},
    ),
    Fault(
        id="strimzi-error-code-is-status",
        area="metadata",
        description="Strimzi 0.33.1: every error_code equals the HTTP status (no 40401/40403/40902/…)",
        versions=ONLY_V2,
        rows=("M5", "E5"),
        caught_by=("META-005", "ERR-005"),
        hooks={"response": _code_is_status},
    ),
    Fault(
        id="karapace-non-integer-param-500",
        area="metadata",
        description="Karapace 3.16.0: non-integer `timeout` or `max_bytes` answers 500/500",
        versions=ONLY_V2,
        rows=("Q1",),
        caught_by=("ERR-006", "FUZZ-NEG-readRecords"),
        hooks={"response": _karapace_nonint_500},
    ),
    Fault(
        id="metadata-non-ascii-name-500",
        area="metadata",
        description="metadata GETs for an unknown topic whose name is non-ASCII answer 500/50001 (the "
        "name is encoded to ASCII before the lookup)",
        versions=BOTH,
        rows=("M4",),
        caught_by=("META-010",),
        subtle=True,
        hooks={"response": _non_ascii_name_500},
    ),
    Fault(
        id="metadata-illegal-name-empty-topic",
        area="metadata",
        description="an unknown topic whose name has characters outside Kafka's legal set (spaces, "
        "non-ASCII) is described as an existing topic with no partitions (200)",
        versions=BOTH,
        rows=("M4", "M5"),
        caught_by=("META-010",),
        subtle=True,
        hooks={"response": _illegal_name_empty_topic},
    ),
    Fault(
        id="metadata-illegal-name-no-route",
        area="metadata",
        description="a topic name with characters outside Kafka's legal set matches no route: metadata "
        "GETs answer the framework's plain-text 404, with no error body",
        versions=BOTH,
        rows=("M4", "M5"),
        caught_by=("META-010", "META-011"),
        subtle=True,
        hooks={"response": _illegal_name_no_route},
    ),
    Fault(
        id="metadata-encoded-name-code-404",
        area="metadata",
        description="an unknown topic whose name has characters outside Kafka's legal set is answered "
        "404 with error_code 404 instead of the unknown-topic code",
        versions=BOTH,
        rows=("M5",),
        caught_by=("META-011",),
        subtle=True,
        hooks={"response": _encoded_name_generic_404},
    ),
    # -- partition offsets after a multi-record produce (issue 16) --
    Fault(
        id="metadata-end-offset-per-request",
        area="metadata",
        description="end_offset is the first offset of the latest produce request + 1, as if each request "
        "wrote one record: right after a one-record produce, short after a batch",
        versions=ONLY_V2,
        rows=("M6b",),
        caught_by=("META-007",),
        subtle=True,
        hooks={"produce_result": _remember_request_bases, "response": _offsets_end_from_request_base(1)},
    ),
    Fault(
        id="metadata-end-offset-before-latest-produce",
        area="metadata",
        description="end_offset lags one produce request behind: it is the log end before the latest produce",
        versions=ONLY_V2,
        rows=("M6b",),
        caught_by=("META-007",),
        hooks={"produce_result": _remember_request_bases, "response": _offsets_end_from_request_base(0)},
    ),
)
