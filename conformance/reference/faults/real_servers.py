"""Deviations recorded from real non-Confluent servers (contract.md §5.2 Karapace, §5.3 Strimzi)."""

from __future__ import annotations

from conformance.reference.faults.model import BOTH, Call, Fault, ProduceItem

# Strimzi 0.33.1 base64-decodes the JSON text `null` itself: 9e e9 65 (contract.md §5.3).
_NULL_TEXT_BYTES = bytes.fromhex("9ee965")


def _strimzi_null_value(call: Call, item: ProduceItem) -> ProduceItem:
    if item.value is None:
        item.value = _NULL_TEXT_BYTES
    return item


FAULTS = (
    Fault(
        id="strimzi-null-value-stored-as-text",
        area="real_servers",
        description="Strimzi 0.33.1: a null value is stored as the 3 bytes of base64-decoded 'null', not a tombstone",
        versions=BOTH,
        rows=("P8",),
        caught_by=("PROD-008",),
        hooks={"produce_record": _strimzi_null_value},
    ),
)
