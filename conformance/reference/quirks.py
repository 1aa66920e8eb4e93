"""Quirks: behaviours of real servers that are conformant (or a known upstream bug the suite must
step around) but that the fast in-memory reference would never show on its own.

A fault is a deviation the suite must catch. A quirk is the opposite: the suite must *tolerate*
it, with zero MUST failures and zero errors, because the real Confluent REST Proxy or another
server measured in the lab behaves that way (`../shared/lab`, `../shared/live`). Each quirk was
a false failure of the suite on a live server; switched on in the reference it keeps that cause
fixed in CI without the live server (`tests/selfverify/test_quirks.py`).

Switch them on with `kafka-rest-conformance serve --quirk ID` (repeatable, or `all`) or
`ReferenceConfig(quirks=...)`. They use the same hook points as faults (`faults.model.HOOK_POINTS`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conformance.reference.config import ApiVersion
from conformance.reference.faults.model import BOTH, V1, V2, Answer, Call, HookFn, json_answer

_INSTANCE = r"/consumers/(?P<group>[^/]+)/instances/(?P<instance>[^/]+)"
_V1_READ = re.compile(_INSTANCE + r"/topics/[^/]+")
_ASSIGN = re.compile(_INSTANCE + r"/assignments")
_SEEK = re.compile(_INSTANCE + r"/positions(?:/beginning|/end)?")
_INSTANCE_ANY = re.compile(_INSTANCE + r"(?:/.*)?")


@dataclass(frozen=True)
class Quirk:
    """A real server's behaviour the suite must tolerate; `observed` says where it was seen."""

    id: str
    description: str
    observed: str
    versions: frozenset[ApiVersion]
    hooks: Mapping[str, HookFn] = field(default_factory=dict)
    switches: frozenset[str] = frozenset()


def _instance_key(match: re.Match[str]) -> tuple[str, str]:
    return match["group"], match["instance"]


# -- Karapace 3.16.0: a seek right after assign is refused for a few ms ------------------------

ASSIGN_SETTLE_S = 0.03  # Karapace: 0/5 seeks accepted at once, 5/5 after 10-100 ms (lab)


async def _seek_refused_after_assign(call: Call) -> Answer | None:
    if call.method != "POST":
        return None
    assigned = call.shared.setdefault("quirk-assigned-at", {})
    if m := _ASSIGN.fullmatch(call.path):
        assigned[_instance_key(m)] = time.monotonic()
    elif (m := _SEEK.fullmatch(call.path)) and time.monotonic() - assigned.get(
        _instance_key(m), float("-inf")
    ) < ASSIGN_SETTLE_S:
        return json_answer(
            call, 409, {"error_code": 40903, "message": "Partition TopicPartition{...} is unassigned"}
        )
    return None


# -- Confluent 5.5.0 v1: overlapping consumer work trips a lock bug (kafka-rest issue 584) ------
#
# A v1 read takes its instance's ReentrantLock on one thread of the consumer pool (a cached pool,
# shared with commits) and is re-run every 50 ms until it finishes, on whichever thread is idle.
# Alone, the same thread takes it back; when another read or a commit is running, the read moves
# to another thread, its unlock throws IllegalMonitorStateException, the read answers 500/50002
# and the lock is never released (lab 2026-12-07; kafka-rest 5.5.0 ConsumerReadTask,
# ConsumerManager).

STALE_OP_S = 15.0
_V1_COMMIT = re.compile(_INSTANCE + r"/offsets")
_KAFKA_ERROR_NULL = {"error_code": 50002, "message": "Kafka error: null"}


