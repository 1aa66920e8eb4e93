"""Running checks against a live target: one `LiveContext` per check, and the scheduler.

Quick use from a test or a REPL (the check engineers' loop)::

    from conformance.engine import open_target, run_check
    from conformance.checks.registry import by_id
    from conformance.reference.server import ReferenceConfig, serve_in_thread

    with serve_in_thread(ReferenceConfig(api_version="v2")) as server:
        with open_target(server.url, "v2", topic="conformance-p3",
                         single_topic="conformance-p1") as target:
            result = run_check(by_id("PROD-001"), target)
            print(result.outcome, result.message)

`open_target` runs the preflight (partition counts) and, on exit, deletes every consumer
instance the checks registered with `ctx.cleanup`.

How a probe's outcome becomes a result (`run_check`):

- a `Judgement` without findings -> pass; with findings -> fail (at the check's level for the
  version). An INFO check never fails: its findings become observations;
- findings while an exchange of the check got no response (timeout, refused) -> error, with
  the transport message: the target could not be judged, it did not answer;
- `CheckSkipped` -> skip with its reason; an unmet precondition in `Requirement.needs` -> skip;
- any other exception -> error with a one-line message; the traceback goes to results.json only.

Scheduling (`run_checks`): checks run concurrently on a pool of daemon threads. A check whose
`needs` contains "isolated" runs alone after the concurrent ones; "last" runs at the very end;
"sweep" after that: a sweep check also judges what every other check of the run saw
(`ctx.seen_elsewhere()`, e.g. the error bodies of §8 E1 and E4 wherever they came).
The whole run has a time bound; a check not finished by then is reported as error and the run
still ends, so a hanging target never hangs the suite.
"""

from __future__ import annotations

import contextlib
import importlib
import queue
import random
import threading
import time
import traceback as tb
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from conformance.checks.api import KafkaRest
from conformance.checks.model import Check, Judgement, Seen
from conformance.client import Credentials, RecordingClient, TargetClient
from conformance.errors import CheckSkipped, SetupFailed, UsageError
from conformance.exchange import Exchange
from conformance.media import MEDIA
from conformance.preflight import run_preflight
from conformance.report.model import CheckResult, Leftover, NotRun, Outcome
from conformance.requirements import ApiVersion, Level

# Preconditions a check may declare in `Requirement.needs`, and why it is skipped without them.
# Scheduling hints ("isolated", "last") are not preconditions.
SCHEDULING = frozenset({"isolated", "last", "sweep"})
NEEDS: dict[str, str] = {
    "two-partitions": "needs a test topic with at least 2 partitions (--topic)",
    "single-partition-topic": "needs a topic with exactly one partition (--single-partition-topic)",
    "credentials": "runs only when credentials are declared (--api-key, --bearer or --basic)",
    "probe-unknown-topic-produce": "hazardous on real servers; runs only with --probe-unknown-topic-produce",
    "deep-budget": "keeps a consumer instance idle for tens of seconds; runs only with --budget deep",
}
# Needs that depend on what the user chose to run, not on the target: a check left out for one of
# these is "not applicable" rather than skipped, and does not make the run incomplete (§8.11:
# auth rows run only when the user gives credentials; §5.4: hazards only when asked).
# A check that needs "deep-budget" waits for tens of seconds: quick and standard runs leave it out.
OPT_IN_NEEDS = frozenset({"credentials", "probe-unknown-topic-produce", "deep-budget"})
# A hazardous probe runs at the very end, alone, whether or not it says "last" (§5.4).
LAST = frozenset({"last", "probe-unknown-topic-produce"})
HAZARD_TIMEOUT = 65.0  # contract.md §5.4: produce to an unknown topic may wait out a 60 s timeout


class Cleanups:
    """Consumer instances to delete at the end of the run, whatever happens (thread-safe)."""

    def __init__(self) -> None:
        self._paths: list[str] = []
        self._late: list[str] = []
        self._closed = False
        self._lock = threading.Lock()

    def add(self, path: str) -> None:
        with self._lock:
            if self._closed:
                self._late.append(path)
            elif path not in self._paths:
                self._paths.append(path)

    def close(self) -> tuple[list[str], list[str]]:
        """Stop taking registrations; returns (to delete, registered after the cleanup began)."""
        with self._lock:
            self._closed = True
            return list(self._paths), self._late

    def late(self) -> list[str]:
        with self._lock:
            return list(self._late)


