"""Robustness faults: a target that misbehaves at the transport level."""

from __future__ import annotations

import re

from conformance.reference.faults.model import BOTH, Answer, Call, Fault

_TOPIC = re.compile(r"^/topics/[^/]+$")


async def _hang_topic_get(call: Call) -> Answer | None:
    if call.method == "GET" and _TOPIC.match(call.path):
        await call.hang()
        return Answer(504)  # never seen: the client has gone
    return None


FAULTS = (
    Fault(
        id="robustness-hang-topic-get",
        area="robustness",
        description="GET /topics/{t} never answers (the suite must time out, not hang)",
        versions=BOTH,
        rows=("M2",),
        caught_by=("META-002",),
        hooks={"request": _hang_topic_get},
    ),
)
