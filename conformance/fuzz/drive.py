"""Runs hypothesis over one operation of the version view and turns the outcome into a Judgement.

The probe sends generated requests through the target client without recording each one (a
standard budget sends hundreds), keeps a small sample of them as evidence, and on a failure
records the shrunk failing exchange with a curl line that replays it exactly: credentials
redacted by `Request.curl`, record keys visible (schemathesis' own sanitiser would hide every
field named `key`, schemathesis-4.md §5, so its output is never used).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode

from conformance import contract
from conformance.checks.model import CheckContext, Judgement, Probe
from conformance.exchange import Exchange
from conformance.fuzz.generate import Draft, Facts, Fitter, Prepared, Unjudged, Unsafe, narrow
from conformance.fuzz.judge import Operation, judge_response
from conformance.fuzz.operations import Rule
from conformance.requirements import Level, rows


@dataclass(frozen=True)
class Budget:
    examples: int  # generated requests per operation (before the operation's cost divisor)
    seconds: float  # generation time per operation; shrinking may take as long again
    stateful_examples: int
    stateful_steps: int
    property_examples: int


BUDGETS: dict[str, Budget] = {
    "quick": Budget(examples=10, seconds=3.0, stateful_examples=4, stateful_steps=8, property_examples=8),
    "standard": Budget(
        examples=50, seconds=20.0, stateful_examples=15, stateful_steps=15, property_examples=40
    ),
    "deep": Budget(
        examples=250, seconds=90.0, stateful_examples=50, stateful_steps=25, property_examples=150
    ),
}
SAMPLE = 4  # passing exchanges kept as evidence, one per distinct status first


def budget(ctx: CheckContext) -> Budget:
    return BUDGETS.get(ctx.budget, BUDGETS["quick"])


def derived_seed(ctx: CheckContext) -> int:
    """hypothesis' seed: from the check's rng, itself seeded from --seed and the check id."""
    return ctx.rng.getrandbits(64)


def hypothesis_settings(max_examples: int, **extra: Any) -> settings:
    return settings(
        max_examples=max(1, max_examples),
        database=None,  # no example database: two runs with one seed send the same requests
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
        **extra,
    )


# hypothesis and schemathesis are not safe to run from several threads at once (CPython 3.11
# raised "AST constructor recursion depth mismatch" when the runner ran two fuzz checks
# concurrently), so the layer's probes run one at a time; other areas still run in parallel.
_ONE_AT_A_TIME = threading.Lock()


def serial(probe: Probe) -> Probe:
    @functools.wraps(probe)
    def run(ctx: CheckContext) -> Judgement:
        with _ONE_AT_A_TIME:
            return probe(ctx)

    return run


class NothingSent(Exception):
    """No generated case could be sent: the check judged nothing, so it must not pass."""


class GeneratedFailure(AssertionError):
    """Raised inside the hypothesis test so that it shrinks the case."""


@dataclass
class Trace:
    """What one generated run sent: for the digest, the sample and the final finding."""

    facts: Facts
    sent: list[Prepared] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    skipped_unsafe: int = 0
    skipped_unjudged: int = 0
    sample: list[Exchange] = field(default_factory=list)
    failure: tuple[Exchange, Judgement] | None = None

    def digest(self) -> str:
        """sha256 of every request sent, with the run's own names replaced, so two runs with
        the same --seed can be compared (tests/fuzz/test_seed.py)."""
        h = hashlib.sha256()
        for p in self.sent:
            text = repr((p.method, p.path, p.params, p.headers, p.body))
            for name, marker in ((self.facts.instance, "<instance>"), (self.facts.group, "<group>")):
                if name:
                    text = text.replace(name, marker)
            h.update(text.encode())
        return h.hexdigest()[:16]


def send(ctx: CheckContext, prepared: Prepared, trace: Trace) -> Exchange:
    exchange = ctx.client.target.send(
        prepared.method,
        prepared.path,
        headers=dict(prepared.headers),
        content=prepared.body,
        params=dict(prepared.params) or None,
        label=f"generated {prepared.method}",
    )
    trace.sent.append(prepared)
    status = str(exchange.status) if exchange.status is not None else "no response"
    if trace.statuses[status] == 0 and len(trace.sample) < SAMPLE:
        trace.sample.append(exchange)
    trace.statuses[status] += 1
    return exchange


def keep(ctx: CheckContext, exchange: Exchange) -> None:
    """Put an exchange the probe sent unrecorded into the check's evidence."""
    ctx.client.exchanges.append(exchange)


def replay_line(ctx: CheckContext, exchange: Exchange) -> str:
    return exchange.request.curl(ctx.client.target.credentials.secrets())