async def _v1_overlap_request(call: Call) -> Answer | None:
    in_flight: dict[int, tuple[float, bool]] = call.shared.setdefault("quirk-v1-ops", {})
    doomed: set[int] = call.shared.setdefault("quirk-v1-doomed", set())
    stuck: set[tuple[str, str]] = call.shared.setdefault("quirk-v1-stuck", set())
    m = _INSTANCE_ANY.fullmatch(call.path)
    if m is None:
        return None
    if _instance_key(m) in stuck and call.method in ("DELETE", "POST"):
        # The read task's lock is never released: commit and DELETE of that instance wait forever.
        await call.hang()
        return None
    is_read = call.method == "GET" and bool(_V1_READ.fullmatch(call.path))
    is_commit = call.method == "POST" and bool(_V1_COMMIT.fullmatch(call.path))
    if not (is_read or is_commit):
        return None
    now = time.monotonic()
    live = {op: read for op, (started, read) in in_flight.items() if now - started < STALE_OP_S}
    if is_read and live:
        stuck.add(_instance_key(m))
        return json_answer(call, 500, _KAFKA_ERROR_NULL)
    if is_commit:
        doomed.update(op for op, read in live.items() if read)  # the running reads move threads
    doomed.discard(id(call))  # an id left by a read that never got its answer
    in_flight[id(call)] = (now, is_read)
    return None


def _v1_overlap_response(call: Call, answer: Answer) -> Answer:
    call.shared.get("quirk-v1-ops", {}).pop(id(call), None)
    doomed: set[int] = call.shared.get("quirk-v1-doomed", set())
    if id(call) in doomed:
        doomed.discard(id(call))
        if m := _INSTANCE_ANY.fullmatch(call.path):
            call.shared.setdefault("quirk-v1-stuck", set()).add(_instance_key(m))
        return json_answer(call, 500, _KAFKA_ERROR_NULL)
    return answer


# -- A JVM proxy holds consumer reads for its whole wait --------------------------------------

HELD_READ_S = 1.0  # Confluent consumer.request.timeout.ms = 1000


async def _reads_held(call: Call) -> Answer | None:
    if call.method == "GET" and (_V1_READ.fullmatch(call.path) or call.path.endswith("/records")):
        await asyncio.sleep(HELD_READ_S)
    return None


# -- Kafka group rebalance: a member joining rewinds the others to the committed offset -------


def _v1_rebalance_rewinds(call: Call, instance: Any, answer: dict[str, Any]) -> dict[str, Any]:
    members: dict[str, list[Any]] = call.shared.setdefault("quirk-v1-members", {})
    late: set[tuple[str, str]] = call.shared.setdefault("quirk-v1-late-rewind", set())
    group = members.setdefault(instance.group, [])
    for member in group:
        member.positions.clear()  # resume at the committed offset: uncommitted records come again
    group.append(instance)
    if len(group) > 1:
        # ZooKeeper rebalances take seconds: every member, the new one too, is rewound once more
        # after its next read, so that read's records come again (live, FUZZ-STATEFUL on 5.5).
        late.update((member.group, member.name) for member in group)
    return answer


