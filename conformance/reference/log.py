"""The in-memory log: topics of partitions of records, thread-safe and bounded.

One lock guards the whole log: operations are tiny, and a produce batch that spans partitions
gets its offsets assigned in request order without interleaving with another batch.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Record:
    key: bytes | None
    value: bytes | None
    timestamp_ms: int

    @property
    def size(self) -> int:
        """Unencoded key and value bytes: what `max_bytes` counts (contract.md §4.6)."""
        return (len(self.key) if self.key else 0) + (len(self.value) if self.value else 0)


def murmur2(data: bytes) -> int:
    """Kafka's `Utils.murmur2` (32-bit, seed 0x9747b28c), as an unsigned int."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = length & ~3
    rem = length % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def partition_for_key(key: bytes, partitions: int) -> int:
    """The Java producer's default partitioner: `toPositive(murmur2(key)) % partitions`."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class Partition:
    __slots__ = ("_bytes", "_records", "index", "start", "topic")

    def __init__(self, topic: str, index: int) -> None:
        self.topic = topic
        self.index = index
        self.start = 0  # log start offset: advances when the caps drop old records
        self._records: deque[Record] = deque()
        self._bytes = 0

    @property
    def end(self) -> int:
        """The next offset to be written (Kafka's log end offset, exclusive)."""
        return self.start + len(self._records)

    def _append(self, record: Record, cap: int, byte_cap: int) -> int:
        offset = self.end
        self._records.append(record)
        self._bytes += record.size
        # Retention by count and by bytes; the newest record always stays.
        while len(self._records) > cap or (self._bytes > byte_cap and len(self._records) > 1):
            self._bytes -= self._records.popleft().size
            self.start += 1
        return offset

    def _slice(self, offset: int, count: int) -> list[tuple[int, Record]]:
        first = max(offset, self.start) - self.start
        stop = min(len(self._records), first + max(count, 0))
        if first >= stop:
            return []
        base = self.start + first
        return list(enumerate(itertools.islice(self._records, first, stop), base))

    def _first_at_or_after(self, timestamp_ms: int) -> int:
        for i, record in enumerate(self._records):
            if record.timestamp_ms >= timestamp_ms:
                return self.start + i
        return self.end


class Topic:
    __slots__ = ("_round_robin", "name", "partitions")

    def __init__(self, name: str, partitions: int) -> None:
        self.name = name
        self.partitions = [Partition(name, i) for i in range(partitions)]
        self._round_robin = itertools.count()

    def next_round_robin(self) -> int:
        # No key, no partition: the 2.0 doc's round-robin (the sticky partitioner of newer
        # clients is an optimisation; contract.md §4.3 forbids asserting either).
        return next(self._round_robin) % len(self.partitions)


@dataclass(frozen=True)
class Stored:
    partition: int
    offset: int


class Log:
    def __init__(self, topics: dict[str, int], cap: int, byte_cap: int = 64 * 1024 * 1024) -> None:
        self._lock = threading.Lock()
        self._cap = cap
        self._byte_cap = byte_cap
        self.topics = {name: Topic(name, count) for name, count in topics.items()}
        self.version = 0  # bumped on every append: readers poll it instead of the partitions

    def topic(self, name: str) -> Topic | None:
        return self.topics.get(name)

    def names(self) -> list[str]:
        return sorted(self.topics)

    def append(self, topic: str, items: Iterable[tuple[int, bytes | None, bytes | None]]) -> list[Stored]:
        """Append (partition, key, value) items in order; offsets in the same order."""
        now = int(time.time() * 1000)
        t = self.topics[topic]
        with self._lock:
            out = [
                Stored(p, t.partitions[p]._append(Record(k, v, now), self._cap, self._byte_cap))
                for p, k, v in items
            ]
            self.version += 1
        return out

    def _partition(self, topic: str, partition: int) -> Partition | None:
        t = self.topics.get(topic)
        return t.partitions[partition] if t is not None and 0 <= partition < len(t.partitions) else None

    def bounds(self, topic: str, partition: int) -> tuple[int, int]:
        """(log start, log end); (0, 0) for a partition that does not (or no longer) exist."""
        with self._lock:
            p = self._partition(topic, partition)
            return (p.start, p.end) if p is not None else (0, 0)

    def read(self, topic: str, partition: int, offset: int, count: int) -> list[tuple[int, Record]]:
        with self._lock:
            p = self._partition(topic, partition)
            return p._slice(offset, count) if p is not None else []

    def create_topic(self, name: str, partitions: int) -> bool:
        """False when the topic exists already (Message Hub's admin API, contract.md §6)."""
        with self._lock:
            if name in self.topics:
                return False
            self.topics[name] = Topic(name, partitions)
            return True

    def delete_topic(self, name: str) -> bool:
        with self._lock:
            return self.topics.pop(name, None) is not None

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int:
        p = self.topics[topic].partitions[partition]
        with self._lock:
            return p._first_at_or_after(timestamp_ms)