class Witness:
    """Every exchange the checks of a run made, in the order they finished (thread-safe)."""

    def __init__(self) -> None:
        self._seen: list[Seen] = []
        self._lock = threading.Lock()

    def record(self, check: Check, exchanges: Sequence[Exchange]) -> None:
        with self._lock:
            self._seen.extend(Seen(check.id, check.requirement.area, ex) for ex in exchanges)

    def all(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)


@dataclass
class Target:
    """Everything a check run needs to know about the target, shared by all checks of a run."""

    client: TargetClient
    version: ApiVersion
    topic: str
    single_topic: str | None
    partitions: dict[str, int]
    run_id: str
    seed: int = 0
    budget: str = "quick"
    probe_unknown_topic_produce: bool = False
    auto_commit_field: str | None = None  # the target's consumer-creation dialect (settings.py)
    cleanups: Cleanups = field(default_factory=Cleanups)
    witness: Witness = field(default_factory=Witness)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.client.credentials.secrets()

    def unmet(self, needs: frozenset[str]) -> list[str]:
        """The skip reasons for the preconditions this target does not meet."""
        met = {
            "two-partitions": self.partitions.get(self.topic, 0) >= 2,
            "single-partition-topic": self.single_topic is not None,
            "credentials": self.client.credentials.declared,
            "probe-unknown-topic-produce": self.probe_unknown_topic_produce,
            "deep-budget": self.budget == "deep",
        }
        reasons = []
        for need in sorted(needs - SCHEDULING):
            if need not in NEEDS:
                reasons.append(f"declares an unknown precondition {need!r} (a bug in the check)")
            elif not met[need]:
                extra = (
                    f"; {self.topic} has {self.partitions.get(self.topic, 0)}"
                    if need == "two-partitions"
                    else ""
                )
                reasons.append(NEEDS[need] + extra)
        return reasons


class LiveContext:
    """The `CheckContext` a probe gets: a fresh recording client, typed calls, a seeded rng."""

    def __init__(self, check: Check, target: Target, client: TargetClient | None = None) -> None:
        self.check_id = check.id
        self.version: ApiVersion = target.version
        self.topic = target.topic
        self.single_topic = target.single_topic
        self.partitions = dict(target.partitions)
        self.run_id = target.run_id
        self.budget = target.budget
        # Seeded from the run seed and the check id, so the order checks run in changes nothing.
        self.rng = random.Random(f"{target.seed}:{check.id}")
        self.client: RecordingClient = (client or target.client).recorder()
        self.api = KafkaRest(self.client, target.version)
        self.api.auto_commit_field = target.auto_commit_field
        self._cleanups = target.cleanups
        self._witness = target.witness

    def seen_elsewhere(self) -> list[Seen]:
        """What the other checks of this run received so far (all of them, for a sweep check)."""
        return [s for s in self._witness.all() if s.check_id != self.check_id]

    def group(self, suffix: str) -> str:
        return f"{self.run_id}-{self.check_id.lower()}-{suffix}"

    def cleanup(self, base_uri_or_path: str) -> None:
        self._cleanups.add(base_uri_or_path)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _transport_failures(exchanges: Sequence[Exchange]) -> list[Exchange]:
    return [ex for ex in exchanges if ex.response is None]


def _failure_message(judgement: Judgement) -> str:
    first = judgement.findings[0]
    where = f"{first.exchange.describe()}: " if first.exchange is not None else ""
    more = f" (+{len(judgement.findings) - 1} more)" if len(judgement.findings) > 1 else ""
    return _one_line(where + first.message()) + more


def run_check(check: Check, target: Target) -> CheckResult:
    """Run one check's probe against the target and turn what happened into a `CheckResult`;
    its exchanges are kept for the sweep checks of the run."""
    result = _run_check(check, target)
    target.witness.record(check, result.exchanges)
    return result


