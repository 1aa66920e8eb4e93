"""v2-consumer checks with several elements: commits, seeks and assignments of two or more
partitions in one request, subscriptions of two topics, and answers that span several partitions
(contract.md §2.2 #10–#19, §8.10; issue 16, "detection at the edges").

The single-element checks of the same rows are in `v2_consumer`; a server that handles only the
first element of a list passes those and fails these. Every probe writes its own records to two
partitions in one produce request (records alternate between them) and judges each partition on
its own, so another check writing to the same partitions meanwhile changes nothing.

Probes follow §4.5 as `v2_consumer` does: a seek comes only after `assignments` (or after the
first poll of a subscription); reads send `timeout`; commits name the check's own topic only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from conformance.checks.api import b64
from conformance.checks.consumer_common import (
    Sent,
    Session,
    all_records,
    body_of,
    find,
    got,
    need,
    need_instance,
    own_records,
    records_of,
    require_status,
    unique,
)
from conformance.checks.model import CheckContext, CheckSet, Judgement
from conformance.checks.v2_consumer import (
    BODY_LESS_COMMIT_WAIT_S,
    COMMITTED_FIELDS,
    EARLIEST,
    LATEST,
    MAX_READS,
    V2_ONLY,
    SeekStep,
    committed_offset,
    first_offset,
    judge_records_read,
    judge_seek,
    judge_subscription_contents,
    partitions_of,
    read_until,
)
from conformance.exchange import Exchange

TP = tuple[str, int]
PER_PARTITION = 4  # per partition: a target past the partition's first record with a record after it
TWO_PARTITIONS = frozenset({"two-partitions"})

checks = CheckSet("v2-consumer", versions=V2_ONLY)
_req = checks.requirement


# -- readers ----------------------------------------------------------------------------------------


def by_partition(mine: Sequence[Sent]) -> dict[TP, list[Sent]]:
    """The check's records per (topic, partition), in offset order."""
    out: dict[TP, list[Sent]] = {}
    for s in sorted(mine, key=lambda s: (s.topic, s.partition, s.offset)):
        out.setdefault((s.topic, s.partition), []).append(s)
    return out


def last_fetched(reads: Sequence[Exchange], tp: TP) -> int | None:
    offsets = [
        r.offset
        for r in all_records(reads)
        if r.partition == tp[1] and r.topic in (tp[0], None) and r.offset is not None
    ]
    return max(offsets, default=None)


# -- judges -------------------------------------------------------------------------------------------


def judge_multi_commit(
    commit: Exchange, get: Exchange | None, new_member_reads: Sequence[Exchange], committed: dict[TP, int]
) -> Judgement:
    """D26 with several partitions in one commit: a new member of the group starts at X+1 on each
    partition, and `GET offsets` shows X+1 for each partition it lists (a partition it leaves out
    is D27's finding, V2C-061)."""
    j = Judgement()
    require_status(j, commit, (200, 204), what=f"commit of {len(committed)} partitions", why="")
    for (topic, partition), x in sorted(committed.items()):
        if get is not None and get.status == 200:
            stored = committed_offset(get, topic, partition)
            j.require(
                stored is None or stored == x + 1,
                f"GET offsets after one commit of several partitions: {topic}/{partition} at {x + 1}",
                f"offset {stored}",
                "each partition of the commit stores its own next offset, not another entry's",
                get,
            )
        first = first_offset(new_member_reads, topic, partition)
        j.require(
            first == x + 1,
            f"a new member of the group to start {topic}/{partition} at {x + 1} (committed {x} in a "
            f"commit of {len(committed)} partitions)",
            f"first offset {first}" if first is not None else f"no record in {len(new_member_reads)} read(s)",
            "a commit that keeps only some of its entries makes the group replay or skip the others",
            new_member_reads[-1] if new_member_reads else commit,
        )
    return j


