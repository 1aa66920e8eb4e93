"""Shared by the live consumer tests: which consumer instances a check's exchanges created."""

from __future__ import annotations

from conformance.checks.consumer_common import created
from conformance.report.model import CheckResult


def created_instances(result: CheckResult) -> list[str]:
    out = []
    for ex in result.exchanges:
        made = created(ex) if ex.request.path.startswith("/consumers/") else None
        if ex.request.method == "POST" and ex.request.path.count("/") == 2 and made is not None:
            out.append(made[1])
    return out
