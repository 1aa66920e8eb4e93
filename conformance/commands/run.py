"""`kafka-rest-conformance run`: preflight, run the checks, write the reports, exit with the verdict.

`execute()` is the whole run without argument parsing; `selftest` and the benchmark call it too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from conformance.expectations import load as load_expectations
from conformance.preflight import run_preflight
from conformance.report.model import CheckResult, Expectation, Outcome, RunResults, mask
from conformance.report.writers import write_all
from conformance.settings import Settings, load

REFERENCE_TOPIC = "conformance-p3"
REFERENCE_SINGLE_TOPIC = "conformance-p1"
RERUN_OUTCOMES = ("fail", "error", "xpass")


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
        "2 usage or configuration error, 3 target unreachable or credentials rejected.",
    )
    t = p.add_argument_group("target")
    t.add_argument("--target", metavar="URL", help="base URL of the Kafka REST proxy (env KAFKA_REST_URL)")
    t.add_argument("--api-version", choices=("v1", "v2"), help="API version to test (default v1)")
    t.add_argument("--topic", metavar="NAME", help="existing test topic; 2+ partitions for every check")
    t.add_argument(
        "--single-partition-topic",
        dest="single_topic",
        metavar="NAME",
        help="existing topic with 1 partition",
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
    r.add_argument("--strict", action="store_true", default=None, help="SHOULD failures fail the run too")
    r.add_argument("--only", action="append", metavar="AREA|ID", help="run only these areas or checks")
    r.add_argument("--skip", action="append", metavar="AREA|ID", help="leave out these areas or checks")
    r.add_argument("--expectations", metavar="FILE", help="TOML file of known failures (xfail)")
    r.add_argument("--rerun-failed", metavar="RESULTS.json", help="run only the checks that failed there")
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
    return "run", handle


FLAG_FIELDS = (
    "target", "api_version", "topic", "single_topic", "api_key", "bearer", "basic", "headers", "label",
    "report_dir", "config", "budget", "seed", "timeout", "jobs", "strict", "only", "skip", "expectations",
    "rerun_failed", "probe_unknown_topic_produce",
)  # fmt: skip


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    flags: dict[str, Any] = {name: getattr(args, name, None) for name in FLAG_FIELDS}
    for name in ("headers", "only", "skip"):
        if flags[name] is not None:
            flags[name] = tuple(flags[name])
    return load(flags, dict(os.environ) if environ is None else environ)


def handle(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    console = Console(secrets=settings.secrets())
    if any(len(s) < 6 for s in settings.secrets()):
        console.say(
            "note: a secret shorter than 6 characters is masked wherever it appears; output may look garbled"
        )
    try:
        outcome = execute(settings, console)
    except (ConformanceError, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug in the suite: one line, the traceback in a file, never on screen
        path = Path(tempfile.gettempdir()) / f"kafka-rest-conformance-{os.getpid()}.traceback.txt"
        path.write_text(mask_text(traceback.format_exc(), settings.secrets()), "utf-8")
        console.say(
            f"kafka-rest-conformance: internal error {type(exc).__name__}: {exc} (a bug; traceback in {path})"
        )
        return 1
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


def rerun_ids(path: Path) -> tuple[str, ...]:
    try:
        doc = json.loads(path.read_text("utf-8"))
        ids = tuple(c["id"] for c in doc["checks"] if c["outcome"] in RERUN_OUTCOMES)
    except FileNotFoundError:
        raise UsageError(f"--rerun-failed {path}: file not found") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"--rerun-failed {path}: not a results.json written by this suite") from None
    if not ids:
        raise UsageError(
            f"--rerun-failed {path}: no failed, errored or xpass checks in it; nothing to re-run"
        )
    return ids


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
) -> RunOutcome:
    """One whole run. Raises `UsageError` for a bad setting; everything else ends in results."""
    console = console or Console(secrets=settings.secrets())
    console.add_secrets(settings.secrets())
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

    checks = catalogue()
    expectations = (
        load_expectations(settings.expectations, [c.id for c in checks]) if settings.expectations else {}
    )
    only = settings.only + (rerun_ids(settings.rerun_failed) if settings.rerun_failed else ())
    selected, not_run = select(
        checks,
        settings.api_version,
        only=only,
        skip=settings.skip,
        credentials=settings.credentials().declared,
        probe_unknown_topic_produce=settings.probe_unknown_topic_produce,
    )
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
        not_run=not_run,
        secrets=settings.secrets(),
    )
    crashes: list[str] = []
    try:
        with _embedded(settings, faults, crashes) as url:
            assert url is not None
            if not settings.target:
                console.say(
                    f"no --target: testing the embedded reference server at {url}"
                    f" (API {settings.api_version}, topics {settings.topic or REFERENCE_TOPIC},"
                    f" {settings.single_topic or REFERENCE_SINGLE_TOPIC})"
                )
                run.target_url = f"{url} (embedded reference server)"
            _run_against(url, settings, run, selected, seed, console, expectations)
    except KeyboardInterrupt:
        run.interrupted = True
    run.duration = time.monotonic() - started
    apply_expectations(run.results, expectations)
    paths = write_all(run, report_dir) if write_reports else []
    if run.preflight_error:
        console.say(f"preflight failed: {run.preflight_error}")
        for path in paths:
            console.say(f"report: {path}")
        return RunOutcome(run, 3, paths, tuple(crashes))
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
        target = Target(
            client,
            settings.api_version,
            topic,
            single,
            pre.partitions,
            new_run_id(),
            seed,
            settings.budget,
            settings.probe_unknown_topic_produce,
        )
        console.begin(len(selected))

        def finished(result: CheckResult) -> None:
            # Expectations apply as each check ends, so the console shows xfail/xpass, not fail/pass.
            apply_expectations([result], expectations)
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
        hazard = [r for r in run.results if "probe-unknown-topic-produce" in r.check.requirement.needs]
        for r in hazard:
            if r.outcome is not Outcome.SKIP:
                run.notes.append(
                    f"hazardous probe {r.id} ({r.check.requirement.title}) took {r.duration:.1f} s"
                )
    finally:
        client.close()
