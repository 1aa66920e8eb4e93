"""Metadata faults: topics, partitions, brokers (contract.md §8.1)."""

from __future__ import annotations

import json
import re

from conformance.reference.faults.model import BOTH, Answer, Call, Fault

_TOPIC = re.compile(r"^/topics/([^/]+)$")


def _unknown_topic_ok(call: Call, answer: Answer) -> Answer:
    match = _TOPIC.match(call.path)
    if call.method != "GET" or match is None or answer.status != 404:
        return answer
    body = json.dumps({"name": match.group(1), "configs": {}, "partitions": []}).encode()
    media = answer.headers.get("content-type") or f"application/vnd.kafka.{call.api_version}+json"
    return Answer(200, {**answer.headers, "content-type": media}, body)


FAULTS = (
    Fault(
        id="metadata-unknown-topic-200",
        area="metadata",
        description="GET /topics/{t} for a topic that does not exist answers 200 with no partitions",
        versions=BOTH,
        rows=("M4", "M5"),
        hooks={"response": _unknown_topic_ok},
    ),
)
