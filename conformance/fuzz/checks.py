"""The generated layer as checks of the runner: one per operation of the version views, plus the
stateful sequences, the round-trip property and the advisory negative group.

Check ids are stable: `FUZZ-<operationId>` (with `-v1`/`-v2` when one operationId needs a
different §8 row per version), `FUZZ-STATEFUL`, `FUZZ-ROUNDTRIP`, `FUZZ-NEG-<operationId>`.
Levels come from the §8 rows in `operations.RULES`; the layer never fails a target at MUST on a
behaviour §8 grades lower (see `judge.judge_response`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemathesis import GenerationMode

from conformance.checks.api import KafkaRest, instance_path
from conformance.checks.consumer_common import create_consumer
from conformance.checks.model import CheckContext, CheckSet, Judgement, Probe, skip
from conformance.client import RecordingClient
from conformance.exchange import Exchange
from conformance.fuzz import negative
from conformance.fuzz.drive import positive_judge, run_generated, serial
from conformance.fuzz.generate import Facts, Prepared
from conformance.fuzz.judge import Operation, operations
from conformance.fuzz.operations import Rule, all_rows, rule
from conformance.fuzz.properties import run_roundtrip
from conformance.fuzz.stateful import run_stateful
from conformance.requirements import API_VERSIONS, ApiVersion, Level, Requirement, rows

checks = CheckSet("fuzz")

INSTANCE = "fuzz"


def consumer_body(version: ApiVersion, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "format": "binary"}
    if version == "v1":
        body["auto.offset.reset"] = "smallest"
    else:
        body.update({"auto.offset.reset": "earliest", "auto.commit.enable": "false"})
    return body


def prepare(ctx: CheckContext, r: Rule) -> Facts:
    """The state the rule asks for, created with recorded calls (they are the check's setup)."""
    topics = {ctx.topic: ctx.partitions.get(ctx.topic, 1)}
    if ctx.single_topic:
        topics[ctx.single_topic] = ctx.partitions.get(ctx.single_topic, 1)
    facts = Facts(ctx.version, topics, ctx.group("g"))
    if r.state in ("instance", "assigned", "assigned-log"):
        ex = create_consumer(ctx.api, facts.group, consumer_body(ctx.version, INSTANCE))
        if ex.status != 200:
            raise skip(f"setup: creating a consumer instance failed: {ex.describe()}")
        facts.instance = INSTANCE
        path = instance_path(facts.group, INSTANCE)
        ctx.cleanup(path)
        if r.state in ("assigned", "assigned-log"):
            ex = ctx.api.assign(path, [(t, p) for t, n in sorted(topics.items()) for p in range(n)])
            if ex.status != 204:
                raise skip(f"setup: assigning the test partitions failed: {ex.describe()}")
    if r.state in ("log", "assigned-log"):
        for topic, count in sorted(topics.items()):
            for p in range(count):
                ex = ctx.api.produce(
                    topic, [{"value": "AA=="}, {"value": "AQ=="}, {"value": "Ag=="}], partition=p
                )
                data = ex.response.json_or_none() if ex.response else None
                got = [o.get("offset") for o in data.get("offsets", [])] if isinstance(data, dict) else []
                if ex.status != 200 or not got or not all(isinstance(o, int) for o in got):
                    raise skip(f"setup: producing records to read failed: {ex.describe()}")
                facts.log[(topic, p)] = (min(got), max(got))
    return facts


def hooks(
    ctx: CheckContext, op: Operation, facts: Facts
) -> tuple[Callable[[Prepared], None] | None, Callable[[Exchange], None] | None]:
    """Keep the instance population in check: every instance a generated creation makes is
    deleted at once; a generated DELETE always finds a live instance to delete."""
    target = ctx.client.target
    accept = {"Accept": ctx.api.media.generic}
    if op.method == "POST" and op.path.count("/") == 2 and op.path.startswith("/consumers/"):

        def after(exchange: Exchange) -> None:
            data = exchange.response.json_or_none() if exchange.response else None
            if exchange.status == 200 and isinstance(data, dict) and isinstance(data.get("instance_id"), str):
                path = instance_path(facts.group, data["instance_id"])
                gone = target.send("DELETE", path, headers=accept, label="cleanup")
                if gone.status != 204:
                    ctx.cleanup(path)

        return None, after
    if op.method == "DELETE" and op.path.count("/") == 4:
        private = KafkaRest(RecordingClient(target), ctx.version)  # unrecorded, as generated requests

        def before(prepared: Prepared) -> None:
            create_consumer(private, facts.group, consumer_body(ctx.version, INSTANCE))

        return before, None
    return None, None


def positive_probe(requirement: Requirement, op_ids: dict[ApiVersion, str]) -> Probe:
    def probe(ctx: CheckContext) -> Judgement:
        op = next(o for o in operations(ctx.version) if o.operation_id == op_ids[ctx.version])
        r = rule(ctx.version, op.method, op.path)
        assert r is not None  # tests/fuzz/test_operations.py keeps RULES and the views in step
        level = requirement.level(ctx.version) or Level.INFO
        facts = prepare(ctx, r)
        before, after = hooks(ctx, op, facts)
        judgement, _ = run_generated(
            ctx,
            op,
            r,
            facts,
            mode=GenerationMode.POSITIVE,
            level=level,
            judge=positive_judge(op, level, ctx.version, r),
            before=before,
            after=after,
        )
        return judgement

    return probe


def _register_operations() -> None:
    by_id: dict[str, dict[ApiVersion, tuple[Operation, Rule]]] = {}
    for version in API_VERSIONS:
        for op in operations(version):
            r = rule(version, op.method, op.path)
            if r is None:
                continue  # reported by tests/fuzz/test_operations.py, never silently run
            by_id.setdefault(op.operation_id, {})[version] = (op, r)
    for op_id, per_version in sorted(by_id.items()):
        row_sets = {v: all_rows(r) for v, (_, r) in per_version.items()}
        shared = len(set(row_sets.values())) == 1 and all(
            rows()[row_sets[v][0]].level(v) is not None for v in per_version
        )
        groups: list[tuple[str, tuple[ApiVersion, ...]]] = (
            [(f"FUZZ-{op_id}", tuple(per_version))]
            if shared
            else [(f"FUZZ-{op_id}-{v}", (v,)) for v in per_version]
        )
        for check_id, versions in groups:
            op, r = per_version[versions[0]]
            first = rows()[r.rows[0]]
            requirement = Requirement(
                id=check_id,
                title=f"Generated requests to {op.label}: documented status, Content-Type and body",
                area="fuzz",
                rows=all_rows(r),
                section=first.section.split(",")[0].strip(),
                statement=(
                    f"For requests generated from the {'/'.join(versions)} view of openapi.yaml within the "
                    f"test topics, {op.operation_id} answers a documented status with a declared Content-Type "
                    "and a body valid against its schema, and never a 5xx."
                ),
                versions=versions,
            )
            op_ids = {v: per_version[v][0].operation_id for v in versions}
            checks.add(requirement)(serial(positive_probe(requirement, op_ids)))


@checks.add(
    Requirement(
        id="FUZZ-STATEFUL",
        title="Generated sequences: produce, read back, consumer lifecycle",
        area="fuzz",
        rows=("P4", "P3", "C10", "C16", "D18", "D20", "D30"),
        section="4.4",
        statement=(
            "Across generated sequences of produce, read-by-offset, consumer creation, assignment, seek, "
            "read, commit and delete, what was produced reads back byte for byte and in order, offsets never "
            "go backwards, and a deleted instance answers 404 (40403 on v1)."
        ),
    )
)
@serial
def stateful(ctx: CheckContext) -> Judgement:
    return run_stateful(ctx)


@checks.add(
    Requirement(
        id="FUZZ-ROUNDTRIP",
        title="Property: random bytes, keys and batch sizes round-trip exactly",
        area="fuzz",
        rows=("P11", "P3", "P4"),
        section="4.1",
        statement=(
            "For random byte strings (all byte values, empty, large), random keys and random batch sizes, "
            "produce then read returns the same bytes and keys at contiguous offsets."
        ),
    )
)
@serial
def roundtrip(ctx: CheckContext) -> Judgement:
    return run_roundtrip(ctx)


def _register() -> None:
    _register_operations()
    negative.register(checks, prepare)


_register()