def judge_multi_committed(get: Exchange, partitions: Sequence[TP]) -> Judgement:
    """D27 with several partitions: `GET offsets` answers 200 {offsets: [...]} with an entry
    {topic, partition, offset, metadata} for each committed partition asked for."""
    j = Judgement()
    body = body_of(get)
    entries = body.get("offsets") if isinstance(body, dict) and get.status == 200 else None
    if not j.require(
        isinstance(entries, list),
        "GET offsets: 200 {offsets: [...]}",
        f"{got(get)} {get.response.text[:160] if get.response is not None else ''}",
        "clients read committed positions from this endpoint",
        get,
    ):
        return j
    assert isinstance(entries, list)
    listed = {
        (e.get("topic"), e.get("partition")): e
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("topic"), str) and isinstance(e.get("partition"), int)
    }
    for topic, partition in partitions:
        entry = listed.get((topic, partition))
        j.require(
            entry is not None and all(f in entry for f in COMMITTED_FIELDS),
            f"GET offsets for {len(partitions)} committed partitions: an entry {{topic, partition, offset, "
            f"metadata}} for {topic}/{partition}",
            f"entries for {sorted(listed, key=str)}",
            "a client asking for several partitions must get each one's committed position",
            get,
        )
    return j


def judge_multi_bodyless(
    reads: Sequence[Exchange], commit: Exchange, gets: Sequence[Exchange], partitions: Sequence[TP]
) -> Judgement:
    """D28 after reads of several partitions: the body-less commit answers 200 or 204 and, where
    `GET offsets` exists, shows last fetched + 1 for each partition within 2 s."""
    j = Judgement()
    if not require_status(j, commit, (200, 204), what="a body-less commit", why="Confluent clients commit all "
                          "fetched records this way"):  # fmt: skip
        return j
    answered = [g for g in gets if g.status == 200]
    for tp in partitions:
        last = last_fetched(reads, tp)
        if not j.require(
            last is not None,
            f"the reads before the commit to return records of {tp[0]}/{tp[1]}",
            "no record",
            "without fetched records the body-less commit cannot be judged",
            reads[-1] if reads else commit,
        ):
            continue
        assert last is not None
        if answered:
            stored = committed_offset(answered[-1], *tp)
            j.require(
                stored == last + 1,
                f"GET offsets within {BODY_LESS_COMMIT_WAIT_S:g} s of a body-less commit after reads of "
                f"{len(partitions)} partitions: {tp[0]}/{tp[1]} at {last + 1} (last fetched + 1)",
                f"offset {stored}",
                "a commit of everything fetched must store every partition's position",
                answered[-1],
            )
    return j


def judge_assignment_listing(assign: Exchange, get: Exchange, expected: Sequence[TP]) -> Judgement:
    """D15b with several partitions: `GET assignments` lists each of them, once."""
    j = Judgement()
    require_status(j, assign, 204, what=f"assign of {len(expected)} partitions", why="")
    listed = partitions_of(get)
    body = body_of(get)
    raw = body.get("partitions") if isinstance(body, dict) else None
    count = len(raw) if isinstance(raw, list) else None
    j.require(
        listed == set(expected) and count == len(expected),
        f"GET assignments after assigning {len(expected)} partitions: 200 listing {sorted(expected)}",
        f"{got(get)} partitions {sorted(listed, key=str) if listed is not None else None} ({count} entries)",
        "clients check a manual assignment of several partitions through this endpoint",
        get,
    )
    return j


def judge_spanning_read(reads: Sequence[Exchange], mine: Sequence[Sent], *, what: str) -> Judgement:
    """D21 / D20 with several partitions: records come from every partition the check wrote to,
    each partition's in strictly increasing offset order, none missing and none twice, whatever
    the interleaving between partitions."""
    j = judge_records_read(reads, mine, what=what)
    seen: dict[tuple[str | None, int, int], int] = {}
    for read in reads:
        for rec in records_of(read) or []:
            if rec.partition is None or rec.offset is None:
                continue
            key = (rec.topic, rec.partition, rec.offset)
            seen[key] = seen.get(key, 0) + 1
    twice = sorted((k for k, n in seen.items() if n > 1), key=str)
    j.require(
        not twice,
        f"{what}: each record once",
        f"{len(twice)} record(s) returned more than once, first {twice[0] if twice else None}",
        "a record delivered twice is processed twice",
        reads[-1] if reads else None,
    )
    return j


# -- probe helpers ------------------------------------------------------------------------------------


