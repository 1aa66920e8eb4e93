"""The catalogue of hand-written checks: the area modules, named here explicitly.

No check registers itself by being imported somewhere; this tuple is the whole list. Ids are
unique across areas (a duplicate raises at import) and the catalogue is ordered by id, so two
runs list and report checks in the same order.
"""

from __future__ import annotations

from functools import cache

from conformance.checks import (
    auth,
    error_model,
    metadata,
    negotiation,
    other,
    produce,
    v1_consumer,
    v1_consumer_edges,
    v1_consumer_multi,
    v1_read,
    v2_consumer,
    v2_consumer_edges,
    v2_consumer_multi,
)
from conformance.checks.model import Check, CheckSet
from conformance.fuzz import checks as fuzz

AREAS: tuple[CheckSet, ...] = (
    metadata.checks,
    produce.checks,
    v1_read.checks,
    v1_consumer.checks,
    v1_consumer_edges.checks,
    v1_consumer_multi.checks,
    v2_consumer.checks,
    v2_consumer_edges.checks,
    v2_consumer_multi.checks,
    negotiation.checks,
    error_model.checks,
    auth.checks,
    other.checks,
    fuzz.checks,
)


@cache
def catalogue() -> tuple[Check, ...]:
    """Every check, sorted by id."""
    seen: dict[str, Check] = {}
    for area in AREAS:
        for check in area:
            if check.id in seen:
                raise ValueError(f"check id {check.id} is declared twice")
            seen[check.id] = check
    return tuple(sorted(seen.values(), key=lambda c: c.id))


def by_id(check_id: str) -> Check:
    for check in catalogue():
        if check.id == check_id:
            return check
    raise KeyError(check_id)