def _run_check(check: Check, target: Target) -> CheckResult:
    version = target.version
    level = check.requirement.level(version)
    if level is None:
        return CheckResult(check, version, Outcome.SKIP, f"does not apply to API {version}")
    unmet = target.unmet(check.requirement.needs)
    if unmet:
        return CheckResult(check, version, Outcome.SKIP, "; ".join(unmet))

    client = None
    if "probe-unknown-topic-produce" in check.requirement.needs:
        client = TargetClient(
            target.client.base_url, credentials=target.client.credentials, timeout=HAZARD_TIMEOUT
        )
    ctx = LiveContext(check, target, client)
    started = time.perf_counter()
    try:
        judgement = check.probe(ctx)
    except CheckSkipped as exc:
        return CheckResult(
            check, version, Outcome.SKIP, _one_line(str(exc)), time.perf_counter() - started,
            exchanges=list(ctx.client.exchanges),
        )  # fmt: skip
    except Exception as exc:
        exchanges = list(ctx.client.exchanges)
        lost = _transport_failures(exchanges)
        # A probe that tripped over a missing response: say which request, not the Python error.
        if lost:
            message = lost[-1].describe()
        elif isinstance(exc, SetupFailed):
            message = str(exc)  # the check's own setup did not take effect: its reason, plainly
        else:
            message = f"the check raised {type(exc).__name__}: {exc}"
        return CheckResult(
            check, version, Outcome.ERROR, _one_line(message), time.perf_counter() - started,
            observations=list(ctx.api.notes), exchanges=exchanges, traceback=tb.format_exc(),
        )  # fmt: skip
    finally:
        if client is not None:
            client.close()
    duration = time.perf_counter() - started
    exchanges = list(ctx.client.exchanges)
    if not isinstance(judgement, Judgement):
        return CheckResult(
            check, version, Outcome.ERROR,
            f"the probe returned {type(judgement).__name__}, not a Judgement (a bug in the check)",
            duration, exchanges=exchanges,
        )  # fmt: skip
    observations = list(judgement.observations) + ctx.api.notes
    if level is Level.INFO:
        # INFO rows record behaviour; what would be a finding elsewhere is an observation here.
        observations += [f.message() for f in judgement.findings]
        return CheckResult(
            check, version, Outcome.PASS, "", duration, observations=observations, exchanges=exchanges
        )
    if judgement.findings:
        lost = _transport_failures(exchanges)
        if lost:
            return CheckResult(
                check, version, Outcome.ERROR, _one_line(lost[-1].describe()), duration,
                findings=list(judgement.findings), observations=observations, exchanges=exchanges,
            )  # fmt: skip
        return CheckResult(
            check, version, Outcome.FAIL, _failure_message(judgement), duration,
            findings=list(judgement.findings), observations=observations, exchanges=exchanges,
        )  # fmt: skip
    return CheckResult(
        check, version, Outcome.PASS, "", duration, observations=observations, exchanges=exchanges
    )


# -- cleanup ---------------------------------------------------------------------------------------


CLEANUP_JOBS = 8


def delete_consumers(
    target: Target, paths: Sequence[str], timeout: float | None = None, time_bound: float = 60.0
) -> list[Leftover]:
    """Delete consumer instances, several at once, within `time_bound` seconds; 2xx and 404
    (already gone) count as deleted, anything else is a leftover with the reason."""
    accept = {"Accept": MEDIA[target.version].generic}

    def delete(path: str) -> Leftover | None:
        exchange = target.client.send("DELETE", path, headers=accept, timeout=timeout, label="cleanup")
        if exchange.response is None:
            return Leftover(path, f"no response ({exchange.error})")
        if not (200 <= exchange.response.status < 300 or exchange.response.status == 404):
            return Leftover(path, f"DELETE answered {exchange.response.status}")
        return None

    if not paths:
        return []
    pool = ThreadPoolExecutor(max_workers=CLEANUP_JOBS, thread_name_prefix="conformance-cleanup")
    futures = {pool.submit(delete, path): path for path in paths}
    done, not_done = wait(futures, timeout=time_bound)
    pool.shutdown(wait=False, cancel_futures=True)
    leftovers = [f.result() for f in done]
    leftovers += [
        Leftover(futures[f], f"not deleted within the cleanup bound of {time_bound:g} s") for f in not_done
    ]
    return sorted((x for x in leftovers if x is not None), key=lambda x: x.path)


def cleanup(target: Target, timeout: float | None = None, time_bound: float = 60.0) -> list[Leftover]:
    """Delete what the checks registered. Registrations after this point become leftovers."""
    paths, _ = target.cleanups.close()
    try:
        leftovers = delete_consumers(target, paths, timeout, time_bound)
    except KeyboardInterrupt:  # a second Ctrl-C: stop deleting, list everything as left over
        return [Leftover(p, "cleanup interrupted") for p in paths]
    return leftovers


