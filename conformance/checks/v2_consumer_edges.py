"""v2-consumer checks at the edges of the log (contract.md §2.2 #15–#17, §4.6, §8.10; issue 16,
"detection at the edges"): a seek to the log end, to the last record and to the beginning, reads
bounded by `max_bytes` exactly at a record's size, and an instance kept idle for tens of seconds.

The mid-range checks of the same rows are in `v2_consumer`; a server off by one at the end of
the log passes those and fails these. Where a check must tell "written before the seek" from
"written after it", it runs alone ("isolated"): with other writers on the partition between the
produce and the seek, a record one before the end may be someone else's new record, so the judge
accepts any first offset in (last old, first new] and is exact only when nobody else writes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from conformance.checks.consumer_common import (
    DEEP_ONLY,
    LONG_IDLE_S,
    Sent,
    Session,
    all_records,
    judge_arrived,
    judge_long_lived,
    need_all,
    need_instance,
    require_status,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.v2_consumer import (
    EARLIEST,
    V2_ONLY,
    _assign,
    _own,
    _seek,
    first_offset,
    read_some,
    read_until,
)
from conformance.exchange import Exchange

ISOLATED = frozenset({"isolated"})
EMPTY_READ_MS = 100  # a read expected to be empty: no need to hold it 1 s (later reads see a late record too)
# Live, Confluent 5.5.0 v2: a 100 ms read after positions/end had not yet resolved the position
# (the consumer's first offset lookup took longer), so the records produced next were skipped as
# "before the end" and nothing came. Nothing arriving is evidence only after a warm-up long enough
# for that lookup; a record that does arrive decides at once, so a conformant server costs nothing.
SEEK_END_WARM_UPS_MS = (EMPTY_READ_MS, 1000, 3000)
SIZED = 64  # bytes of each max_bytes probe record's value (its key adds 8)

checks = CheckSet("v2-consumer", versions=V2_ONLY)
_req = checks.requirement


# -- judges ---------------------------------------------------------------------------------------


def partition_offsets_returned(reads: Sequence[Exchange], topic: str, partition: int) -> list[int]:
    """Every offset of topic/partition the reads returned, in the order they came."""
    return [
        r.offset
        for r in all_records(reads)
        if r.partition == partition and r.topic in (topic, None) and r.offset is not None
    ]


def judge_after_seek_end(
    seek_end: Exchange, reads: Sequence[Exchange], old: Sent, new: Sequence[Sent]
) -> Judgement:
    """D18/D21: after `positions/end` and a produce of `new`, the reads return exactly the new
    records: nothing written before the seek (the check's `old` record was the last one), the
    first new one not skipped, all of them in order."""
    j = Judgement()
    if not require_status(j, seek_end, 204, what="positions/end", why="clients skip the backlog this way"):
        return j
    offsets = partition_offsets_returned(reads, old.topic, old.partition)
    stale = [o for o in offsets if o <= old.offset]
    j.require(
        not stale,
        f"after positions/end, no record at or before {old.offset} (the last record before the seek)",
        f"records at offsets {stale[:5]}",
        "a seek to the end that lands before it re-delivers records the client meant to skip",
        reads[-1] if reads else seek_end,
    )
    first = offsets[0] if offsets else None
    if first is not None and not stale:
        j.require(
            first <= new[0].offset,
            f"the first record after positions/end at {new[0].offset} at the latest (the first record "
            "written after the seek)",
            f"first record at offset {first}",
            "a seek to the end that lands past it loses the next record written",
            reads[-1],
        )
        if first < new[0].offset:
            j.observe(
                f"records of another writer came first (from {first}; the check's from {new[0].offset})"
            )
    judge_arrived(j, reads, new, what="records written after positions/end")
    return j


def judge_beginning(
    seek_zero: Exchange,
    zero_reads: Sequence[Exchange],
    seek_beginning: Exchange,
    beginning_reads: Sequence[Exchange],
    topic: str,
    partition: int,
) -> Judgement:
    """D18: `positions/beginning` makes the next read start at the first retained record: where a
    seek to offset 0 starts (0, or, once retention dropped it, the log start the consumer resets
    to under `earliest`)."""
    j = Judgement()
    require_status(j, seek_zero, 204, what="positions to offset 0", why="")
    if not require_status(j, seek_beginning, 204, what="positions/beginning", why="clients rewind this way"):
        return j
    first = first_offset(zero_reads, topic, partition)
    if not j.require(
        first is not None,
        f"after positions to offset 0: the first retained record of {topic}/{partition}",
        f"no record in {len(zero_reads)} read(s)",
        "the partition holds the check's own record",
        zero_reads[-1] if zero_reads else seek_zero,
    ):
        return j
    start = first_offset(beginning_reads, topic, partition)
    j.require(
        start == first,
        f"after positions/beginning: the first retained record, offset {first}",
        f"first record at offset {start}"
        if start is not None
        else f"no record in {len(beginning_reads)} read(s)",
        "a rewind that starts after the first record loses it; one that starts elsewhere replays "
        "or skips records",
        beginning_reads[-1] if beginning_reads else seek_beginning,
    )
    return j


def judge_seek_to_last_and_end(
    seek_last: Exchange,
    last_reads: Sequence[Exchange],
    last: Sent,
    seek_end: Exchange,
    end_reads: Sequence[Exchange],
    new: Sent,
) -> Judgement:
    """D18/D21 at the end of the log: a seek to the last record (end - 1) starts exactly there; a
    seek to the log end (last + 1) returns nothing before it, and then the next record written."""
    j = Judgement()
    if require_status(j, seek_last, 204, what=f"positions to {last.offset} (the last record)", why=""):
        first = first_offset(last_reads, last.topic, last.partition)
        j.require(
            first == last.offset,
            f"after positions to {last.offset} (the last record): the read to start there",
            f"first record at offset {first}"
            if first is not None
            else f"no record in {len(last_reads)} read(s)",
            "a seek to the last record must return it: a client re-reading its last record depends on it",
            last_reads[-1] if last_reads else seek_last,
        )
        judge_arrived(j, last_reads, [last], what="the last record after a seek to it")
    end = last.offset + 1
    if require_status(j, seek_end, 204, what=f"positions to {end} (the log end)", why=""):
        offsets = partition_offsets_returned(end_reads, last.topic, last.partition)
        early = [o for o in offsets if o < end]
        j.require(
            not early,
            f"after positions to {end} (the log end): no record before {end}",
            f"records at offsets {early[:5]}",
            "a seek to the log end that is clamped to the last record re-delivers it",
            end_reads[-1] if end_reads else seek_end,
        )
        judge_arrived(j, end_reads, [new], what=f"the record written after positions to {end}")
    return j


def judge_max_bytes_stream(
    reads: Sequence[Exchange], limits: Sequence[int | None], mine: Sequence[Sent]
) -> Judgement:
    """D23m (and D21): over reads whose `max_bytes` lies below, at and above the size of the next
    record, and reads without it, the check's records all arrive, none twice, in offset order,
    whatever each `max_bytes` read answered (D23: returning nothing below the size is allowed)."""
    j = Judgement()
    topic, partition = mine[0].topic, mine[0].partition
    for read, limit in zip(reads, limits, strict=False):
        got_offsets = partition_offsets_returned([read], topic, partition)
        label = "no max_bytes" if limit is None else f"max_bytes={limit}"
        j.observe(f"{label}: {read.status} offsets {got_offsets[:6]}")
    offsets = partition_offsets_returned(reads, topic, partition)
    repeated = sorted({o for o in offsets if offsets.count(o) > 1})
    j.require(
        not repeated,
        "each record once across the max_bytes reads and the reads after them",
        f"offsets {repeated[:5]} returned more than once",
        "a max_bytes read that does not advance the position re-delivers records",
        reads[-1] if reads else None,
    )
    judge_arrived(j, reads, mine, what="records read with max_bytes at their size, then without")
    return j


# -- checks ---------------------------------------------------------------------------------------


def _consumer(ctx: CheckContext, s: Session, suffix: str, topic: str, partition: int) -> str:
    create, path = s.create(ctx.group(suffix), EARLIEST)
    path = need_instance(create, path)
    _assign(ctx, path, topic, partition)  # the assignment exists before any seek (§4.5)
    return path


@checks.add(_req(
    "V2C-080", "positions/end, then a produce: the next reads return exactly the new records",
    ("D18", "D21"), "2.2",
    "After `positions/end` on an assigned partition and a produce, the reads return the records "
    "written after the seek, the first of them included, and none written before it.",
    needs=ISOLATED,
))  # fmt: skip
def seek_end_then_new(ctx: CheckContext) -> Judgement:
    # Run alone: the judge tells "before the seek" from "after it" by the check's own records.
    topic, partition, _, old = _own(ctx, "e80a-", 1)
    last_before = old[0]
    with Session(ctx) as s:
        path = _consumer(ctx, s, "e80", topic, partition)
        for attempt, warm_up_ms in enumerate(SEEK_END_WARM_UPS_MS):
            seek_end = ctx.api.seek_to(path, "end", [(topic, partition)])
            # Kafka resolves a seek to the end lazily, at a poll: a read before the produce
            # fixes the position there, or the new records would count as "before the end" too.
            reads = [ctx.api.records(path, timeout=warm_up_ms)] if seek_end.status == 204 else []
            _, _, _, new = _own(ctx, f"e80b{attempt}-", 2)
            if reads:
                read_until(ctx, path, new, reads=reads)
            if seek_end.status != 204 or partition_offsets_returned(reads, topic, partition):
                break
            last_before = new[-1]  # nothing came: the warm-up read did not resolve the position
        judgement = judge_after_seek_end(seek_end, reads, last_before, new)
        if attempt:
            judgement.observe(f"positions/end took effect after a warm-up read of {warm_up_ms} ms")
        return judgement


@checks.add(_req(
    "V2C-081", "positions/beginning starts at the first retained record", ("D18",), "2.2",
    "After `positions/beginning`, the next read starts at the first retained record: where a "
    "seek to offset 0 starts.",
))  # fmt: skip
def seek_beginning_exact(ctx: CheckContext) -> Judgement:
    topic, partition, _, _ = _own(ctx, "e81-", 1)  # the partition is not empty
    with Session(ctx) as s:
        path = _consumer(ctx, s, "e81", topic, partition)
        zero = ctx.api.seek(path, [(topic, partition, 0)])
        zero_reads = read_some(ctx, path, topic, partition)
        beginning = ctx.api.seek_to(path, "beginning", [(topic, partition)])
        beginning_reads = read_some(ctx, path, topic, partition)
        return judge_beginning(zero, zero_reads, beginning, beginning_reads, topic, partition)


@checks.add(_req(
    "V2C-082", "A seek to the last record and to the log end reads exactly what is there",
    ("D18", "D21"), "2.2",
    "`positions` to the last record starts the next read at it; `positions` to the log end "
    "returns no earlier record, then the next record written.",
    needs=ISOLATED,
))  # fmt: skip
def seek_last_and_end(ctx: CheckContext) -> Judgement:
    # Run alone: the log end is the check's last record + 1 only while nobody else writes.
    topic, partition, _, mine = _own(ctx, "e82a-", 2)
    last = mine[-1]
    with Session(ctx) as s:
        path = _consumer(ctx, s, "e82", topic, partition)
        seek_last = ctx.api.seek(path, [(topic, partition, last.offset)])
        last_reads = read_some(ctx, path, topic, partition)
        seek_end = ctx.api.seek(path, [(topic, partition, last.offset + 1)])
        end_reads = [ctx.api.records(path, timeout=EMPTY_READ_MS)]
        _, _, _, new = _own(ctx, "e82b-", 1)
        if seek_end.status == 204:
            read_until(ctx, path, new, reads=end_reads)
        return judge_seek_to_last_and_end(seek_last, last_reads, last, seek_end, end_reads, new[0])


@checks.add(_req(
    "V2C-083", "max_bytes below, at and above a record's size: nothing skipped, nothing repeated",
    ("D23m", "D21"), "4.6",
    "On a throwaway consumer, reads with max_bytes one below, equal to and one above the next "
    "record's size, then reads without it, return every record once, in order.",
))  # fmt: skip
def max_bytes_at_record_size(ctx: CheckContext) -> Judgement:
    topic, partition, _, mine = _own(ctx, "e83-", 3, SIZED)
    size = len(mine[0].key or b"") + len(mine[0].value or b"")  # what max_bytes counts (§4.6)
    with Session(ctx) as s:
        # A throwaway consumer in a group of its own: a max_bytes read may lose records (§5.4).
        path = _consumer(ctx, s, "e83", topic, partition)
        _seek(ctx, path, topic, partition, mine[0].offset)
        limits: list[int | None] = [size - 1, size, size + 1, size + 1]
        reads = [ctx.api.records(path, max_bytes=limit) for limit in limits]
        before = len(reads)
        read_until(ctx, path, mine, reads=reads)
        limits += [None] * (len(reads) - before)
        return judge_max_bytes_stream(reads, limits, mine)


@checks.add(_req(
    "V2C-084", "An instance idle for tens of seconds still answers and keeps its position",
    ("D21", "D30"), "4.5",
    f"An assigned instance left idle for {LONG_IDLE_S:g} s resumes right after the last record it "
    "returned, delivers the records written meanwhile, and deletes with 204 (deep budget only).",
    needs=DEEP_ONLY,
))  # fmt: skip
def long_lived(ctx: CheckContext) -> Judgement:
    topic, partition, _, first = _own(ctx, "e84a-", 2)
    with Session(ctx) as s:
        path = _consumer(ctx, s, "e84", topic, partition)
        _seek(ctx, path, topic, partition, first[0].offset)
        before = read_until(ctx, path, first)
        need_all(before, first, "reading the check's first records before the idle wait")
        time.sleep(LONG_IDLE_S)  # the point of the check: bounded, and only at --budget deep
        _, _, _, later = _own(ctx, "e84b-", 2)
        after = read_until(ctx, path, later)
        return judge_long_lived(before, after, s.delete(path), later, idle_s=LONG_IDLE_S)