def _spread(ctx: CheckContext, label: str, tps: Sequence[TP]) -> list[Sent]:
    """The check's records, PER_PARTITION to each of `tps`, in one produce request per topic with
    the partitions alternating (so one read answer interleaves them)."""
    mine: list[Sent] = []
    for topic in dict.fromkeys(t for t, _ in tps):
        parts = [p for t, p in tps if t == topic]
        records = []
        for i in range(PER_PARTITION):
            for p in parts:
                value = unique(ctx, f"{label}{p}-{i}")
                records.append({"key": b64(value[-8:]), "value": b64(value), "partition": p})
        mine += own_records(ctx.api.produce(topic, records, label="produce own records"), len(records))
    return mine


def _two_partitions(ctx: CheckContext) -> list[TP]:
    return [(ctx.topic, 0), (ctx.topic, 1)]


def _created(
    s: Session, ctx: CheckContext, suffix: str, reset: dict[str, str], group: str | None = None
) -> str:
    create, path = s.create(group or ctx.group(suffix), reset)
    return need_instance(create, path)


def _assigned(ctx: CheckContext, path: str, tps: Sequence[TP], *, verify: bool = True) -> Exchange:
    """Assign several partitions (setup here: D15 is judged by V2C-018, D15b by V2C-064). With
    `verify`, where `GET assignments` answers without some of them, a note says that a failure
    below may be the assignment's (V2C-064, V2C-065): only the reads can tell a lost assignment
    from a listing that leaves partitions out, so the check goes on."""
    done = need(ctx.api.assign(path, list(tps)), 204, f"assigning {len(tps)} partitions")
    if verify:
        listed = partitions_of(ctx.api.assignments(path))
        if listed is not None and not set(tps) <= listed:
            ctx.api.notes.append(
                f"GET assignments after assigning {sorted(tps)} listed {sorted(listed, key=str)}: a failure "
                "here may be the assignment's (D15b: V2C-064, D21: V2C-065)"
            )
    return done


def _seek_each(ctx: CheckContext, path: str, offsets: Sequence[tuple[str, int, int]]) -> None:
    """Seek partition by partition, one request each (setup: several in one request is V2C-063)."""
    for t, p, o in offsets:
        need(ctx.api.seek(path, [(t, p, o)]), 204, f"seeking to {t}/{p}@{o}")


def read_partitions(ctx: CheckContext, path: str, tps: Sequence[TP], limit: int = 5) -> list[Exchange]:
    """Read until each of `tps` has returned a record (at most `limit` reads, or an error answer)."""
    out: list[Exchange] = []
    for _ in range(limit):
        read = ctx.api.records(path)
        out.append(read)
        if read.status != 200 or all(first_offset(out, *tp) is not None for tp in tps):
            break
    return out


def _distinct_target(first: int, candidates: Sequence[Sent]) -> Sent:
    """A record among `candidates` whose offset differs from `first`: a fault that applies one
    entry's offset to every partition must show. Callers leave out the partition's first record
    (it may be the log start, where an ignored seek would also read from) and its last (a new
    member must find a record after the target)."""
    return next((c for c in candidates if c.offset != first), candidates[0])


# -- checks -------------------------------------------------------------------------------------------


