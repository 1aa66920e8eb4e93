"""Produce faults: offsets, partitions and stored bytes (contract.md §8.2, §8.3)."""

from __future__ import annotations

from typing import Any

from conformance.reference.faults.model import BOTH, Call, Fault


def _offsets_plus_one(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "offset": e["offset"] + 1} if isinstance(e.get("offset"), int) else e for e in entries]


def _shift_from_third(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Subtle: batches of one or two records are right; only the third and later entries lie.
    return [
        {**e, "offset": e["offset"] + 1} if i >= 2 and isinstance(e.get("offset"), int) else e
        for i, e in enumerate(entries)
    ]


FAULTS = (
    Fault(
        id="produce-offset-off-by-one",
        area="produce",
        description="every reported offset is one more than where the record was written",
        versions=BOTH,
        rows=("P4",),
        hooks={"produce_result": _offsets_plus_one},
    ),
    Fault(
        id="produce-offset-shift-third-record",
        area="produce",
        description="from the third record of a batch on, reported offsets are one too high",
        versions=BOTH,
        rows=("P3", "P4"),
        subtle=True,
        hooks={"produce_result": _shift_from_third},
    ),
)
