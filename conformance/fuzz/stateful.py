"""Generated sequences: produce-then-read and the consumer-instance lifecycle (hypothesis state machine).

The machine keeps a model of what it wrote (topic, partition, offset -> key, value) and asserts
the Kafka properties on every step:
- what was produced is read back byte for byte and in order (only offsets the model wrote are
  compared: other writers on a shared topic are tolerated);
- every reported offset is a true one (an integer >= 0: Karapace's -1 is P4, and is never sought);
- offsets never go backwards: per partition, produce answers grow; a consumer's reads neither
  repeat nor skip a record while the group has had one member. A membership change (a v1 instance
  created or deleted in the group) is a rebalance, which Confluent 5.5 carries out seconds later:
  Kafka legitimately rewinds the members to the committed offset (at-least-once), so once a
  second member has joined, a read must only not return a committed record;
- a deleted instance answers 404 with 40403 (v1) / 404 (v2) (C16, D30);
- seek only after an assignment exists (§4.5); commits name explicit offsets (§5.4).

Exchanges of each generated sequence are recorded privately; the sequence that failed (after
hypothesis shrank it) becomes the check's evidence, each step replayable with its curl line.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.checks.api import KafkaRest, b64, instance_path
from conformance.checks.consumer_common import create_consumer
from conformance.checks.model import CheckContext, Judgement
from conformance.checks.readback import undecodable_b64
from conformance.client import RecordingClient
from conformance.exchange import Exchange
from conformance.fuzz.drive import budget, derived_seed, hypothesis_settings, keep, replay_line
from conformance.fuzz.properties import true_offset

Key = bytes | None
Record = tuple[Key, Key]  # (key, value)

payloads = st.one_of(st.none(), st.binary(max_size=64))
records_st = st.lists(st.tuples(payloads, payloads), min_size=1, max_size=5)


class SequenceFailure(AssertionError):
    def __init__(self, expected: str, got: str, exchange: Exchange | None = None) -> None:
        super().__init__(f"expected {expected}; got {got}")
        self.expected = expected
        self.got = got
        self.exchange = exchange


def require(condition: bool, expected: str, got: str, exchange: Exchange | None = None) -> None:
    if not condition:
        raise SequenceFailure(expected, got, exchange)


@dataclass
class Shared:
    """What survives between the sequences of one check: the evidence of the last failure."""

    runs: int = 0
    steps: int = 0
    failing: list[Exchange] = field(default_factory=list)
    failure: SequenceFailure | None = None
    failed_at: float | None = None
    shrink_seconds: float = 5.0


def _dec(value: Any, exchange: Exchange | None) -> bytes | None:
    """A record's key or value as bytes; a value that is not base64 at all fails the sequence."""
    data, problem = undecodable_b64(value)
    require(problem is None, "base64 keys and values (§4.1)", problem or "", exchange)
    return data


