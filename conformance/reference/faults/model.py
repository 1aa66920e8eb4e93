"""What a fault is, and the values its hook functions receive and return.

Kept apart from the registry so that area modules and the app import it without cycles.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from conformance.reference.config import ApiVersion

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


@dataclass
class Answer:
    """A whole HTTP response, as hooks see it (header names lower-case)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Call:
    """One request as it enters the server; `request` hooks may rewrite any field."""

    api_version: ApiVersion
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    route: str | None = None  # set once routed, e.g. "produce_topic"
    auth_exempt: bool = False  # a fault may leave a request unauthenticated
    shared: dict[str, Any] = field(default_factory=dict)  # per-server memory for stateful faults
    _receive: Receive | None = None

    async def hang(self) -> None:
        """Never answer: wait until the client gives up (disconnects), then return."""
        if self._receive is None:
            await asyncio.Event().wait()
            return
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                return


@dataclass
class ProduceItem:
    """One record of a produce request, before the partition is chosen and the bytes stored.

    `partition` is the requested one (record field or path), None to let the partitioner
    choose. `index` is the record's position in the request.
    """

    topic: str
    index: int
    count: int  # records in the request
    partition: int | None
    key: bytes | None
    value: bytes | None


def request_json(call: Call) -> Any:
    """The request body as JSON, or None when it is empty or not JSON."""
    try:
        return json.loads(call.body) if call.body.strip() else None
    except ValueError:
        return None


def answer_json(answer: Answer) -> Any:
    """The answer body as JSON, or None when it is empty or not JSON."""
    try:
        return json.loads(answer.body) if answer.body else None
    except ValueError:
        return None


def json_answer(call: Call, status: int, body: Any, content_type: str | None = None) -> Answer:
    """A JSON answer, labelled with the version's generic type unless told otherwise."""
    media = content_type or f"application/vnd.kafka.{call.api_version}+json"
    return Answer(status, {"content-type": media}, json.dumps(body).encode())


HookFn = Callable[..., Any]

HOOK_POINTS: Mapping[str, str] = {
    "request": "async (call: Call) -> Answer | None. Runs first, before auth and routing. May rewrite "
    "call.method/path/query/headers/body, set call.auth_exempt, or answer early (return an Answer, or "
    "`await call.hang()` to never answer).",
    "produce_record": "(call, item: ProduceItem) -> ProduceItem | None. Per record, before partition "
    "choice and storage: change the partition or the stored key/value bytes; None drops the record "
    "(its offsets entry disappears).",
    "produce_result": "(call, topic: str, entries: list[dict]) -> list[dict]. The `offsets` entries "
    "of a produce answer ({partition, offset, error_code, error}), in request order.",
    "read_records": "(call, source: str, records: list[dict]) -> list[dict]. Records about to be "
    "returned, rendered ({topic, key, value, partition, offset}, base64 strings); source is "
    "'v1-messages', 'v1-consumer' or 'v2-records'. Positions have already advanced.",
    "commit_offset": "(call, group: str, topic: str, partition: int, stored: int) -> int. The next "
    "offset a commit stores for the group (v2: offset+1; v1: consumed+1).",
    "consumer_created": "(call, instance, body: dict) -> dict. After a consumer instance is "
    "created: may change the instance's attributes (format, reset, auto_commit, ...) and the "
    "{instance_id, base_uri} answer.",
    "response": "(call, answer: Answer) -> Answer. Every response, last: status, headers, body.",
}
"""The named points where the app calls fault hooks. Handlers call nothing else."""


@dataclass(frozen=True)
class Fault:
    """A realistic deviation a vendor could ship, switched on with `serve --fault ID`.

    `rows` are the contract.md §8 rows it breaks; `caught_by` the check ids expected to fail.
    `switches` are named conditions handler code consults where no hook point reaches
    (see `SWITCHES` in conformance/reference/faults/__init__.py).
    """

    id: str
    area: str
    description: str
    versions: frozenset[ApiVersion]
    rows: tuple[str, ...]
    caught_by: tuple[str, ...] = ()
    subtle: bool = False
    hooks: Mapping[str, HookFn] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.hooks) - set(HOOK_POINTS)
        if unknown:
            raise ValueError(f"fault {self.id}: unknown hook point(s) {sorted(unknown)}")
        if not self.versions or not set(self.versions) <= {"v1", "v2"}:
            raise ValueError(f"fault {self.id}: versions must be a non-empty subset of v1, v2")
        if not self.rows:
            raise ValueError(f"fault {self.id}: name the §8 row(s) it breaks")


BOTH: frozenset[ApiVersion] = frozenset({"v1", "v2"})
V1: frozenset[ApiVersion] = frozenset({"v1"})
V2: frozenset[ApiVersion] = frozenset({"v2"})


def track_log_end(call: Call, topic: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A `produce_result` hook for faults that act at the end of the log: remembers, per
    partition, the next offset after the last record this server reported (every record of the
    reference arrives by produce, so this is the log end). Leaves the entries as they are."""
    ends = call.shared.setdefault("log-end", {})
    for entry in entries:
        partition, offset = entry.get("partition"), entry.get("offset")
        if isinstance(partition, int) and isinstance(offset, int) and offset >= 0:
            ends[(topic, partition)] = max(ends.get((topic, partition), 0), offset + 1)
    return entries


def log_end(call: Call, topic: str, partition: int) -> int | None:
    """The log end `track_log_end` saw for topic/partition (None before its first produce)."""
    end: int | None = call.shared.get("log-end", {}).get((topic, partition))
    return end