def _v1_rebalance_late(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    late: set[tuple[str, str]] = call.shared.get("quirk-v1-late-rewind", set())
    m = _INSTANCE_ANY.fullmatch(call.path)
    if source != "v1-consumer" or m is None or _instance_key(m) not in late:
        return records
    late.discard(_instance_key(m))
    for member in call.shared.get("quirk-v1-members", {}).get(m["group"], []):
        if member.name == m["instance"]:
            member.positions.clear()
    # The old fetcher restarts at the committed offset while its buffer drains: the answer that
    # spans the rebalance holds its records twice (live 5.5 v1: offsets 76..99, 76, 77, ...).
    return records + records


# -- Kafka resolves positions/end lazily: a short first poll leaves it unresolved --------------
#
# KafkaConsumer.seekToEnd only marks the partition for reset; the offset lookup is sent at the
# next poll, and a new consumer's first lookup (metadata, connection) outlasts a 100 ms read. The
# position is then fixed at a later poll, at the log end *then*: records written in between are
# skipped (live, Confluent 5.5.0 v2: V2C-080 got nothing after a 100 ms warm-up read).

LAZY_END_RESOLVING_READ_MS = 500  # a read this long resolves the pending reset (lab: > 100 ms)
_V2_RECORDS = re.compile(_INSTANCE + r"/records")


async def _lazy_seek_end_request(call: Call) -> Answer | None:
    if call.method == "POST" and (m := _SEEK.fullmatch(call.path)):
        pending: set[tuple[str, str]] = call.shared.setdefault("quirk-end-pending", set())
        if call.path.endswith("/end"):
            pending.add(_instance_key(m))
        else:
            pending.discard(_instance_key(m))
    return None


def _lazy_seek_end_read(call: Call, source: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pending: set[tuple[str, str]] = call.shared.get("quirk-end-pending", set())
    m = _V2_RECORDS.fullmatch(call.path)
    if source != "v2-records" or m is None or _instance_key(m) not in pending:
        return records
    timeout = call.query.get("timeout", "")
    if not timeout.isdigit() or int(timeout) >= LAZY_END_RESOLVING_READ_MS:
        pending.discard(_instance_key(m))  # this poll resolves the reset: to the end as it is now
    return []  # what the reset skips (positions have advanced past it already)


QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        id="seek-refused-right-after-assign",
        description=f"a seek within {ASSIGN_SETTLE_S * 1000:.0f} ms of `POST …/assignments` answers "
        "409/40903 'is unassigned' (the assignment is applied asynchronously)",
        observed="Karapace 3.16.0, lab 2026-12-07 (librdkafka applies assign asynchronously)",
        versions=V2,
        hooks={"request": _seek_refused_after_assign},
    ),
    Quirk(
        id="v1-concurrent-read-stuck",
        description="a v1 consumer read that overlaps another read or a commit answers 500/50002 "
        "'Kafka error: null', and that instance's commit and DELETE then never answer",
        observed="Confluent kafka-rest 5.5.0 v1, lab 2026-12-07 (upstream kafka-rest issue 584: "
        "IllegalMonitorStateException in ConsumerTopicState.unlock)",
        versions=V1,
        hooks={"request": _v1_overlap_request, "response": _v1_overlap_response},
    ),
    Quirk(
        id="v1-rebalance-redelivers",
        description="when a v1 instance joins a group, every other member of it resumes at the "
        "committed offset, and every member once more after its next read (a rebalance done "
        "seconds later): records read but not committed are delivered again (at-least-once)",
        observed="Confluent kafka-rest 5.5.0 v1, lab 2026-12-07 (FUZZ-STATEFUL: a second member "
        "joined and the first read its uncommitted records again from 0)",
        versions=V1,
        hooks={"consumer_created": _v1_rebalance_rewinds, "read_records": _v1_rebalance_late},
    ),
    Quirk(
        id="seek-end-resolved-late",
        description="`positions/end` takes effect at the first v2 read of at least "
        f"{LAZY_END_RESOLVING_READ_MS} ms, at the log end as it is then; shorter reads before it "
        "return nothing, and records written meanwhile are skipped",
        observed="Confluent kafka-rest 5.5.0 v2, lab 2026-12-07 (V2C-080: a 100 ms read after "
        "positions/end, then a produce, then nothing; KafkaConsumer.seekToEnd is lazy)",
        versions=V2,
        hooks={"request": _lazy_seek_end_request, "read_records": _lazy_seek_end_read},
    ),
    Quirk(
        id="reads-held",
        description=f"every consumer read is held {HELD_READ_S:g} s before it is answered",
        observed="Confluent kafka-rest 5.5.0 and 7.5.0: reads wait consumer.request.timeout.ms",
        versions=BOTH,
        hooks={"request": _reads_held},
    ),
)


class UnknownQuirk(KeyError):
    """A quirk id that is not in the registry."""


@cache
def registry() -> Mapping[str, Quirk]:
    quirks: dict[str, Quirk] = {}
    for quirk in QUIRKS:
        if quirk.id in quirks:
            raise ValueError(f"duplicate quirk id {quirk.id!r}")
        quirks[quirk.id] = quirk
    return quirks


def resolve(ids: Iterable[str], version: ApiVersion | None = None) -> tuple[Quirk, ...]:
    """The quirks for these ids (`all` = every quirk of `version`); UnknownQuirk names a bad id."""
    known = registry()
    wanted = set(ids)
    if "all" in wanted:
        wanted = {q.id for q in known.values() if version is None or version in q.versions}
    for quirk_id in sorted(wanted):
        if quirk_id not in known:
            raise UnknownQuirk(quirk_id)
    return tuple(q for q in known.values() if q.id in wanted)
