"""Negotiation faults: Accept and Content-Type (contract.md §8.5, §8.6)."""

from __future__ import annotations

from conformance.reference.faults.model import BOTH, Answer, Call, Fault


async def _answer_any_accept(call: Call) -> Answer | None:
    # Lenient servers treat an Accept they cannot produce as if none were sent.
    accept = call.headers.get("accept", "")
    if accept and "json" not in accept and "*" not in accept:
        del call.headers["accept"]
    return None


FAULTS = (
    Fault(
        id="negotiation-unsupported-accept-answered",
        area="negotiation",
        description="an Accept the server cannot produce (text/plain) is ignored instead of answered with 406",
        versions=BOTH,
        rows=("A4", "A8", "A13"),
        hooks={"request": _answer_any_accept},
    ),
)