def run_generated(
    ctx: CheckContext,
    op: Operation,
    rule: Rule,
    facts: Facts,
    *,
    mode: GenerationMode,
    level: Level,
    judge: Callable[[Exchange, Draft], Judgement],
    before: Callable[[Prepared], None] | None = None,
    after: Callable[[Exchange], None] | None = None,
    max_examples: int | None = None,
    mutations: Mapping[str, st.SearchStrategy[Callable[[Draft], Draft]]] | None = None,
) -> tuple[Judgement, Trace]:
    """Generate cases for `op` with schemathesis, send them, judge each with `judge(exchange, draft)`.

    `mutations` (negative mode), per oracle category, a targeted mutation of a valid case. Each
    category is swept first, one request each, so every oracle is exercised at every budget and
    seed; then schemathesis' own invalid cases and mutated valid ones are drawn together.
    """
    b = budget(ctx)
    negative = mode == GenerationMode.NEGATIVE
    schema = schemathesis.openapi.from_dict(
        narrow(contract.version_view(facts.version), facts, negative=negative)
    )
    api_op = schema[op.path][op.method.lower()]
    strategy: st.SearchStrategy[Draft] = api_op.as_strategy(generation_mode=mode).map(Draft.of)
    n = max_examples if max_examples is not None else max(2, b.examples // rule.cost)
    phases: list[tuple[st.SearchStrategy[Draft], int]] = []
    if mutations:
        valid = api_op.as_strategy(generation_mode=GenerationMode.POSITIVE).map(Draft.of)

        def mutated(mutation: st.SearchStrategy[Callable[[Draft], Draft]]) -> st.SearchStrategy[Draft]:
            return st.tuples(valid, mutation).map(lambda pair: pair[1](pair[0]))

        targeted = [mutated(m) for _, m in sorted(mutations.items())]
        phases += [(t, 1) for t in targeted]
        strategy = st.one_of(strategy, *targeted)
    phases.append((strategy, n))
    fitter = Fitter(facts, rule, op.method, op.path, negative=negative)
    trace = Trace(facts)
    started = time.monotonic()
    hyp_seed = derived_seed(ctx)
    outcome = Judgement()

    limit = [0]  # requests the current phase may have sent by its end

    def one(draft: Draft) -> None:
        # The time budget only counts once something was sent: on a loaded machine generating the
        # first case can take longer than the whole quick budget, and a check that sent nothing
        # would error (NothingSent) for a reason that is the suite's, not the target's.
        elapsed = time.monotonic() - started if trace.sent else 0.0
        if trace.failure is None and (elapsed > b.seconds or len(trace.sent) >= limit[0]):
            return  # budget spent: the remaining examples pass without a request
        if elapsed > 3 * b.seconds:
            return  # shrinking has had its share too
        try:
            prepared = fitter.fit(draft)
            if before is not None:
                before(prepared)
        except Unsafe:
            trace.skipped_unsafe += 1
            reject()  # not an example: hypothesis draws another, within its own cap on rejections
        except Unjudged:
            trace.skipped_unjudged += 1
            reject()
        exchange = send(ctx, prepared, trace)
        if after is not None:
            after(exchange)
        verdict = judge(exchange, draft)
        if not verdict.passed:
            trace.failure = (exchange, verdict)
            raise GeneratedFailure(verdict.findings[0].message())

    for phase_strategy, sends in phases:
        if trace.failure is not None:
            break
        limit[0] = len(trace.sent) + sends
        test = seed(hyp_seed)(hypothesis_settings(sends)(given(draft=phase_strategy)(one)))
        try:
            test()
        except GeneratedFailure:
            pass
        except Unsatisfiable:
            pass  # every draw was refused: NothingSent below says so if no phase sent anything
        except Flaky as exc:  # a flaky live target: keep the last failure seen
            outcome.observe(
                f"hypothesis: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            )
    if not trace.sent:
        raise NothingSent(
            f"{op.operation_id}: none of the generated cases could be sent ({trace.skipped_unsafe} unsafe, "
            f"{trace.skipped_unjudged} with no exact §8 oracle); nothing was judged"
        )
    for exchange in trace.sample:
        keep(ctx, exchange)
    if trace.failure is not None:
        exchange, verdict = trace.failure
        keep(ctx, exchange)
        line = replay_line(ctx, exchange)
        for finding in verdict.findings:
            why = (finding.why + ". " if finding.why else "") + (
                f"{op.operation_id} ({op.label}), shrunk failing case after {len(trace.sent)} generated "
                f"requests (hypothesis seed {hyp_seed}); replay: {line}"
            )
            outcome.fail(finding.expected, finding.got, why, exchange)
        outcome.observations.extend(verdict.observations)
    statuses = ", ".join(f"{k}×{v}" for k, v in sorted(trace.statuses.items()))
    outcome.observe(
        f"{op.operation_id}: {len(trace.sent)} generated requests ({mode.value}), statuses {statuses or 'none'}, "
        f"{trace.skipped_unsafe} unsafe cases not sent"
        + (f", {trace.skipped_unjudged} invalid cases with no exact §8 oracle not sent" if negative else "")
        + f", hypothesis seed {hyp_seed}, requests digest {trace.digest()}"
    )
    return outcome, trace


def positive_judge(
    op: Operation, level: Level, version: Any, rule: Rule | None = None
) -> Callable[[Exchange, Draft], Judgement]:
    bodyless = rows()[rule.bodyless] if rule is not None and rule.bodyless else None

    def judge(exchange: Exchange, draft: Draft) -> Judgement:
        if bodyless is not None and not exchange.request.body and exchange.status != 200:
            # §8 judges a body-less request by its own row (D2, SHOULD): anything but 200 is an
            # observation, and a framework error's text answer is E3's, exempt from E1.
            row_level = bodyless.level(version) or Level.INFO
            judgement = Judgement()
            judgement.observe(
                f"{row_level.value}-level ({bodyless.id}): expected 200 for {op.label} without a body; "
                f"got {exchange.describe()}"
            )
            return judgement
        return judge_response(version, exchange, level=level, generated=True, op=op)

    return judge
