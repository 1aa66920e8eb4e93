"""Kafka REST media types, declared once (contract.md §1).

`contract.py` re-exports these; checks, the reference server and the spec tests read them from
here instead of spelling strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.requirements import ApiVersion

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"
TEXT_PLAIN = "text/plain"
KAFKA_DEFAULT = "application/vnd.kafka+json"

V1 = "application/vnd.kafka.v1+json"
BINARY_V1 = "application/vnd.kafka.binary.v1+json"
JSON_V1 = "application/vnd.kafka.json.v1+json"
AVRO_V1 = "application/vnd.kafka.avro.v1+json"

V2 = "application/vnd.kafka.v2+json"
BINARY_V2 = "application/vnd.kafka.binary.v2+json"
JSON_V2 = "application/vnd.kafka.json.v2+json"
AVRO_V2 = "application/vnd.kafka.avro.v2+json"
JSONSCHEMA_V2 = "application/vnd.kafka.jsonschema.v2+json"
PROTOBUF_V2 = "application/vnd.kafka.protobuf.v2+json"


@dataclass(frozen=True)
class VersionMedia:
    """The media types a binary-only client uses for one API version."""

    version: ApiVersion
    generic: str  # vnd.kafka.vN+json: metadata, consumer management, error bodies
    binary: str  # vnd.kafka.binary.vN+json: produce bodies and consume responses
    json_embedded: str  # the JSON embedded format: only to make a format-mismatch consumer
    avro_embedded: str
    other_embedded: tuple[str, ...]  # embedded formats outside the binary subset

    @property
    def not_binary(self) -> tuple[str, ...]:
        return (self.json_embedded, self.avro_embedded, *self.other_embedded)


MEDIA: dict[ApiVersion, VersionMedia] = {
    "v1": VersionMedia("v1", V1, BINARY_V1, JSON_V1, AVRO_V1, ()),
    "v2": VersionMedia("v2", V2, BINARY_V2, JSON_V2, AVRO_V2, (JSONSCHEMA_V2, PROTOBUF_V2)),
}
