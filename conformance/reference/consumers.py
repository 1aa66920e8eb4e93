"""Consumer instances and consumer groups (contract.md §2.1 #8–11, §2.2 #8–19, §4.5).

State only; waiting for records is the app's job. One lock guards every instance and the
groups' committed offsets. Committed offsets are stored as Kafka stores them: the next offset
to read. Idle instances expire after `consumer_instance_timeout_s`, swept on every access.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from conformance.reference import errors
from conformance.reference.errors import RestError
from conformance.reference.log import Log, Record

TP = tuple[str, int]

# Per-read bounds: Confluent caps a response at consumer.request.max.bytes = 64 MiB; the count
# bound keeps one answer small enough to serialise quickly on a long log.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_RECORDS_PER_READ = 10_000


@dataclass
class Instance:
    group: str
    name: str
    format: str  # "binary", "json", "avro", ...
    reset: str  # v1: smallest | largest; v2: earliest | latest | none
    auto_commit: bool
    request_timeout_ms: int
    last_used: float = field(default_factory=time.monotonic)
    topic: str | None = None  # v1: the one topic this instance reads (its first read)
    subscription: list[str] | None = None  # v2 subscribe(topics)
    pattern: str | None = None  # v2 subscribe(topic_pattern)
    manual: list[TP] | None = None  # v2 assign(partitions)
    polled: bool = False  # a subscription is assigned partitions at the first poll
    positions: dict[TP, int] = field(default_factory=dict)
    consumed: dict[TP, int] = field(default_factory=dict)  # v1: last offset returned
    fetched: dict[TP, int] = field(default_factory=dict)  # v2: next offset after the last fetched

    @property
    def subscribed(self) -> bool:
        return bool(self.subscription) or self.pattern is not None


@dataclass
class Fetched:
    records: list[tuple[TP, int, Record]]
    blocked: bool  # records exist but the next one alone exceeds max_bytes


class Consumers:
    def __init__(self, log: Log, instance_timeout_s: float) -> None:
        self.log = log
        self.lock = threading.RLock()
        self.timeout = instance_timeout_s
        self.instances: dict[tuple[str, str], Instance] = {}
        self.committed: dict[tuple[str, str, int], int] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def sweep(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self.lock:
            expired = [k for k, i in self.instances.items() if now - i.last_used > self.timeout]
            for key in expired:
                self._close(self.instances.pop(key))

    def create(self, instance: Instance, replace: bool = False) -> Instance:
        self.sweep()
        with self.lock:
            key = (instance.group, instance.name)
            if key in self.instances and not replace:
                raise RestError(
                    409,
                    40902,
                    "Consumer with specified consumer ID already exists in the specified consumer group.",
                )
            self.instances[key] = instance
            return instance

    @staticmethod
    def generated_name() -> str:
        return f"rest-consumer-{uuid.uuid4()}"

    def get(self, group: str, name: str) -> Instance:
        self.sweep()
        with self.lock:
            instance = self.instances.get((group, name))
            if instance is None:
                raise errors.instance_not_found()
            instance.last_used = time.monotonic()
            return instance

    def delete(self, group: str, name: str) -> None:
        self.sweep()
        with self.lock:
            instance = self.instances.pop((group, name), None)
            if instance is None:
                raise errors.instance_not_found()
            self._close(instance)

    def _close(self, instance: Instance) -> None:
        # Kafka's consumer commits its positions on close when auto-commit is on.
        if instance.auto_commit:
            for (topic, partition), position in instance.positions.items():
                self.committed[(instance.group, topic, partition)] = position

    # -- positions -------------------------------------------------------------------------
    def _reset(self, instance: Instance, tp: TP) -> int:
        start, end = self.log.bounds(*tp)
        if instance.reset in ("smallest", "earliest"):
            return start
        if instance.reset in ("largest", "latest"):
            return end
        raise RestError(
            500,
            50002,
            f"Kafka error: Undefined offset with no reset policy for partitions: [{tp[0]}-{tp[1]}]",
        )

    def position(self, instance: Instance, tp: TP) -> int:
        start, end = self.log.bounds(*tp)
        position = instance.positions.get(tp)
        if position is None:
            position = self.committed.get((instance.group, *tp))
        if position is None or not start <= position <= end:
            position = self._reset(instance, tp)  # Kafka resets an out-of-range position too
        instance.positions[tp] = position
        return position

    # -- v2 assignment ---------------------------------------------------------------------
    def assignment(self, instance: Instance) -> list[TP]:
        if instance.manual is not None:
            return list(instance.manual)
        if not instance.subscribed or not instance.polled:
            return []
        if instance.pattern is not None:
            regex = re.compile(instance.pattern)
            topics = [t for t in self.log.names() if regex.fullmatch(t)]
        else:
            topics = [t for t in instance.subscription or () if self.log.topic(t) is not None]
        return [(t, p) for t in topics for p in range(len(self.log.topics[t].partitions))]

    # -- reads -----------------------------------------------------------------------------
    def fetch(self, instance: Instance, tps: list[TP], max_bytes: int, inclusive_limit: bool) -> Fetched:
        """Take records from each partition's position on, bounded by max_bytes.

        v1 stops before exceeding max_bytes (`inclusive_limit`), v2 before reaching it
        (contract.md §4.6). When the very next record alone is too big nothing is returned and
        positions stay put, as Confluent does.
        """
        limit = MAX_RESPONSE_BYTES if max_bytes <= 0 else min(max_bytes, MAX_RESPONSE_BYTES)
        out: list[tuple[TP, int, Record]] = []
        total = 0
        blocked = False
        with self.lock:
            for tp in tps:
                if len(out) >= MAX_RECORDS_PER_READ or blocked:
                    break
                if self.log.topic(tp[0]) is None:
                    continue  # deleted through the admin API
                position = self.position(instance, tp)
                for offset, record in self.log.read(*tp, position, MAX_RECORDS_PER_READ - len(out)):
                    size = record.size
                    fits = total + size <= limit if inclusive_limit else total + size < limit
                    if not fits:
                        blocked = True
                        break
                    total += size
                    out.append((tp, offset, record))
                    instance.positions[tp] = offset + 1
        return Fetched(out, blocked and not out)

    def store(self, group: str, topic: str, partition: int, next_offset: int) -> None:
        with self.lock:
            self.committed[(group, topic, partition)] = next_offset

    def committed_offset(self, group: str, topic: str, partition: int) -> int | None:
        with self.lock:
            return self.committed.get((group, topic, partition))
