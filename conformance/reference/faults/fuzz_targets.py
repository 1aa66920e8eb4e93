"""Faults that break response shapes or round trips: the targets of the generated layer (issue 9).

Each is a small slip a vendor could ship; the generated checks must fail on each, naming the
operation (`FUZZ-<operationId>`) or the property (`FUZZ-ROUNDTRIP`, `FUZZ-STATEFUL`).
"""

from __future__ import annotations

import base64
from typing import Any

from conformance.reference.faults.model import BOTH, Answer, Call, Fault


def _rename_offset(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A camelCase slip in one serialiser: {"partition": 0, "offsetId": 7, ...}
    return [{("offsetId" if k == "offset" else k): v for k, v in e.items()} for e in entries]


def _offset_as_string(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "offset": str(e["offset"])} if isinstance(e.get("offset"), int) else e for e in entries]


def _value_reencoded(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The stored base64 text is base64-encoded once more: still valid base64, wrong bytes.
    out = []
    for r in records:
        value = r.get("value")
        if isinstance(value, str) and value:
            r = {**r, "value": base64.b64encode(value.encode("ascii")).decode("ascii")}
        out.append(r)
    return out


def _topics_as_text(call: Call, answer: Answer) -> Answer:
    if call.method == "GET" and call.path.rstrip("/") == "/topics" and answer.status == 200:
        answer.headers["content-type"] = "text/plain"
    return answer


FAULTS = (
    Fault(
        id="shape-produce-offset-renamed",
        area="fuzz_targets",
        description="produce answers name the offset field `offsetId` instead of `offset`",
        versions=BOTH,
        rows=("P1",),
        caught_by=("FUZZ-produceToTopic-v1", "FUZZ-produceToTopic-v2", "FUZZ-STATEFUL"),
        hooks={"produce_result": _rename_offset},
    ),
    Fault(
        id="shape-produce-offset-string",
        area="fuzz_targets",
        description='produce answers carry each offset as a JSON string ("7") instead of an integer',
        versions=BOTH,
        rows=("P1",),
        caught_by=("FUZZ-produceToTopic-v1", "FUZZ-produceToTopic-v2", "FUZZ-STATEFUL"),
        hooks={"produce_result": _offset_as_string},
    ),
    Fault(
        id="shape-read-value-reencoded",
        area="fuzz_targets",
        description="records read back carry the value base64-encoded twice (valid base64, wrong bytes)",
        versions=BOTH,
        rows=("P4", "P11"),
        caught_by=("FUZZ-ROUNDTRIP", "FUZZ-STATEFUL"),
        hooks={"read_records": _value_reencoded},
    ),
    Fault(
        id="shape-topics-text-plain",
        area="fuzz_targets",
        description="GET /topics answers its JSON list labelled text/plain",
        versions=BOTH,
        rows=("A1", "M1"),
        caught_by=("FUZZ-listTopics-v1", "FUZZ-listTopics-v2"),
        hooks={"response": _topics_as_text},
    ),
)
