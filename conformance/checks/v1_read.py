"""Checks of the v1-read area: `GET /topics/{t}/partitions/{p}/messages?offset=&count=`
(contract.md §2.1 #7, §4.4, §8.8: S1–S7). v1 only.

Every probe reads records it produced itself, at the offsets the server reported, so other
writers on the topic change nothing (§8 "read back").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.checks.api import b64, is_int
from conformance.checks.error_model import (
    got,
    judge_answer,
    observe_answer,
    sent,
    unknown_partition,
    unknown_topic_name,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.readback import decode_record, requested_offset
from conformance.exchange import Exchange
from conformance.requirements import Requirement

checks = CheckSet("v1-read")

RECORD_FIELDS = ("key", "value", "partition", "offset")
BATCH = 12  # records a probe writes: more than a cap of 10 would return


def _array(j: Judgement, read: Exchange, why: str) -> list[Any] | None:
    response = read.response
    body = response.json_or_none() if response is not None and response.status == 200 else None
    if not isinstance(body, list):
        j.fail(f"200 with a JSON array of records for {sent(read)}", got(read), why, read)
        return None
    return body


def judge_read(read: Exchange, values: Sequence[bytes], *, exact: bool) -> Judgement:
    """S1/S2: the read at X returns the records X, X+1, … in order, byte-identical to `values`
    (the values written at X, X+1, …). `exact`: exactly len(values) records; otherwise at least."""
    j = Judgement()
    start = requested_offset(read)
    body = _array(j, read, "a read by offset is how v1 clients fetch data")
    if body is None or start is None:
        return j
    count = len(body)
    j.require(
        count == len(values) if exact else count >= len(values),
        f"{'exactly' if exact else 'at least'} {len(values)} record(s) from offset {start}",
        f"{count}",
        "`count` says how many records the client wants; it has no maximum",
        read,
    )
    for position, raw in enumerate(body[: len(values)]):
        record = decode_record(raw)
        if record is None:
            j.fail("a record object", f"{raw!r}"[:80], "clients read each record as an object", read)
            continue
        j.require(
            record["offset"] == start + position,
            f"record {position} at offset {start + position} (in order, no gaps)",
            f"offset {record['offset']!r}",
            "records must come back in offset order starting at `offset`",
            read,
        )
        j.require(
            record["value"] == values[position] and record["problem"] is None,
            f"record {position}: the value written at offset {start + position}",
            f"{record['raw'].get('value')!r}"[:80] + (f" ({record['problem']})" if record["problem"] else ""),
            "read by offset must return the stored bytes unchanged",
            read,
        )
    offsets = [r.get("offset") for r in body if isinstance(r, dict)]
    ints = [o for o in offsets if is_int(o)]
    j.require(
        len(ints) == len(offsets) and ints == list(range(start, start + len(ints))),
        "contiguous offsets from the requested one",
        f"offsets {offsets[:20]}",
        "a read by offset must return a contiguous run of the partition",
        read,
    )
    return j


def judge_record_fields(reads: Sequence[Exchange]) -> Judgement:
    """S3: records carry key, value, partition and offset (extra fields, e.g. `topic`, allowed)."""
    j = Judgement()
    for read in reads:
        body = _array(j, read, "S3 needs records")
        if not body:
            j.require(
                body is None or bool(body), "at least one record", "[]", "S3 needs records to judge", read
            )
            continue
        for raw in body:
            missing = [f for f in RECORD_FIELDS if not isinstance(raw, dict) or f not in raw]
            ok = not missing and isinstance(raw, dict) and is_int(raw["partition"]) and is_int(raw["offset"])
            j.require(
                ok,
                "a record {key, value, partition:int, offset:int}",
                f"missing {missing}" if missing else f"{raw!r}"[:100],
                "clients read these four fields",
                read,
            )
    return j


def judge_log_end(attempts: Sequence[Exchange]) -> Judgement:
    """S4: at the log end, 200 []. Each attempt reads at (its last produced offset + 1); another
    writer may have appended meanwhile, so one `[]` among the attempts is required and any
    records returned must lie at or after the requested offset."""
    j = Judgement()
    empty = False
    for read in attempts:
        body = _array(j, read, "reading at the log end is how a client polls for new data")
        if body is None:
            continue
        start = requested_offset(read)
        if not body:
            empty = True
            continue
        early = [
            r.get("offset")
            for r in body
            if isinstance(r, dict)
            and not (is_int(r.get("offset")) and start is not None and r["offset"] >= start)
        ]
        j.require(
            not early,
            f"no record before offset {start}",
            f"offsets {early}",
            "a read at an offset must not return earlier records",
            read,
        )
    if attempts and not j.findings:
        j.require(
            empty,
            "200 [] at the log end",
            "records at every attempt",
            "a read at the next offset must be empty until something is written",
            attempts[-1],
        )
    return j


def judge_out_of_range(reads: Sequence[Exchange], *, exact: bool) -> Judgement:
    """S5: beyond the end or negative: not 200 with records (any 4xx/5xx or 200 []).
    S5s (exact): 500/50002."""
    j = Judgement()
    for read in reads:
        if exact:
            judge_answer(j, read, (500,), 50002, "Confluent maps Kafka's OFFSET_OUT_OF_RANGE to 500/50002")
            continue
        status = read.status
        body = read.response.json_or_none() if read.response is not None else None
        ok = status is not None and (status >= 400 or (status == 200 and body == []))
        j.require(
            ok,
            f"a 4xx/5xx or 200 [] for {sent(read)}",
            got(read) + (f" with {len(body)} record(s)" if isinstance(body, list) else ""),
            "records returned for an offset that does not exist are someone else's records",
            read,
        )
    return j


def judge_unknown(topic_read: Exchange, partition_read: Exchange) -> Judgement:
    """S7: unknown topic 404/40401; unknown partition 404/40402."""
    j = Judgement()
    judge_answer(j, topic_read, (404,), 40401, "clients tell a missing topic from other errors by 40401")
    judge_answer(
        j, partition_read, (404,), 40402, "clients tell a missing partition from other errors by 40402"
    )
    return j


# -- probes ------------------------------------------------------------------------------------------


def _write(ctx: CheckContext, tag: str, count: int) -> tuple[Exchange, list[bytes], int | None]:
    """Produce `count` unique records to partition 0 by path; -> produce, values, first offset."""
    values = [f"{ctx.run_id}-{tag}-{i}-{ctx.rng.randrange(16**6):06x}".encode() for i in range(count)]
    produce = ctx.api.produce(ctx.topic, [{"value": b64(v)} for v in values], partition=0)
    body = produce.response.json_or_none() if produce.response is not None and produce.status == 200 else None
    offsets = body.get("offsets") if isinstance(body, dict) else None
    first = (
        offsets[0].get("offset")
        if isinstance(offsets, list) and offsets and isinstance(offsets[0], dict)
        else None
    )
    return produce, values, first if is_int(first) else None


def _need_write(produce: Exchange) -> Judgement:
    j = Judgement()
    j.fail(
        f"200 with offsets for {sent(produce)}", got(produce), "the read checks need records to read", produce
    )
    return j


@checks.add(
    Requirement(
        id="READ-001",
        title="Read by offset without count returns one record",
        area="v1-read",
        rows=("S1",),
        section="2.1",
        statement="GET …/messages?offset=X returns exactly the record at X.",
        versions=("v1",),
    )
)
def default_count(ctx: CheckContext) -> Judgement:
    produce, values, first = _write(ctx, "s1", 3)
    if first is None:
        return _need_write(produce)
    return judge_read(ctx.api.messages(ctx.topic, 0, first), values[:1], exact=True)


@checks.add(
    Requirement(
        id="READ-002",
        title="count returns that many records, in order",
        area="v1-read",
        rows=("S2",),
        section="4.4",
        statement="count=3 returns the records X..X+2 in order, byte-identical; a count running past the "
        "log end (from the next-to-last record, and count=1000) returns all remaining records and nothing else.",
        versions=("v1",),
        # Run alone: X..X+2 are the check's own records only without concurrent writers to
        # partition 0 (Confluent interleaves other producers' records within one request).
        needs=frozenset({"isolated"}),
    )
)
def count_param(ctx: CheckContext) -> Judgement:
    produce, values, first = _write(ctx, "s2", BATCH)
    if first is None:
        return _need_write(produce)
    j = judge_read(ctx.api.messages(ctx.topic, 0, first, 3), values[:3], exact=True)
    j.extend(judge_read(ctx.api.messages(ctx.topic, 0, first + 1, 3), values[1:4], exact=True))
    # Past the end by a few: exactly the last two records (alone, nobody writes after them).
    j.extend(judge_read(ctx.api.messages(ctx.topic, 0, first + BATCH - 2, 5), values[-2:], exact=True))
    return j.extend(judge_read(ctx.api.messages(ctx.topic, 0, first, 1000), values, exact=False))


@checks.add(
    Requirement(
        id="READ-009",
        title="Read at the last record without count returns exactly it",
        area="v1-read",
        rows=("S1",),
        section="2.1",
        statement="GET …/messages?offset=<last offset> returns exactly the last record of the partition.",
        versions=("v1",),
        # Run alone: the record is the partition's last only while nobody else writes to it (an
        # append after it changes nothing for the judge: count 1 still returns that record).
        needs=frozenset({"isolated"}),
    )
)
def default_count_at_last(ctx: CheckContext) -> Judgement:
    produce, values, first = _write(ctx, "s1-last", 3)
    if first is None:
        return _need_write(produce)
    return judge_read(ctx.api.messages(ctx.topic, 0, first + 2), values[2:], exact=True)


@checks.add(
    Requirement(
        id="READ-003",
        title="Records carry key, value, partition and offset",
        area="v1-read",
        rows=("S3",),
        section="2.1",
        statement="Each record of a read has key, value, partition and offset (extra fields allowed).",
        versions=("v1",),
    )
)
def record_fields(ctx: CheckContext) -> Judgement:
    key = b64(f"{ctx.run_id}-s3-key".encode())
    produce = ctx.api.produce(
        ctx.topic,
        [{"key": key, "value": b64(f"{ctx.run_id}-s3".encode())}, {"value": b64(b"s3")}],
        partition=0,
    )
    body = produce.response.json_or_none() if produce.response is not None and produce.status == 200 else None
    offsets = body.get("offsets") if isinstance(body, dict) else None
    first = (
        offsets[0].get("offset")
        if isinstance(offsets, list) and offsets and isinstance(offsets[0], dict)
        else None
    )
    if not is_int(first):
        return _need_write(produce)
    return judge_record_fields([ctx.api.messages(ctx.topic, 0, first, 2)])


@checks.add(
    Requirement(
        id="READ-004",
        title="A read at the log end is 200 []",
        area="v1-read",
        rows=("S4",),
        section="4.4",
        statement="GET …/messages?offset=<log end> answers 200 [].",
        versions=("v1",),
        # Run alone: the suite's own concurrent writers to partition 0 would otherwise keep
        # moving the log end between the produce and the read.
        needs=frozenset({"isolated"}),
    )
)
def at_log_end(ctx: CheckContext) -> Judgement:
    attempts = []
    for attempt in range(5):
        produce, _, first = _write(ctx, f"s4-{attempt}", 1)
        if first is None:
            return _need_write(produce)
        read = ctx.api.messages(ctx.topic, 0, first + 1)
        attempts.append(read)
        body = read.response.json_or_none() if read.response is not None else None
        if read.status != 200 or body == []:
            break
    return judge_log_end(attempts)


# §8 S5 probes end+100. Other checks (and other users of a shared topic) write to the same
# partition meanwhile, so the probe goes far enough beyond the end that no writer can reach it.
BEYOND = 1_000_000


def _out_of_range(ctx: CheckContext) -> list[Exchange]:
    _, _, first = _write(ctx, "s5", 1)
    end = (first + 1) if first is not None else 0
    return [ctx.api.messages(ctx.topic, 0, end + BEYOND), ctx.api.messages(ctx.topic, 0, -1)]


@checks.add(
    Requirement(
        id="READ-005",
        title="Out-of-range offsets return no records",
        area="v1-read",
        rows=("S5",),
        section="4.4",
        statement="A read beyond the log end (+100) or at -1 is not answered 200 with records.",
        versions=("v1",),
    )
)
def out_of_range(ctx: CheckContext) -> Judgement:
    return judge_out_of_range(_out_of_range(ctx), exact=False)


@checks.add(
    Requirement(
        id="READ-006",
        title="Out-of-range offsets: 500/50002",
        area="v1-read",
        rows=("S5s",),
        section="2.1",
        statement="A read beyond the log end or at -1 answers 500/50002 (Kafka OFFSET_OUT_OF_RANGE).",
        versions=("v1",),
    )
)
def out_of_range_exact(ctx: CheckContext) -> Judgement:
    return judge_out_of_range(_out_of_range(ctx), exact=True)


@checks.add(
    Requirement(
        id="READ-007",
        title="A read without offset (recorded)",
        area="v1-read",
        rows=("S6",),
        section="2.1",
        statement="The answer to a read without `offset` is recorded (2.0 reads 0; 5.5 answers 400/400).",
        versions=("v1",),
    )
)
def missing_offset(ctx: CheckContext) -> Judgement:
    j = Judgement()
    observe_answer(j, ctx.api.messages(ctx.topic, 0, None), "S6")
    return j


@checks.add(
    Requirement(
        id="READ-008",
        title="Unknown topic and partition on read",
        area="v1-read",
        rows=("S7",),
        section="2.1",
        statement="A read of an unknown topic answers 404/40401, of an unknown partition 404/40402.",
        versions=("v1",),
    )
)
def unknown_read(ctx: CheckContext) -> Judgement:
    topic_read = ctx.api.messages(unknown_topic_name(ctx), 0, 0)
    partition_read = ctx.api.messages(ctx.topic, unknown_partition(ctx, ctx.topic), 0)
    return judge_unknown(topic_read, partition_read)
