"""`kafka-rest-conformance run`: preflight, run the checks, write the reports, exit with the verdict.

`execute()` is the whole run without argument parsing; `selftest` and the benchmark call it too.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.checks.model import Check
from conformance.cli import Handler
from conformance.client import TargetClient
from conformance.console import Console
from conformance.engine import Progress, Target, cleanup, late_leftovers, new_run_id, run_checks, select
from conformance.errors import ConformanceError, TargetError, UsageError
from conformance.expectations import apply as apply_expectations
from conformance.expectations import expired as expired_expectations
from conformance.expectations import load as load_expectations
from conformance.preflight import run_preflight
from conformance.profiles import Profile
from conformance.profiles import find as find_profile
from conformance.report.about import describe_target
from conformance.report.bundle import BundledRun, check_bundle_path, credential_env, write_bundle
from conformance.report.model import CheckResult, Expectation, NotRun, Outcome, RunResults, mask
from conformance.report.writers import write_all
from conformance.settings import Settings, load, read_results

REFERENCE_TOPIC = "conformance-p3"
REFERENCE_SINGLE_TOPIC = "conformance-p1"
RERUN_OUTCOMES = ("fail", "error", "xpass")
# The embedded reference's by-design deviations (SHOULD rows it answers as Confluent 5.5 does).
REFERENCE_EXPECTATIONS = "data/reference-expectations.toml"
# Preconditions the user chooses to provide or not (README: optional). Without them a check is
# not applicable, does not gate, and the reports say how to enable it; any other unmet
# precondition (a 1-partition --topic, a probe that finds something missing) is a gating skip.
OPTIONAL_NEEDS = {
    "single-partition-topic": "needs a second topic with exactly one partition: give"
    " --single-partition-topic NAME to run it",
}
_CONSUMER_GROUP = re.compile(r"^/consumers/([^/?]+)$")


def catalogue() -> tuple[Check, ...]:
    """The checks (imported on first use: the property-based layer is slow to import, and
    `--help` or a bad flag should not wait for it)."""
    from conformance.checks.registry import catalogue as checks

    return checks()


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser(
        "run",
        help="run the conformance checks against a target (default: the embedded reference server)",
        description="Run the conformance checks. With no --target, the embedded reference server is started "
        "on 127.0.0.1 and tested. Exit: 0 conformant, 1 non-conformant/incomplete/stale expectation, "
        "2 usage or configuration error, 3 could not test (target unreachable, credentials rejected, "
        "topics missing, API version not spoken).",
    )
    t = p.add_argument_group("target")
    t.add_argument("--target", metavar="URL", help="base URL of the Kafka REST proxy (env KAFKA_REST_URL)")
    t.add_argument("--api-version", choices=("v1", "v2"), help="API version to test (default v1)")
    t.add_argument("--topic", metavar="NAME", help="existing test topic; 2+ partitions for every check")
    t.add_argument(
        "--single-partition-topic",
        dest="single_topic",
        metavar="NAME",
        help="optional existing topic with 1 partition; without it V1C-011 is not applicable",
    )
    a = t.add_mutually_exclusive_group()
    a.add_argument("--api-key", metavar="KEY", help="sent as X-Auth-Token (env KAFKA_REST_API_KEY)")
    a.add_argument("--bearer", metavar="TOKEN", help="sent as Authorization: Bearer (env KAFKA_REST_BEARER)")
    a.add_argument("--basic", metavar="USER:PASS", help="HTTP Basic credentials (env KAFKA_REST_BASIC)")
    t.add_argument(
        "--header",
        dest="headers",
        action="append",
        metavar="K:V",
        help="extra header on every request (repeatable)",
    )
    r = p.add_argument_group("run")
    r.add_argument(
        "--budget", choices=("quick", "standard", "deep"), help="example counts (default standard)"
    )
    r.add_argument(
        "--seed", type=str, metavar="N", help="seed for generated data (default: random, reported)"
    )
    r.add_argument("--timeout", type=str, metavar="S", help="per-request timeout in seconds (default 10)")
    r.add_argument("--jobs", type=str, metavar="N", help="checks run at once (default 8)")
    r.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="SHOULD failures fail the run too (else: not gating)",
    )
    r.add_argument("--only", action="append", metavar="AREA|ID", help="run only these areas or checks")
    r.add_argument("--skip", action="append", metavar="AREA|ID", help="leave out these areas or checks")
    r.add_argument("--expectations", metavar="FILE", help="TOML file of known failures (xfail)")
    r.add_argument(
        "--profile",
        metavar="NAME|FILE",
        help="vendor profile: the server's known deviations (xfail, with expiry dates) and dialect"
        " settings; your flags and config win (`profiles` lists them; env KAFKA_REST_PROFILE)",
    )
    r.add_argument(
        "--auto-commit-field",
        choices=("auto.commit.enable", "enable.auto.commit"),
        help="consumer-creation field for auto commit (default: Confluent's, retried as Strimzi's on a 400)",
    )
    r.add_argument(
        "--rerun-failed",
        metavar="RESULTS.json",
        help="like pytest --lf: re-run what failed there, on the same target, version and topics",
    )
    r.add_argument(
        "--probe-unknown-topic-produce",
        action="store_true",
        default=None,
        help="also produce to a topic that cannot exist (hazard on real servers: may auto-create; runs last)",
    )
    o = p.add_argument_group("output")
    o.add_argument("--label", metavar="NAME", help="name of the target in reports")
    o.add_argument("--report-dir", metavar="DIR", help="default reports/<UTC time>-<label>/")
    o.add_argument("--config", metavar="FILE", help="TOML file with any of these settings")
    o.add_argument(
        "--bundle",
        metavar="FILE.tar.gz",
        help="also write an evidence bundle: reports, redacted settings, target self-description, replay README",
    )
    return "run", handle


FLAG_FIELDS = (
    "target", "api_version", "topic", "single_topic", "api_key", "bearer", "basic", "headers", "label",
    "report_dir", "config", "budget", "seed", "timeout", "jobs", "strict", "only", "skip", "expectations",
    "rerun_failed", "probe_unknown_topic_produce", "profile", "auto_commit_field",
)  # fmt: skip


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    flags: dict[str, Any] = {name: getattr(args, name, None) for name in FLAG_FIELDS}
    for name in ("headers", "only", "skip"):
        if flags[name] is not None:
            flags[name] = tuple(flags[name])
    return load(flags, dict(os.environ) if environ is None else environ)


def handle(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    bundle_path = Path(args.bundle) if getattr(args, "bundle", None) else None
    if bundle_path is not None:
        check_bundle_path(bundle_path)  # before the run: a bundle that cannot be written is wasted
    console = Console(secrets=settings.secrets())
    if any(len(s) < 6 for s in settings.secrets()):
        console.say(
            "note: a secret shorter than 6 characters is masked wherever it appears; output may look garbled"
        )
    try:
        outcome = execute(settings, console, reference_expectations=True)
    except (ConformanceError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug in the suite: one line, the traceback in a file, never on screen
        path = Path(tempfile.gettempdir()) / f"kafka-rest-conformance-{os.getpid()}.traceback.txt"
        path.write_text(mask_text(traceback.format_exc(), settings.secrets()), "utf-8")
        console.say(
            f"kafka-rest-conformance: internal error {type(exc).__name__}: {exc} (a bug; traceback in {path})"
        )
        return 1
    if bundle_path is not None and outcome.paths:
        run = BundledRun(outcome.results.label, outcome.paths[0].parent, credential_env(settings))
        try:
            console.say(f"bundle: {write_bundle(bundle_path, [run], secrets=settings.secrets())}")
        except OSError as exc:
            console.say(f"kafka-rest-conformance: bundle {bundle_path} not written ({exc}); the reports are")
            return 2
    return outcome.exit_code


def mask_text(text: str, secrets: tuple[str, ...]) -> str:
    masked: str = mask(text, secrets)
    return masked


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class RunOutcome:
    results: RunResults
    exit_code: int
    paths: list[Path] = field(default_factory=list)
    # exceptions the embedded reference server raised while answering (none for a real target)
    reference_crashes: tuple[str, ...] = ()


def openapi_digest() -> str | None:
    candidates = [
        Path(str(resources.files("conformance").joinpath("data/openapi.yaml"))),
        Path(__file__).resolve().parents[2] / "openapi.yaml",
    ]
    for path in candidates:
        if path.is_file():
            return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return None


def default_report_dir(label: str, now: datetime) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-") or "target"
    return Path("reports") / f"{now.strftime('%Y%m%dT%H%M%SZ')}-{safe}"


def default_label(settings: Settings) -> str:
    if settings.label:
        return settings.label
    if not settings.target:
        return "reference"
    from urllib.parse import urlsplit

    parts = urlsplit(settings.target)
    return parts.hostname + (f"-{parts.port}" if parts.port else "") if parts.hostname else "target"


def _rerun_wanted(check: dict[str, Any]) -> bool:
    """Re-run what did not reach a passing verdict: failures, errors, stale expectations, and
    skips that gated (a skipped MUST check never had a verdict)."""
    if check["outcome"] in RERUN_OUTCOMES:
        return True
    return bool(check["outcome"] == "skip" and check.get("gating", check.get("level") == "MUST"))


def rerun_ids(path: Path) -> tuple[str, ...]:
    doc = read_results(path)
    try:
        ids = tuple(c["id"] for c in doc["checks"] if _rerun_wanted(c))
    except (KeyError, TypeError):
        raise UsageError(f"--rerun-failed {path}: not a results.json written by this suite") from None
    if not ids:
        raise UsageError(
            f"--rerun-failed {path}: no failed, errored, xpass or gating skipped checks in it; nothing to re-run"
        )
    return ids


def _rerun_selection(
    path: Path, selected: list[Check], not_run: list[NotRun]
) -> tuple[list[Check], list[NotRun]]:
    """Like pytest's --lf: keep what needs re-running; the rest stands on the earlier run's result
    and does not count against this one, unless the earlier run had left it out too."""
    wanted = set(rerun_ids(path))
    doc = read_results(path)
    earlier = {c.get("id"): c.get("outcome") for c in doc["checks"] if isinstance(c, dict)}
    earlier_not_run = {
        n.get("id"): n for n in doc.get("not_run", []) if isinstance(n, dict) and isinstance(n.get("id"), str)
    }
    keep: list[Check] = []
    out = list(not_run)
    for check in selected:
        if check.id in wanted:
            keep.append(check)
        elif check.id in earlier:
            out.append(NotRun(check, f"{earlier[check.id]} in {path}; not re-run", counts_against=False))
        elif check.id in earlier_not_run:
            before = earlier_not_run[check.id]
            out.append(
                NotRun(
                    check,
                    f"not run in {path} either ({before.get('reason', '')})",
                    counts_against=bool(before.get("counts_against", True)),
                )
            )
        else:
            out.append(NotRun(check, f"not in {path}", counts_against=True))
    return keep, out


def _optional(
    settings: Settings, selected: list[Check], not_run: list[NotRun]
) -> tuple[list[Check], list[NotRun]]:
    """Checks whose optional precondition the user chose not to provide: not applicable."""
    given = {"single-partition-topic": bool(settings.single_topic) or not settings.target}
    keep: list[Check] = []
    out = list(not_run)
    for check in selected:
        missing = [
            need for need in sorted(check.requirement.needs) if need in OPTIONAL_NEEDS and not given[need]
        ]
        if missing:
            out.append(NotRun(check, OPTIONAL_NEEDS[missing[0]], counts_against=False))
        else:
            keep.append(check)
    return keep, out


def load_expectations_for(
    settings: Settings, checks: tuple[Check, ...], reference: bool, profile: Profile | None = None
) -> dict[str, Expectation]:
    """The user's expectations, over the profile's known deviations, over the embedded
    reference's own by-design ones when the run tests the reference (no --target) and
    `reference` is asked for (the command line does). For one check, the later source wins."""
    ids = [c.id for c in checks]
    out: dict[str, Expectation] = {}
    if reference and not settings.target:
        path = Path(str(resources.files("conformance").joinpath(REFERENCE_EXPECTATIONS)))
        out.update(load_expectations(path, ids, settings.api_version))
    if profile is not None:
        out.update(profile.expectations(ids, settings.api_version))
    if settings.expectations:
        out.update(load_expectations(settings.expectations, ids, settings.api_version))
    return out


def created_groups(results: list[CheckResult]) -> list[str]:
    """Consumer groups the run created: every `POST /consumers/{group}` a target answered 2xx."""
    from urllib.parse import unquote, urlsplit

    groups: set[str] = set()
    for result in results:
        for ex in result.exchanges:
            if ex.request.method != "POST" or ex.response is None or not 200 <= ex.response.status < 300:
                continue
            match = _CONSUMER_GROUP.match(urlsplit(ex.request.url).path.rstrip("/") or "/")
            if match:
                groups.add(unquote(match.group(1)))
    return sorted(groups)


def header(settings: Settings, url: str) -> str:
    """The first line of every run: what is tested, with what."""
    topics = settings.topic or REFERENCE_TOPIC
    single = settings.single_topic or (None if settings.target else REFERENCE_SINGLE_TOPIC)
    topics += f", single-partition {single}" if single else " (no --single-partition-topic)"
    what = (
        f"testing {settings.display_target()}"
        if settings.target
        else f"no --target: testing the embedded reference server at {url}"
    )
    extras = [f"budget {settings.budget}", f"timeout {settings.timeout:g} s"]
    if settings.strict:
        extras.append("strict")
    if settings.profile:
        extras.append(f"profile {settings.profile}")
    if settings.rerun_failed:
        extras.append(f"re-running the failures of {settings.rerun_failed}")
    return f"{what} (API {settings.api_version}; topics {topics}; {', '.join(extras)})"


@contextmanager
def _embedded(settings: Settings, faults: frozenset[str], crashes: list[str]) -> Iterator[str | None]:
    """The target URL: the user's, or an embedded reference server for the duration (whose
    exceptions, if any, are added to `crashes` when it stops)."""
    if settings.target:
        yield settings.target
        return
    if settings.bearer or settings.basic:
        raise UsageError(
            "the embedded reference server supports only --api-key: give --target to test --bearer or --basic"
        )
    try:
        from conformance.reference.server import ReferenceConfig, serve_in_thread
    except ImportError as exc:  # pragma: no cover - a broken install
        raise UsageError(
            f"the embedded reference server is not available ({exc}): give --target URL"
        ) from None
    topic = settings.topic or REFERENCE_TOPIC
    single = settings.single_topic or REFERENCE_SINGLE_TOPIC
    config = ReferenceConfig(
        api_version=settings.api_version,
        topics={topic: 3, single: 1},
        api_key=settings.api_key.value if settings.api_key else None,
        faults=faults,
    )
    with serve_in_thread(config) as server:
        try:
            yield server.url
        finally:
            crashes.extend(server.app.state.reference.crashes)


def execute(
    settings: Settings,
    console: Console | None = None,
    *,
    faults: frozenset[str] = frozenset(),
    write_reports: bool = True,
    reference_expectations: bool = False,
    today: Callable[[], date] | None = None,
) -> RunOutcome:
    """One whole run. Raises `UsageError` for a bad setting; everything else ends in results.

    `reference_expectations`: with no --target, accept the embedded reference's by-design
    deviations (the command line asks for it; selftest does not, it needs the raw outcomes).
    `today`: the clock that decides whether an expectation has expired (default: the UTC date)."""
    console = console or Console(secrets=settings.secrets())
    console.add_secrets(settings.secrets())
    console.strict = settings.strict
    started_wall = datetime.now(UTC)
    started = time.monotonic()
    seed = settings.seed if settings.seed is not None else int.from_bytes(os.urandom(4), "big")
    label = default_label(settings)
    report_dir = settings.report_dir or default_report_dir(label, started_wall)
    if write_reports:
        try:  # before any check runs: a run whose reports cannot be written is wasted
            report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the report directory {report_dir} ({exc.strerror}): choose another with --report-dir"
            ) from None
    run = RunResults(
        suite_version=__version__,
        openapi_digest=openapi_digest(),
        target_url=settings.display_target(),
        label=label,
        api_version=settings.api_version,
        seed=seed,
        settings=settings.redacted() | {"seed": seed},
        started_at=started_wall.strftime("%Y-%m-%dT%H:%M:%SZ"),
        strict=settings.strict,
        secrets=settings.secrets(),
        rerun_of=str(settings.rerun_failed) if settings.rerun_failed else None,
    )
    # Loaded before any check runs: a bad profile is exit 2 at once, not after the run.
    profile = find_profile(settings.profile) if settings.profile else None
    run.profile = profile.header() if profile else None
    day = (today or (lambda: datetime.now(UTC).date()))()
    crashes: list[str] = []
    expectations: dict[str, Expectation] = {}
    # From here on a Ctrl-C, however early (the slow import of the checks, the reference starting,
    # the preflight), still writes results.json marked interrupted.
    try:
        checks = catalogue()
        expectations = load_expectations_for(settings, checks, reference_expectations, profile)
        selected, not_run = select(
            checks,
            settings.api_version,
            only=settings.only,
            skip=settings.skip,
            credentials=settings.credentials().declared,
            probe_unknown_topic_produce=settings.probe_unknown_topic_produce,
            budget=settings.budget,
        )
        selected, not_run = _optional(settings, selected, not_run)
        if settings.rerun_failed:
            selected, not_run = _rerun_selection(settings.rerun_failed, selected, not_run)
        run.not_run = not_run
        with _embedded(settings, faults, crashes) as url:
            assert url is not None
            console.say(header(settings, url))
            if not settings.target:
                run.target_url = f"{url} (embedded reference server)"
            _run_against(url, settings, run, selected, seed, console, expectations, day)
    except KeyboardInterrupt:
        run.interrupted = True
    run.duration = time.monotonic() - started
    apply_expectations(run.results, expectations, day)
    run.expired = expired_expectations(run.results, day)
    run.consumer_groups = created_groups(run.results)
    paths = write_all(run, report_dir) if write_reports else []
    console.summary(run, paths)
    if crashes:
        console.say(f"the embedded reference server raised {len(crashes)} exception(s), first: {crashes[0]}")
    return RunOutcome(run, run.verdict.exit_code, paths, tuple(crashes))


def _run_against(
    url: str,
    settings: Settings,
    run: RunResults,
    selected: list[Any],
    seed: int,
    console: Console,
    expectations: dict[str, Expectation],
    today: date,
) -> None:
    client = TargetClient(
        url, credentials=settings.credentials(), timeout=settings.timeout, api_version=settings.api_version
    )
    try:
        topic = settings.topic or REFERENCE_TOPIC
        single = settings.single_topic if settings.target else settings.single_topic or REFERENCE_SINGLE_TOPIC
        try:
            pre = run_preflight(client, settings.api_version, topic, single)
        except TargetError as exc:
            run.preflight_error = str(exc)
            return
        run.run_id = new_run_id()
        target = Target(
            client,
            settings.api_version,
            topic,
            single,
            pre.partitions,
            run.run_id,
            seed,
            settings.budget,
            settings.probe_unknown_topic_produce,
            auto_commit_field=settings.auto_commit_field,
        )
        console.begin(len(selected))

        def finished(result: CheckResult) -> None:
            # Expectations apply as each check ends, so the console shows xfail/xpass, not fail/pass.
            apply_expectations([result], expectations, today)
            console.finished(result)

        progress = Progress(on_start=console.started, on_result=finished, on_stop=console.stopped)
        try:
            scheduled = run_checks(
                selected, target, jobs=settings.jobs, time_bound=settings.run_bound, progress=progress
            )
            run.results = list(scheduled.results.values())
            run.interrupted = scheduled.interrupted
            if scheduled.timed_out:
                run.notes.append(f"the run reached its time bound of {settings.run_bound:.0f} s")
        finally:
            run.leftovers = cleanup(
                target, timeout=min(settings.timeout, 10.0), time_bound=max(10.0, 3 * settings.timeout)
            )
            run.leftovers += late_leftovers(target)
            run.about = describe_target([*pre.exchanges, *(ex for r in run.results for ex in r.exchanges)])
        hazard = [r for r in run.results if "probe-unknown-topic-produce" in r.check.requirement.needs]
        for r in hazard:
            if r.outcome is not Outcome.SKIP:
                run.notes.append(
                    f"hazardous probe {r.id} ({r.check.requirement.title}) took {r.duration:.1f} s"
                )
    finally:
        client.close()
