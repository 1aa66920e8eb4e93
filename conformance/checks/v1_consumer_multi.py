"""v1-consumer checks with several partitions: the commit answer and the resume of an instance
that read two or more partitions of one topic (contract.md §2.1 #9–#10, §4.5, §8.9 C14, C15;
issue 16, "detection at the edges").

The single-partition checks of the same rows are in `v1_consumer`; a server that answers or
stores only the first partition of a commit passes those and fails these. A v1 instance reads
every partition of its topic, so the probes write their own records to two partitions of the
main topic and read it from `smallest` in a group of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.checks.api import b64
from conformance.checks.consumer_common import (
    Sent,
    Session,
    all_records,
    need,
    need_instance,
    own_records,
    unique,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.v1_consumer import (
    SMALLEST,
    V1,
    judge_commit,
    judge_reads_shape,
    last_returned,
    read_until,
)
from conformance.exchange import Exchange

PARTITIONS = (0, 1)
PER_PARTITION = 2
TWO_PARTITIONS = frozenset({"two-partitions"})

checks = CheckSet("v1-consumer", versions=V1)
_req = checks.requirement


# -- judges -------------------------------------------------------------------------------------------


def judge_multi_commit(
    reads: Sequence[Exchange], commit: Exchange, topic: str, partitions: Sequence[int]
) -> Judgement:
    """C14 after reads of several partitions: one entry per partition read, each with its own
    `consumed` (the last offset returned there) and `committed` = `consumed`."""
    j = judge_commit(reads, commit, topic)
    read = last_returned(reads, topic)
    for p in partitions:
        j.require(
            (topic, p) in read,
            f"the reads before the commit to return records of {topic}/{p}",
            f"records of {sorted(read)}",
            "without records of several partitions the commit answer cannot be judged per partition",
            reads[-1] if reads else commit,
        )
    return j


def judge_multi_resume(
    first_reads: Sequence[Exchange], second_reads: Sequence[Exchange], topic: str, partitions: Sequence[int]
) -> Judgement:
    """C15 with several partitions: a new instance of the group (after commit and delete) starts
    each partition right after the last record the first instance consumed there."""
    j = Judgement()
    consumed = last_returned(first_reads, topic)
    judge_reads_shape(j, second_reads, what="the new instance's read")
    second = all_records(second_reads, topic)
    for p in partitions:
        last = consumed.get((topic, p))
        if not j.require(
            last is not None,
            f"the first instance to read records of {topic}/{p}",
            "no records",
            "",
            first_reads[-1] if first_reads else None,
        ):
            continue
        assert last is not None
        mine = [r.offset for r in second if r.partition == p and r.offset is not None]
        first = mine[0] if mine else None
        j.require(
            first == last + 1,
            f"the new instance of the group to start {topic}/{p} at {last + 1} (committed {last} + 1, "
            f"one of {len(partitions)} partitions of the commit)",
            f"first offset {first}" if first is not None else f"no record of {topic}/{p}",
            "a commit that stores only some partitions makes the group re-read or skip the others",
            second_reads[-1] if second_reads else None,
        )
    return j


# -- probe helpers ------------------------------------------------------------------------------------


def _spread(ctx: CheckContext, label: str) -> list[Sent]:
    """The check's records, PER_PARTITION to each of PARTITIONS of the main topic, alternating in
    one produce request."""
    records = []
    for i in range(PER_PARTITION):
        for p in PARTITIONS:
            value = unique(ctx, f"{label}{p}-{i}")
            records.append({"key": b64(value[-8:]), "value": b64(value), "partition": p})
    ex = ctx.api.produce(ctx.topic, records, label="produce own records")
    return own_records(ex, len(records))


def _until_apart(ctx: CheckContext, path: str, reads: Sequence[Exchange]) -> list[Exchange]:
    """When both partitions' last returned offsets are equal (a quiet topic), one more record to
    the second and the reads that bring it: an answer giving every partition the first one's
    `consumed` must show."""
    last = last_returned(reads, ctx.topic)
    p0, p1 = ((ctx.topic, p) for p in PARTITIONS)
    if last.get(p0) is None or last.get(p0) != last.get(p1):
        return []
    value = unique(ctx, "apart")
    record = {"key": b64(value[-8:]), "value": b64(value), "partition": PARTITIONS[1]}
    extra = own_records(ctx.api.produce(ctx.topic, [record], label="produce own records"), 1)
    return read_until(ctx, path, ctx.topic, extra)


# -- checks -------------------------------------------------------------------------------------------


@checks.add(_req(
    "V1C-050", "Commit after reads of several partitions: one right entry per partition", ("C14",), "2.1",
    "After an instance read records of two partitions, POST …/offsets answers an entry for each "
    "partition, each with consumed = the last offset returned there and committed = consumed.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_commit(ctx: CheckContext) -> Judgement:
    mine = _spread(ctx, "m14-")
    with Session(ctx) as s:
        create, path = s.create(ctx.group("m14"), SMALLEST)
        path = need_instance(create, path)
        reads = read_until(ctx, path, ctx.topic, mine)
        reads += _until_apart(ctx, path, reads)
        return judge_multi_commit(reads, ctx.api.v1_commit(path), ctx.topic, PARTITIONS)


@checks.add(_req(
    "V1C-051", "A new instance resumes after the commit on each of several partitions", ("C15",), "4.5",
    "After an instance read two partitions, committed and was deleted, a new instance of the group starts "
    "each partition at its committed + 1.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_resume(ctx: CheckContext) -> Judgement:
    mine = _spread(ctx, "m15a-")
    group = ctx.group("m15")
    with Session(ctx) as s:
        create, path = s.create(group, SMALLEST)
        path = need_instance(create, path)
        first_reads = read_until(ctx, path, ctx.topic, mine)
        need(ctx.api.v1_commit(path), 200, "committing what the first instance read")  # C14: V1C-050
        need(s.delete(path), 204, "deleting the first instance")  # C16: V1C-016
        more = _spread(ctx, "m15b-")  # records after the commit on both partitions
        create2, path2 = s.create(group, SMALLEST)
        path2 = need_instance(create2, path2, "creating the group's second instance")
        second_reads = read_until(ctx, path2, ctx.topic, more)
        return judge_multi_resume(first_reads, second_reads, ctx.topic, PARTITIONS)