def build_machine(ctx: CheckContext, shared: Shared, run_id_suffix: str) -> type[RuleBasedStateMachine]:
    version = ctx.version
    topics = {ctx.topic: ctx.partitions.get(ctx.topic, 1)}
    if ctx.single_topic:
        topics[ctx.single_topic] = ctx.partitions.get(ctx.single_topic, 1)
    tps = sorted((t, p) for t, n in topics.items() for p in range(n))
    group = ctx.group(f"st{run_id_suffix}")
    not_found = {"v1": (404, 40403), "v2": (404, None)}[version]

    class KafkaSequences(RuleBasedStateMachine):
        instances = Bundle("instances")

        def __init__(self) -> None:
            super().__init__()
            if shared.failed_at is not None and time.monotonic() - shared.failed_at > shared.shrink_seconds:
                reject()  # shrinking has had its time: the last failure seen is the evidence
            shared.runs += 1
            # A group of its own per sequence: a v1 (ZooKeeper) rebalance lands seconds after the
            # membership change, so the deletes of one sequence must not rewind the next one's
            # members. Numbered in order, so a seed still names the same groups.
            self.group = f"{group}{shared.runs}"
            self.rec = RecordingClient(ctx.client.target)
            self.api = KafkaRest(self.rec, version)
            self.model: dict[tuple[str, int], dict[int, Record]] = {}
            self.high: dict[tuple[str, int], int] = {}  # highest offset produced per partition
            self.positions: dict[tuple[str, tuple[str, int]], int] = {}  # instance, tp -> last read offset
            self.assigned: dict[str, list[tuple[str, int]]] = {}
            self.live: set[str] = set()
            self.counter = 0
            # v1 instances created in this sequence's own group: from the second on, the group
            # rebalances (the only membership changes a live instance of the group can see)
            self.joins = 0
            self.committed: dict[tuple[str, int], int] = {}  # tp -> last committed offset (v1)

        def _require(
            self, condition: bool, expected: str, got: str, exchange: Exchange | None = None
        ) -> None:
            try:
                require(condition, expected, got, exchange)
            except SequenceFailure as failure:
                shared.failure, shared.failing = failure, list(self.rec.exchanges)
                if shared.failed_at is None:
                    shared.failed_at = time.monotonic()
                raise

        def _ok(self, exchange: Exchange, statuses: tuple[int, ...], what: str) -> Any:
            shared.steps += 1
            self._require(
                exchange.status in statuses,
                f"{what}: status {' or '.join(map(str, statuses))}",
                exchange.describe() + (f" {exchange.response.text[:200]}" if exchange.response else ""),
                exchange,
            )
            if exchange.response is not None and exchange.response.body:
                return exchange.response.json_or_none()
            return None

        # -- produce -------------------------------------------------------------------------
        @rule(tp=st.sampled_from(tps), batch=records_st, to_partition=st.booleans())
        def produce(self, tp: tuple[str, int], batch: list[Record], to_partition: bool) -> None:
            topic, partition = tp
            body: list[dict[str, Any]] = [{"key": _enc(k), "value": _enc(v)} for k, v in batch]
            if to_partition:
                ex = self.api.produce(topic, body, partition=partition)
            else:
                ex = self.api.produce(topic, [dict(r, partition=partition) for r in body])
            data = self._ok(ex, (200,), "produce")
            offsets = (data or {}).get("offsets") if isinstance(data, dict) else None
            self._require(
                isinstance(offsets, list) and len(offsets) == len(batch),
                f"{len(batch)} offsets",
                str(data),
                ex,
            )
            assert isinstance(offsets, list)
            got = [o.get("offset") for o in offsets]
            self._require(all(true_offset(o) for o in got), "true offsets, integers >= 0 (P4)", str(got), ex)
            self._require(
                all(o.get("partition") == partition for o in offsets),
                f"partition {partition} each",
                str(offsets),
                ex,
            )
            first = got[0]
            self._require(
                got == list(range(first, first + len(got))), "contiguous increasing offsets", str(got), ex
            )
            previous = self.high.get(tp)
            self._require(
                previous is None or first > previous,
                f"offsets past {previous} (never backwards)",
                str(got),
                ex,
            )
            self.high[tp] = got[-1]
            log = self.model.setdefault(tp, {})
            for offset, record in zip(got, batch, strict=True):
                log[offset] = record

        # -- read back by offset (v1) or through an assigned instance (v2) ----------------------
        @precondition(lambda self: bool(self.model))
        @rule(data=st.data())
        def read_back(self, data: st.DataObject) -> None:
            tp = data.draw(st.sampled_from(sorted(self.model)))
            offsets = sorted(self.model[tp])
            start = data.draw(st.sampled_from(offsets))
            wanted = [o for o in offsets if o >= start][:20]
            if version == "v1":
                # Other checks write to the same partition between the model's records (Confluent
                # interleaves concurrent producers), so read the whole span, not len(wanted).
                ex = self.api.messages(tp[0], tp[1], start, count=wanted[-1] - start + 1)
                got = self._ok(ex, (200,), "read by offset") or []
                self._compare(tp, got, wanted, ex)
            else:
                name = self._create()
                path = instance_path(self.group, name)
                self._ok(self.api.assign(path, [tp]), (204,), "assign")
                self._ok(self.api.seek(path, [(tp[0], tp[1], start)]), (204,), "seek after assign")
                collected: list[Any] = []
                last: Exchange | None = None
                for _ in range(10):
                    last = self.api.records(path, timeout=200)
                    collected += [
                        r for r in (self._ok(last, (200,), "records") or []) if r.get("partition") == tp[1]
                    ]
                    if len([r for r in collected if r.get("offset") in self.model[tp]]) >= len(wanted):
                        break
                self._compare(tp, [r for r in collected if r.get("offset", -1) >= start], wanted, last)
                self._ok(self.api.delete_consumer(path), (204,), "delete")
                self.live.discard(name)

        def _compare(
            self, tp: tuple[str, int], got: list[Any], wanted: list[int], ex: Exchange | None
        ) -> None:
            offsets = [r.get("offset") for r in got]
            self._require(
                offsets == sorted(offsets) and len(set(offsets)) == len(offsets),
                "records in offset order",
                str(offsets),
                ex,
            )
            mine = [r for r in got if r.get("offset") in self.model[tp]][: len(wanted)]
            self._require(
                [r.get("offset") for r in mine] == wanted, f"offsets {wanted} read back", str(offsets), ex
            )
            for r in mine:
                key, value = self.model[tp][r["offset"]]
                self._require(
                    _dec(r.get("key"), ex) == key and _dec(r.get("value"), ex) == value,
                    f"offset {r['offset']}: key {_show(key)} value {_show(value)}",
                    f"key {r.get('key')!r} value {r.get('value')!r}",
                    ex,
                )

        # -- consumer lifecycle ------------------------------------------------------------------
        def _create(self) -> str:
            self.counter += 1
            name = f"i{shared.runs}x{self.counter}"
            body: dict[str, Any] = {"name": name, "format": "binary"}
            if version == "v1":
                body["auto.offset.reset"] = "smallest"
            else:
                body.update({"auto.offset.reset": "earliest", "auto.commit.enable": "false"})
            ex = create_consumer(self.api, self.group, body)
            data = self._ok(ex, (200,), "create consumer")
            self._require(
                isinstance(data, dict) and data.get("instance_id") == name,
                f"instance_id {name}",
                str(data),
                ex,
            )
            ctx.cleanup(instance_path(self.group, name))
            self.live.add(name)
            self.joins += 1
            return name

        @rule(target=instances)
        def create(self) -> str:
            return self._create()

        @precondition(lambda self: version == "v2")
        @rule(name=instances, data=st.data())
        def assign(self, name: str, data: st.DataObject) -> None:
            if name not in self.live:
                return
            chosen = data.draw(st.lists(st.sampled_from(tps), min_size=1, max_size=len(tps), unique=True))
            self._ok(self.api.assign(instance_path(self.group, name), chosen), (204,), "assign")
            self.assigned[name] = chosen
            # a new assignment starts from the committed offset or the reset policy: no history
            self.positions = {k: v for k, v in self.positions.items() if k[0] != name}

        @precondition(lambda self: version == "v2")
        @rule(name=instances, data=st.data())
        def seek(self, name: str, data: st.DataObject) -> None:
            if name not in self.live or not self.assigned.get(name):
                return  # seek only after an assignment exists (§4.5)
            tp = data.draw(st.sampled_from(self.assigned[name]))
            known = sorted(self.model.get(tp, {}))
            offset = data.draw(st.sampled_from(known)) if known else 0
            self._ok(self.api.seek(instance_path(self.group, name), [(tp[0], tp[1], offset)]), (204,), "seek")
            self.positions[(name, tp)] = offset - 1

        @rule(name=instances)
        def read(self, name: str) -> None:
            if name not in self.live:
                return
            path = instance_path(self.group, name)
            if version == "v1":
                ex = self.api.v1_read(path, ctx.topic)
            else:
                if not self.assigned.get(name):
                    return  # a read without assignment is 500 on Confluent (D24, INFO)
                ex = self.api.records(path, timeout=200)
            got = self._ok(ex, (200,), "read") or []
            by_tp: dict[tuple[str, int], list[int]] = {}
            for r in got:
                by_tp.setdefault((r.get("topic", ctx.topic), r.get("partition")), []).append(r.get("offset"))
                tp = (r.get("topic", ctx.topic), r.get("partition"))
                if r.get("offset") in self.model.get(tp, {}):
                    key, value = self.model[tp][r["offset"]]
                    self._require(
                        _dec(r.get("key"), ex) == key and _dec(r.get("value"), ex) == value,
                        f"offset {r['offset']} byte for byte",
                        f"key {r.get('key')!r} value {r.get('value')!r}",
                        ex,
                    )
            # Confluent 5.5's v1 (ZooKeeper) consumer rebalances asynchronously, seconds after a
            # member joins or leaves: a read made after the change may still precede the rewind
            # (live: a second read of i16x2 returned 54..57 again). So once a second member has
            # joined the group, no read is held to "each record once" for uncommitted records.
            rebalanced = version == "v1" and self.joins > 1
            for tp, offs in by_tp.items():
                # During a v1 rebalance one answer may even hold a partition's uncommitted records
                # twice (live 5.5: 76..99, 76, 77, ...: the old fetcher restarts at the committed
                # offset while its buffer still drains), so order is judged only without one.
                self._require(
                    rebalanced or (offs == sorted(offs) and len(set(offs)) == len(offs)),
                    "offsets in order, each once",
                    str(offs),
                    ex,
                )
                last = self.positions.get((name, tp))
                if rebalanced:
                    # the group rebalanced since this instance's last read: it resumes at the
                    # committed offset, so uncommitted records come again (at-least-once)
                    floor = self.committed.get(tp)
                    self._require(
                        floor is None or min(offs) > floor,
                        f"after a rebalance, offsets after the committed {floor} (no committed record again)",
                        str(offs),
                        ex,
                    )
                else:
                    self._require(
                        last is None or offs[0] > last,
                        f"offsets after {last} (no record twice within one group membership)",
                        str(offs),
                        ex,
                    )
                    written = sorted(self.model.get(tp, {}))
                    previous = last if last is not None else offs[0]
                    lost = [o for o in written if previous < o < offs[-1] and o not in offs]
                    self._require(
                        not lost,
                        f"every record between {previous} and {offs[-1]} (none skipped)",
                        f"{offs}; never returned: {lost}",
                        ex,
                    )
                self.positions[(name, tp)] = max(offs)

        @rule(name=instances)
        def commit(self, name: str) -> None:
            if name not in self.live:
                return
            path = instance_path(self.group, name)
            if version == "v1":
                answer = self._ok(self.api.v1_commit(path), (200,), "commit")
                for entry in answer if isinstance(answer, list) else []:
                    if not isinstance(entry, dict):
                        continue
                    topic, partition, done = (
                        entry.get("topic"),
                        entry.get("partition"),
                        entry.get("committed"),
                    )
                    if isinstance(topic, str) and isinstance(partition, int) and isinstance(done, int):
                        tp = (topic, partition)
                        if self.joins > 1:
                            # Once the group has had several members, the old consumer's commits
                            # race its ZooKeeper rebalances: a member may commit a partition it
                            # is losing, and its successor may start below (live 5.5 v1: read from
                            # 0 after a commit at 154). No floor is asserted after such a commit.
                            self.committed.pop(tp, None)
                        else:
                            self.committed[tp] = max(done, self.committed.get(tp, -1))
                return
            read = [(tp, o) for (n, tp), o in self.positions.items() if n == name and o >= 0]
            if not read:
                return
            offsets = [(tp[0], tp[1], o) for tp, o in read]  # explicit offsets (§5.4)
            self._ok(self.api.commit(path, offsets), (200, 204), "commit")

        @rule(name=consumes(instances))
        def delete(self, name: str) -> None:
            if name not in self.live:
                return
            path = instance_path(self.group, name)
            self._ok(self.api.delete_consumer(path), (204,), "delete")
            self.live.discard(name)
            after = (
                self.api.v1_read(path, ctx.topic) if version == "v1" else self.api.records(path, timeout=200)
            )
            self._ok(after, (not_found[0],), "a deleted instance")
            if not_found[1] is not None:
                body = after.response.json_or_none() if after.response else None
                self._require(
                    isinstance(body, dict) and body.get("error_code") == not_found[1],
                    f"error_code {not_found[1]} for a deleted instance",
                    str(body),
                    after,
                )

        @invariant()
        def model_is_consistent(self) -> None:
            for tp, log in self.model.items():
                if log:
                    assert max(log) == self.high[tp]

        def teardown(self) -> None:
            for name in list(self.live):
                self.api.delete_consumer(instance_path(self.group, name))
            self.live.clear()

    return KafkaSequences


