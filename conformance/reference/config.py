"""The reference server's configuration: one frozen value, validated on construction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ApiVersion = Literal["v1", "v2"]

DEFAULT_TOPICS: dict[str, int] = {"conformance-p3": 3, "conformance-p1": 1}
"""The topics `run` relies on when it starts the reference itself: keep these names."""

# Kafka's legal topic names (kafka.common.Topic): ASCII letters, digits, '.', '_', '-'.
TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
MAX_PARTITIONS = 1024


@dataclass(frozen=True)
class ReferenceConfig:
    api_version: ApiVersion = "v1"
    topics: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TOPICS))
    api_key: str | None = field(default=None, repr=False)  # never printed
    faults: frozenset[str] = frozenset()
    # Real servers' behaviours the suite must tolerate (conformance.reference.quirks); `all` = each
    # quirk of this API version.
    quirks: frozenset[str] = frozenset()
    # A long run must not exhaust memory: past the cap the oldest records are dropped and the
    # partition's log start offset advances, as Kafka retention would do.
    max_records_per_partition: int = 50_000
    max_bytes_per_partition: int = 64 * 1024 * 1024  # key + value bytes retained per partition
    consumer_instance_timeout_s: float = 300.0  # Confluent consumer.instance.timeout.ms = 300000
    consumer_request_timeout_ms: int = 1000  # Confluent consumer.request.timeout.ms = 1000

    def __post_init__(self) -> None:
        if self.api_version not in ("v1", "v2"):
            raise ValueError(f"api_version must be 'v1' or 'v2', not {self.api_version!r}")
        if not self.topics:
            raise ValueError("at least one topic is needed")
        for name, partitions in self.topics.items():
            if not TOPIC_NAME.fullmatch(name) or name in (".", ".."):
                raise ValueError(f"invalid topic name {name!r} (letters, digits, '.', '_', '-')")
            if not isinstance(partitions, int) or not 1 <= partitions <= MAX_PARTITIONS:
                raise ValueError(
                    f"topic {name!r}: partitions must be 1..{MAX_PARTITIONS}, not {partitions!r}"
                )
        if self.max_records_per_partition < 1:
            raise ValueError("max_records_per_partition must be at least 1")
        if self.max_bytes_per_partition < 1:
            raise ValueError("max_bytes_per_partition must be at least 1")
        if self.consumer_instance_timeout_s <= 0:
            raise ValueError("consumer_instance_timeout_s must be positive")
        if self.consumer_request_timeout_ms < 0:
            raise ValueError("consumer_request_timeout_ms must not be negative")
        if self.api_key == "":
            raise ValueError("api_key must not be empty (omit it to disable auth)")
