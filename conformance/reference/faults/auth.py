"""Authentication faults (contract.md §8.11). They matter only when the server has an API key."""

from __future__ import annotations

from conformance.reference.faults.model import BOTH, Answer, Call, Fault


async def _not_enforced(call: Call) -> Answer | None:
    call.auth_exempt = True
    return None


FAULTS = (
    Fault(
        id="auth-token-not-enforced",
        area="auth",
        description="the API key is configured but requests without X-Auth-Token are served",
        versions=BOTH,
        rows=("U2m", "U2"),
        hooks={"request": _not_enforced},
    ),
)
