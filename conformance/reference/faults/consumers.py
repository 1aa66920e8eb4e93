"""Consumer faults: instances, reads, commits and groups (contract.md §8.9, §8.10)."""

from __future__ import annotations

from conformance.reference.faults.model import BOTH, Call, Fault


def _store_offset_not_next(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
    # The classic off-by-one: the commit stores the last consumed offset, not the next one, so a
    # new member of the group reads that record again.
    return stored - 1


FAULTS = (
    Fault(
        id="consumers-commit-stores-offset",
        area="consumers",
        description="a commit stores the committed offset itself instead of offset+1 (the group re-reads a record)",
        versions=BOTH,
        rows=("C15", "D26"),
        hooks={"commit_offset": _store_offset_not_next},
    ),
)