def _enc(data: bytes | None) -> str | None:
    return None if data is None else b64(data)


def _show(data: bytes | None) -> str:
    return "null" if data is None else repr(base64.b16encode(data[:16]).decode().lower())


def run_stateful(ctx: CheckContext) -> Judgement:
    b = budget(ctx)
    shared = Shared(shrink_seconds=b.seconds)
    machine = build_machine(ctx, shared, "")
    hyp_seed = derived_seed(ctx)
    machine._hypothesis_internal_use_seed = hyp_seed  # what @seed sets
    judgement = Judgement()
    try:
        run_state_machine_as_test(
            machine,
            settings=hypothesis_settings(b.stateful_examples, stateful_step_count=b.stateful_steps),
        )
    except SequenceFailure:
        pass
    except Flaky as exc:  # a live target may not fail the same way twice
        judgement.observe(f"hypothesis: {type(exc).__name__}")
    if shared.failure is not None:
        failure = shared.failure
        for exchange in shared.failing:
            keep(ctx, exchange)
        culprit = failure.exchange or (shared.failing[-1] if shared.failing else None)
        replay = replay_line(ctx, culprit) if culprit else ""
        judgement.fail(
            failure.expected,
            failure.got,
            f"shrunk to a sequence of {len(shared.failing)} requests (hypothesis seed {hyp_seed}); "
            f"the last step replays with: {replay}",
            culprit,
        )
    judgement.observe(f"{shared.runs} generated sequences, {shared.steps} steps, hypothesis seed {hyp_seed}")
    return judgement