def late_leftovers(target: Target) -> list[Leftover]:
    return [
        Leftover(p, "created by a check still running when the run ended; not deleted")
        for p in target.cleanups.late()
    ]


# -- a target for tests and REPLs ------------------------------------------------------------------


def new_run_id() -> str:
    """`krc-<time>-<random>`: unique per run, so groups never collide with another run's."""
    return f"krc-{time.strftime('%H%M%S', time.gmtime())}-{random.Random().getrandbits(24):06x}"


@contextmanager
def open_target(
    url: str,
    version: ApiVersion,
    *,
    topic: str = "conformance-p3",
    single_topic: str | None = "conformance-p1",
    credentials: Credentials | None = None,
    timeout: float = 10.0,
    seed: int = 0,
    budget: str = "quick",
    run_id: str | None = None,
    probe_unknown_topic_produce: bool = False,
) -> Iterator[Target]:
    """Preflight a target and yield it; on exit, delete the consumers the checks registered."""
    client = TargetClient(url, credentials=credentials, timeout=timeout, api_version=version)
    try:
        pre = run_preflight(client, version, topic, single_topic)
        target = Target(
            client, version, topic, single_topic, pre.partitions, run_id or new_run_id(), seed, budget,
            probe_unknown_topic_produce,
        )  # fmt: skip
        try:
            yield target
        finally:
            cleanup(target)
    finally:
        client.close()


# -- scheduling ------------------------------------------------------------------------------------


@dataclass
class Progress:
    """Callbacks for the console: a check started, a check finished."""

    on_start: Callable[[Check], None] = lambda check: None
    on_result: Callable[[CheckResult], None] = lambda result: None
    # The run stopped early (Ctrl-C or the time bound): why, and the checks left unfinished.
    on_stop: Callable[[str, list[str]], None] = lambda why, ids: None


def phases(checks: Sequence[Check]) -> list[tuple[list[Check], bool]]:
    """(checks, concurrent) in the order they run: the ordinary ones together, then each
    "isolated" check alone, then the "last" ones together, then the "sweep" ones (if any).

    The last phase holds the hazardous probes (§5.4). Each may wait out a server's 60 s
    producer timeout on a topic or partition of its own, so they run at the same time: one
    after another they overran the run's time bound against Confluent (lab, 2026-12-07)."""
    sweeps = [c for c in checks if "sweep" in c.requirement.needs]
    rest = [c for c in checks if "sweep" not in c.requirement.needs]
    ordinary = [c for c in rest if not (c.requirement.needs & (SCHEDULING | LAST))]
    isolated = [c for c in rest if "isolated" in c.requirement.needs and not c.requirement.needs & LAST]
    last = [c for c in rest if c.requirement.needs & LAST]
    out = [(ordinary, True), (isolated, False), (last, True)]
    # The sweep checks judge what all the others saw, so they come after every one of them.
    return [*out, (sweeps, True)] if sweeps else out


# Modules that libraries import lazily, inside a call, on first use. A first import from several
# check threads at once races (a partially initialised module: "cannot import name ..."; and under
# pytest's assertion rewriting, concurrent ast.parse fails). Importing them once, in the calling
# thread before the pool starts, removes the race.
LAZY_IMPORTS = ("schemathesis.specs.openapi.schemas",)


def preload() -> None:
    for name in LAZY_IMPORTS:
        with contextlib.suppress(ImportError):  # the library is optional for the runner itself
            importlib.import_module(name)


@dataclass
class Scheduled:
    results: dict[str, CheckResult]
    interrupted: bool = False
    timed_out: bool = False


