"""Which media types each kind of route consumes and produces, per API version (contract.md §1).

Declared once as data; `app.py` attaches one `Media` to every route. Offers are in Jersey's
declaration order with their server weights (`qs`); `reject` lists request types that Confluent
routes to a non-binary handler, which this binary-only server refuses (contract.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance import media as mt
from conformance.reference.negotiation import Offer


@dataclass(frozen=True)
class Media:
    offers: tuple[Offer, ...]
    consumes: frozenset[str] | None  # None: any Content-Type
    reject: frozenset[str] = frozenset()
    # Request types that 5.5 hands to its co-resident v2 resource on the same path, which then
    # answers with its own offers (contract.md §1.2; [OBS-C5.5-v1] `produce_ct_binary_v2`).
    reroute: tuple[tuple[str, tuple[Offer, ...]], ...] = ()


# -- v1 (kafka-rest 5.5.0's v1 resources) ----------------------------------------------------
_V1_GENERIC = (Offer(mt.V1, 0.9), Offer(mt.KAFKA_DEFAULT, 0.8), Offer(mt.JSON, 0.5))
_V1_GET_CONSUMES = frozenset({mt.V1, mt.KAFKA_DEFAULT, mt.JSON})
_V1_BODY_CONSUMES = frozenset({mt.BINARY_V1, mt.V1, mt.KAFKA_DEFAULT, mt.JSON, mt.OCTET_STREAM})
_V1_NOT_BINARY = frozenset({mt.JSON_V1, mt.AVRO_V1})
# 5.5's v2 produce takes binary.v2, v2+json (§1.3 table); a partition produce echoes binary.v2.
_V1_TO_V2_TOPIC = tuple((t, (Offer(mt.V2, 0.9),)) for t in (mt.BINARY_V2, mt.V2))
_V1_TO_V2_PARTITION = tuple((t, (Offer(mt.V2, 0.9), Offer(mt.BINARY_V2, 0.1))) for t in (mt.BINARY_V2, mt.V2))

V1 = {
    # 5.5 serves GET /topics from its v1 and v2 resources alike: `Accept: v2+json` gets v2.
    "metadata": Media((*_V1_GENERIC, Offer(mt.V2, 0.85)), _V1_GET_CONSUMES),
    # Partition GET and partition produce list binary.v1 at qs=0.1 and echo it (§1.2 asymmetry).
    "metadata_partition": Media((*_V1_GENERIC, Offer(mt.BINARY_V1, 0.1)), _V1_GET_CONSUMES),
    "produce_topic": Media(
        _V1_GENERIC,
        _V1_BODY_CONSUMES | _V1_NOT_BINARY | {mt.BINARY_V2, mt.V2},
        _V1_NOT_BINARY,
        _V1_TO_V2_TOPIC,
    ),
    "produce_partition": Media(
        (*_V1_GENERIC, Offer(mt.BINARY_V1, 0.1)),
        _V1_BODY_CONSUMES | _V1_NOT_BINARY | {mt.BINARY_V2, mt.V2},
        _V1_NOT_BINARY,
        _V1_TO_V2_PARTITION,
    ),
    "consume": Media(
        (
            Offer(mt.BINARY_V1, 1.0),
            Offer(mt.V1, 0.9),
            Offer(mt.KAFKA_DEFAULT, 0.8),
            Offer(mt.JSON, 0.5),
            Offer(mt.JSON_V1, 1.0, "json"),
            Offer(mt.AVRO_V1, 1.0, "avro"),
        ),
        _V1_GET_CONSUMES,
    ),
    "consumer": Media(
        (*_V1_GENERIC, Offer(mt.BINARY_V1, 0.1), Offer(mt.JSON_V1, 0.1), Offer(mt.AVRO_V1, 0.1)),
        _V1_BODY_CONSUMES | _V1_NOT_BINARY,
    ),
    # Message Hub's admin API: plain JSON (contract.md §6).
    "admin": Media((Offer(mt.JSON, 1.0),), None),
}

# -- v2 (kafka-rest 7.5.0) -------------------------------------------------------------------
_V2_ONLY = (Offer(mt.V2, 0.9),)
_V2_EMBEDDED = frozenset({mt.BINARY_V2, mt.JSON_V2, mt.AVRO_V2, mt.JSONSCHEMA_V2, mt.PROTOBUF_V2})
_V2_NOT_BINARY = _V2_EMBEDDED - {mt.BINARY_V2}

V2 = {
    "metadata": Media(_V2_ONLY, None),
    "metadata_partition": Media(_V2_ONLY, None),
    # 6.0+: only binary.v2 or no Content-Type reach the binary produce (§1.3 table).
    "produce_topic": Media(_V2_ONLY, _V2_EMBEDDED, _V2_NOT_BINARY),
    "produce_partition": Media(_V2_ONLY, _V2_EMBEDDED, _V2_NOT_BINARY),
    "consumer": Media(_V2_ONLY, _V2_EMBEDDED | {mt.V2}),
    "records": Media(
        (
            Offer(mt.BINARY_V2, 1.0),
            Offer(mt.V2, 0.9),
            Offer(mt.JSON_V2, 0.1, "json"),
            Offer(mt.AVRO_V2, 0.1, "avro"),
            Offer(mt.JSONSCHEMA_V2, 0.1, "jsonschema"),
            Offer(mt.PROTOBUF_V2, 0.1, "protobuf"),
        ),
        None,
    ),
}

TABLES = {"v1": V1, "v2": V2}
GENERIC = {"v1": mt.V1, "v2": mt.V2}