@checks.add(_req(
    "V2C-060", "A commit of several partitions makes the group resume at X+1 on each", ("D26",), "2.2",
    "After one commit naming two partitions at different offsets, a new member of the group starts "
    "each partition at its own X+1, and GET offsets (where present) shows X+1 for each.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_commit(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx)
    mine = by_partition(_spread(ctx, "m26-", tps))
    (t0, p0), (t1, p1) = tps
    x0 = mine[(t0, p0)][0].offset
    # The second partition's target differs from the first's, and has a record after it.
    x1 = _distinct_target(x0, mine[(t1, p1)][1:-1]).offset
    committed = {(t0, p0): x0, (t1, p1): x1}
    group = ctx.group("m26")
    with Session(ctx) as s:
        path = _created(s, ctx, "m26", EARLIEST, group)
        _assigned(ctx, path, tps)
        offsets = [(t, p, x) for (t, p), x in committed.items()]
        done = need(ctx.api.commit(path, offsets), (200, 204), "committing two partitions")  # D25: V2C-031
        get = ctx.api.committed(path, tps)
        s.delete(path)
        # LATEST: a partition without a committed offset reads nothing, so a lost entry shows. The
        # new member takes one partition at a time: the several-partition commit is what is judged,
        # and an assignment keeping only its first partition is V2C-065's finding, not this one's.
        path2 = _created(s, ctx, "m26", LATEST, group)
        reads: list[Exchange] = []
        for tp in tps:
            need(ctx.api.assign(path2, [tp]), 204, f"assigning {tp[0]}/{tp[1]}")
            reads += read_partitions(ctx, path2, [tp])
        return judge_multi_commit(done, get, reads, committed)


@checks.add(_req(
    "V2C-061", "GET offsets lists each of several committed partitions", ("D27",), "2.2",
    "After one commit naming two partitions, GET offsets asked for both answers an entry "
    "{topic, partition, offset, metadata} for each.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_committed(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx)
    mine = by_partition(_spread(ctx, "m27-", tps))
    with Session(ctx) as s:
        path = _created(s, ctx, "m27", EARLIEST)
        _assigned(ctx, path, tps)
        offsets = [(t, p, mine[(t, p)][0].offset) for t, p in tps]
        need(ctx.api.commit(path, offsets), (200, 204), "committing two partitions")  # D25: V2C-031
        return judge_multi_committed(ctx.api.committed(path, tps), tps)


@checks.add(_req(
    "V2C-062", "Body-less commit after reads of several partitions stores each one", ("D28",), "2.2",
    "After reads that returned records of two partitions, a body-less commit answers 200 or 204 and, "
    "where GET offsets exists, stores last fetched + 1 for each partition within 2 s.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_bodyless_commit(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx)
    mine = _spread(ctx, "m28-", tps)
    first = by_partition(mine)
    with Session(ctx) as s:
        path = _created(s, ctx, "m28", EARLIEST)
        _assigned(ctx, path, tps)
        _seek_each(ctx, path, [(t, p, first[(t, p)][0].offset) for t, p in tps])
        reads = read_until(ctx, path, mine)
        done = ctx.api.commit(path, None)  # body-less: everything fetched so far
        gets: list[Exchange] = []
        deadline = time.monotonic() + BODY_LESS_COMMIT_WAIT_S
        while done.status in (200, 204):
            gets.append(ctx.api.committed(path, tps))
            settled = all(
                (last := last_fetched(reads, tp)) is not None and committed_offset(gets[-1], *tp) == last + 1
                for tp in tps
            )
            if gets[-1].status != 200 or settled or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # Confluent commits asynchronously (§4.5)
        return judge_multi_bodyless(reads, done, gets, tps)


@checks.add(_req(
    "V2C-063", "Seeks naming several partitions move each one", ("D18",), "2.2",
    "On two assigned partitions, one `positions` request with a different offset for each, then one "
    "`positions/beginning` and one `positions/end` naming both, answer 204, and each partition's next "
    "read starts where that request put it.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_seek(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx)
    mine = by_partition(_spread(ctx, "m18-", tps))
    (t0, p0), (t1, p1) = tps
    x0 = mine[(t0, p0)][1].offset  # not the first record: beginning must move back from here
    x1 = _distinct_target(x0, mine[(t1, p1)][1:-1]).offset
    with Session(ctx) as s:
        path = _created(s, ctx, "m18", EARLIEST)
        _assigned(ctx, path, tps)  # the assignment exists before any seek (§4.5)
        moved = ctx.api.seek(path, [(t0, p0, x0), (t1, p1, x1)])
        after_move = read_partitions(ctx, path, tps)
        begun = ctx.api.seek_to(path, "beginning", tps)
        after_begin = read_partitions(ctx, path, tps)
        ended = ctx.api.seek_to(path, "end", tps)
        after_end = [ctx.api.records(path, timeout=300)]  # expected empty: no need to wait 1 s
        steps = []
        for (t, p), x in (((t0, p0), x0), ((t1, p1), x1)):
            last = mine[(t, p)][-1].offset
            steps += [
                SeekStep(moved, after_move, t, p, x, x, True, f"positions naming 2 partitions, {t}/{p} to {x}"),
                SeekStep(begun, after_begin, t, p, 0, mine[(t, p)][0].offset, True,
                         f"positions/beginning naming 2 partitions, {t}/{p}"),
                SeekStep(ended, after_end, t, p, last + 1, None, False,
                         f"positions/end naming 2 partitions, {t}/{p}"),
            ]  # fmt: skip
        return judge_seek(steps)


@checks.add(_req(
    "V2C-064", "GET assignments lists each of several assigned partitions", ("D15b",), "2.2",
    "After assigning two partitions of the main topic (and the single-partition topic's, when given), "
    "`GET …/assignments` lists each of them once.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_assignments(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx) + ([(ctx.single_topic, 0)] if ctx.single_topic else [])
    with Session(ctx) as s:
        path = _created(s, ctx, "m15b", LATEST)
        done = ctx.api.assign(path, tps)
        return judge_assignment_listing(done, ctx.api.assignments(path), tps)


@checks.add(_req(
    "V2C-065", "Reads of several assigned partitions: all of them, each in order, each record once", ("D21",),
    "2.2",
    "With two partitions assigned, records produced to both (alternating) all arrive, each partition's in "
    "strictly increasing offset order, none missing and none twice, however one answer interleaves them.",
    needs=TWO_PARTITIONS,
))  # fmt: skip
def multi_assigned_read(ctx: CheckContext) -> Judgement:
    tps = _two_partitions(ctx)
    with Session(ctx) as s:
        path = _created(s, ctx, "m21", LATEST)
        _assigned(ctx, path, tps, verify=False)  # what the reads deliver is the judgement here
        # No seek (the multi-partition seek is V2C-063's): a first poll fixes each partition's LATEST
        # position, and the check's records, produced after it, are the next ones on both.
        warm = ctx.api.records(path)
        need(warm, 200, "a first read of the assignment")
        mine = _spread(ctx, "m21-", tps)
        reads = read_until(ctx, path, mine)
        return judge_spanning_read(reads, mine, what="read of 2 assigned partitions")


def _subscribed_topics(ctx: CheckContext) -> list[str]:
    assert ctx.single_topic is not None
    return [ctx.topic, ctx.single_topic]


@checks.add(_req(
    "V2C-066", "GET subscription lists both topics of a two-topic subscription", ("D12b",), "2.2",
    "Right after subscribing to {topics: [main, single-partition]}, `GET …/subscription` lists exactly "
    "both.",
    needs=frozenset({"single-partition-topic"}),
))  # fmt: skip
def multi_subscription(ctx: CheckContext) -> Judgement:
    topics = _subscribed_topics(ctx)
    with Session(ctx) as s:
        path = _created(s, ctx, "m12b", LATEST)
        need(ctx.api.subscribe(path, topics), 204, "subscribing to two topics")  # D11: V2C-012
        return judge_subscription_contents(ctx.api.subscription(path), topics)


@checks.add(_req(
    "V2C-067", "A two-topic subscription reads the records of both topics", ("D20",), "2.2",
    "A consumer subscribed to {topics: [main, single-partition]} returns, within 10 reads, the records "
    "produced to both topics, each partition's in offset order.",
    needs=frozenset({"single-partition-topic"}),
))  # fmt: skip
def multi_subscribed_read(ctx: CheckContext) -> Judgement:
    topics = _subscribed_topics(ctx)
    tps = [(topics[0], 0), (topics[1], 0)]
    mine = _spread(ctx, "m20-", tps)
    first = by_partition(mine)
    with Session(ctx) as s:
        path = _created(s, ctx, "m20", EARLIEST)
        need(ctx.api.subscribe(path, topics), 204, "subscribing to two topics")  # D11: V2C-012
        # The first poll joins the group; the assignment may come a few polls later (a rebalance
        # delay). On a long backlog, each partition jumps to the check's records once its seek is
        # taken (§4.5): tried after every read until it is, never judged (D18, D19 are elsewhere).
        reads: list[Exchange] = []
        jumped: set[TP] = set()
        for _ in range(MAX_READS):
            reads.append(ctx.api.records(path))
            recs = all_records(reads)
            if reads[-1].status != 200 or all(find(recs, m.topic, m.partition, m.offset) for m in mine):
                break
            for (t, p), own in first.items():
                ahead = any(
                    r.partition == p and r.topic == t and (r.offset or -1) >= own[0].offset for r in recs
                )
                if (t, p) in jumped or ahead:
                    continue
                if ctx.api.seek(path, [(t, p, own[0].offset)], settle=False).status == 204:
                    jumped.add((t, p))
        return judge_spanning_read(reads, mine, what=f"read of a subscription to {len(topics)} topics")