def run_checks(
    checks: Sequence[Check],
    target: Target,
    *,
    jobs: int = 8,
    time_bound: float | None = None,
    progress: Progress | None = None,
    runner: Callable[[Check, Target], CheckResult] = run_check,
) -> Scheduled:
    """Run the checks; never raises for a check's sake and never waits more than `time_bound`
    seconds. Ctrl-C stops it: checks not finished are reported as error."""
    progress = progress or Progress()
    preload()
    out = Scheduled({})
    stop = threading.Event()
    done: queue.Queue[CheckResult] = queue.Queue()
    deadline = None if time_bound is None else time.monotonic() + time_bound
    budget_note = "" if time_bound is None else f" within the run's time bound of {time_bound:g} s"

    def work(tasks: queue.Queue[Check]) -> None:
        while not stop.is_set():
            try:
                check = tasks.get_nowait()
            except queue.Empty:
                return
            progress.on_start(check)
            try:
                result = runner(check, target)
            except BaseException as exc:  # runner bugs must not kill the run
                result = CheckResult(
                    check, target.version, Outcome.ERROR, _one_line(f"runner error: {exc!r}")
                )
            done.put(result)

    def unfinished(check: Check, why: str) -> CheckResult:
        return CheckResult(check, target.version, Outcome.ERROR, why)

    for batch, concurrent in phases(checks):
        if not batch or stop.is_set():
            for check in batch:
                out.results[check.id] = unfinished(check, _why_not_run(out))
            continue
        tasks: queue.Queue[Check] = queue.Queue()
        for check in batch:
            tasks.put(check)
        workers = min(jobs, len(batch)) if concurrent else 1
        for _ in range(max(1, workers)):
            threading.Thread(target=work, args=(tasks,), daemon=True, name="conformance-check").start()
        pending = {c.id for c in batch}
        try:
            while pending:
                wait = 0.25
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        out.timed_out = True
                        break
                    wait = min(wait, remaining)
                try:
                    result = done.get(timeout=wait)
                except queue.Empty:
                    continue
                if result.id in pending:
                    pending.discard(result.id)
                    out.results[result.id] = result
                    progress.on_result(result)
        except KeyboardInterrupt:
            out.interrupted = True
        if pending:
            stop.set()
            why = (
                "interrupted (Ctrl-C) before the check finished"
                if out.interrupted
                else f"did not finish{budget_note} (--timeout times the budget's factor); "
                "the target may be slow or hanging: a larger --timeout raises the bound"
            )
            for check in batch:
                if check.id in pending:
                    out.results[check.id] = unfinished(check, why)
            progress.on_stop(why, sorted(pending))
    return out


def _why_not_run(out: Scheduled) -> str:
    if out.interrupted:
        return "not run: the run was interrupted (Ctrl-C)"
    return "not run: the run reached its time bound first"


# -- selection -------------------------------------------------------------------------------------


def select(
    checks: Sequence[Check],
    version: ApiVersion,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    credentials: bool = False,
    probe_unknown_topic_produce: bool = False,
    budget: str = "standard",
) -> tuple[list[Check], list[NotRun]]:
    """The checks to run for this version, and those left out with the reason.

    `only` and `skip` take check ids or area names (case-insensitive); a name that matches
    nothing is a usage error, so a typo cannot silently run nothing.
    """
    applicable = [c for c in checks if c.requirement.applies_to(version)]
    areas = {c.requirement.area.lower() for c in checks}
    ids = {c.id.lower() for c in checks}
    for flag, names in (("--only", only), ("--skip", skip)):
        for name in names:
            if name.lower() not in ids and name.lower() not in areas:
                raise UsageError(
                    f"{flag} {name}: no check id or area of that name; areas: {', '.join(sorted(areas))}"
                    " (`kafka-rest-conformance checks` lists the ids)"
                )

    def matches(check: Check, names: Sequence[str]) -> bool:
        wanted = {n.lower() for n in names}
        return check.id.lower() in wanted or check.requirement.area.lower() in wanted

    selected: list[Check] = []
    not_run: list[NotRun] = []
    for check in applicable:
        needs = check.requirement.needs
        if only and not matches(check, only):
            not_run.append(NotRun(check, "not selected by --only", counts_against=True))
        elif skip and matches(check, skip):
            not_run.append(NotRun(check, "left out by --skip", counts_against=True))
        elif "credentials" in needs and not credentials:
            not_run.append(NotRun(check, NEEDS["credentials"], counts_against=False))
        elif "probe-unknown-topic-produce" in needs and not probe_unknown_topic_produce:
            not_run.append(NotRun(check, NEEDS["probe-unknown-topic-produce"], counts_against=False))
        elif "deep-budget" in needs and budget != "deep":
            not_run.append(NotRun(check, NEEDS["deep-budget"], counts_against=False))
        else:
            selected.append(check)
    return selected, not_run
