"""The pytest plugin: the conformance checks as test items of an existing pytest suite.

Installed with the package (entry point ``pytest11``), and inert unless ``--kafka-rest-target``
is given::

    pytest --kafka-rest-target https://proxy.example:8082 --kafka-rest-api-version v2 \\
        --kafka-rest-topic conformance -m must

Each check that applies to the API version becomes one item, ``kafka-rest::PROD-004``, marked
with its level (``must``, ``should``, ``info``), its area (``area_produce``, ``area_v2_consumer``:
``-`` becomes ``_``), each of its contract.md §8 rows (``row_P3``) and
``kafka_rest(id=..., rows=..., area=..., section=...)``. So ``-m must``, ``-k PROD``, ``--lf``,
``--junitxml`` and ``--strict-markers`` work as for any test.

The run is the command line's run (`conformance.commands.run.execute`), not a copy: on the first
item's setup it runs every check still selected after ``-k``/``-m``/``--lf`` at once, with the
engine's phases, isolation, concurrency, time bound and cleanup of the per-run consumers (done
before the call returns, also after a failure or Ctrl-C); each item then reports its own
check's result. Deselected items never run their checks.

Outcomes, engine -> pytest:

- pass -> passed (observations, if any, in a "kafka-rest observations" report section);
- MUST fail or error -> failed, with the message, the findings and the evidence (each exchange
  with a curl line that reproduces it);
- SHOULD fail or error -> xfailed ("SHOULD failure, not gating"), or failed with
  ``--kafka-rest-strict`` (the CLI's ``--strict``);
- INFO -> passed, always, with its observations in the report section; an INFO check whose
  target did not answer is skipped, since there was nothing to record;
- skip, or a check left out (no credentials, no single-partition topic, a hazardous probe not
  asked for) -> skipped with the reason;
- xfail from ``--kafka-rest-expectations FILE`` -> xfailed with its reason; xpass (the entry is
  stale) -> failed.

Every item carries ``user_properties`` (check id, level, area, rows, engine outcome; pytest's
JUnit writes them as <properties>). Secrets given as credentials are masked everywhere the plugin
writes: failure text, report sections, properties and the terminal summary.
"""

from __future__ import annotations

import io
import os
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr  # the types pytest's own reports use
from _pytest._io import TerminalWriter

# Only pytest at import time: the plugin loads in every pytest session of an environment that has
# the package installed, and stays cheap there until --kafka-rest-target switches it on.
if TYPE_CHECKING:
    from conformance.checks.model import Check
    from conformance.report.model import CheckResult, NotRun
    from conformance.settings import Settings

COLLECTOR = "kafka-rest"
SECTION = "kafka-rest observations"
# pytest option (without the "--kafka-rest-" prefix) -> Settings field; every one also takes
# the CLI's environment variables (KAFKA_REST_API_KEY, ...) through `settings.load`.
OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "target": (
        "target",
        {"metavar": "URL", "help": "base URL of the Kafka REST proxy: switches the plugin on"},
    ),
    "api-version": ("api_version", {"choices": ("v1", "v2"), "help": "API version to test (default v1)"}),
    "topic": ("topic", {"metavar": "NAME", "help": "existing test topic; 2+ partitions for every check"}),
    "single-partition-topic": (
        "single_topic",
        {"metavar": "NAME", "help": "optional topic with 1 partition"},
    ),
    "api-key": (
        "api_key",
        {"metavar": "KEY", "help": "sent as X-Auth-Token (better: env KAFKA_REST_API_KEY)"},
    ),
    "bearer": ("bearer", {"metavar": "TOKEN", "help": "Authorization: Bearer (env KAFKA_REST_BEARER)"}),
    "basic": ("basic", {"metavar": "USER:PASS", "help": "HTTP basic auth (env KAFKA_REST_BASIC)"}),
    "header": ("headers", {"metavar": "NAME:VALUE", "action": "append", "help": "extra header (repeatable)"}),
    "budget": ("budget", {"choices": ("quick", "standard", "deep"), "help": "property-based example counts"}),
    "seed": ("seed", {"metavar": "N", "help": "seed for generated data (default: random, reported)"}),
    "timeout": ("timeout", {"metavar": "SECONDS", "help": "per-request timeout (default 10)"}),
    "jobs": ("jobs", {"metavar": "N", "help": "checks run at the same time (default 8)"}),
    "strict": (
        "strict",
        {"action": "store_true", "default": None, "help": "SHOULD failures fail, not xfail"},
    ),
    "expectations": (
        "expectations",
        {"metavar": "FILE", "help": "known failures (TOML): xfail, xpass fails"},
    ),
    "probe-unknown-topic-produce": (
        "probe_unknown_topic_produce",
        {
            "action": "store_true",
            "default": None,
            "help": "run the hazardous produce-to-unknown-topic probes",
        },
    ),
    "report-dir": ("report_dir", {"metavar": "DIR", "help": "also write the suite's own reports there"}),
    "config": ("config", {"metavar": "FILE", "help": "a TOML settings file, as `run --config`"}),
    "profile": ("profile", {"metavar": "NAME", "help": "a vendor profile, as `run --profile`"}),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kafka-rest", "Kafka REST conformance (kafka-rest-conformance)")
    for name, (dest, kwargs) in OPTIONS.items():
        group.addoption(f"--kafka-rest-{name}", dest=f"kafka_rest_{dest}", **kwargs)


def settings_from_options(config: pytest.Config, environ: dict[str, str] | None = None) -> Settings:
    """One `Settings` from the pytest options and the environment, as the command line builds it."""
    from conformance.errors import UsageError
    from conformance.settings import Settings, load

    flags: dict[str, Any] = {dest: config.getoption(f"kafka_rest_{dest}") for dest, _ in OPTIONS.values()}
    has_profiles = "profile" in {f.name for f in fields(Settings)}  # profiles are being added
    if not has_profiles and flags.pop("profile") is not None:
        raise UsageError("--profile: this version of the suite has no profiles")
    if flags["headers"] is not None:
        flags["headers"] = tuple(flags["headers"])
    return load(flags, dict(os.environ) if environ is None else environ)


_CLI_FLAG = re.compile(
    r"--(" + "|".join(sorted(map(re.escape, OPTIONS), key=len, reverse=True)) + r")(?![\w-])"
)


def plugin_flags(message: str) -> str:
    """A settings message names the CLI's flags (`--topic`); here they are `--kafka-rest-topic`."""
    return _CLI_FLAG.sub(r"--kafka-rest-\1", message)


RUN = pytest.StashKey["ConformanceRun"]()


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("kafka_rest_target") is None:
        return  # inert: no markers, no items, no hooks beyond this one
    from conformance.errors import ConformanceError

    try:
        settings = settings_from_options(config)
        if settings.expectations:  # a bad file stops the session before anything runs, as in the CLI
            from conformance.checks.registry import catalogue
            from conformance.expectations import load as load_expectations

            load_expectations(settings.expectations, [c.id for c in catalogue()], settings.api_version)
    except ConformanceError as exc:
        raise pytest.UsageError(f"kafka-rest: {plugin_flags(str(exc))}") from None
    run = ConformanceRun(settings)
    config.stash[RUN] = run
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    config.pluginmanager.register(run, "kafka-rest-conformance-run")


# -- markers ---------------------------------------------------------------------------------------


def area_marker(area: str) -> str:
    return "area_" + area.replace("-", "_")


def row_marker(row: str) -> str:
    return f"row_{row}"


def marker_lines() -> list[str]:
    from conformance.checks.registry import catalogue

    checks = catalogue()
    lines = [
        "must: a MUST check of kafka-rest-conformance (fails the target when it fails)",
        "should: a SHOULD check of kafka-rest-conformance (xfail when it fails, fail with --kafka-rest-strict)",
        "info: an INFO check of kafka-rest-conformance (records behaviour, never fails)",
        "kafka_rest(id, rows, area, section): the requirement a kafka-rest-conformance item checks",
    ]
    lines += [
        f"{area_marker(a)}: kafka-rest checks of area {a}"
        for a in sorted({c.requirement.area for c in checks})
    ]
    rows = sorted({r for c in checks for r in c.requirement.rows})
    lines += [f"{row_marker(r)}: kafka-rest checks of contract.md §8 row {r}" for r in rows]
    return lines


# -- the run and the items -------------------------------------------------------------------------


class KafkaRestError(Exception):
    """A check's failure, or why the run could not judge it: shown as the plain text it carries."""


@dataclass(eq=False)  # a plugin object: pytest keys its registry by identity
class ConformanceRun:
    """The plugin's state for one session: the settings, and the engine run once it happened."""

    settings: Settings
    results: dict[str, CheckResult] = field(default_factory=dict)
    not_run: dict[str, NotRun] = field(default_factory=dict)
    problem: str | None = None  # the run could not test (preflight, a bug): every item says so
    interrupted: bool = False
    summary: str = ""
    started: bool = False
    collected: int = 0  # check items collected, and of those not selected to run
    deselected: int = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.settings.secrets()

    def masked(self, text: str) -> str:
        from conformance.report.model import mask

        value: str = mask(text, self.secrets)
        return value

    # -- hooks ---------------------------------------------------------------------------------
    def pytest_report_header(self) -> str:
        s = self.settings
        return f"kafka-rest: testing {s.display_target()} (API {s.api_version}, budget {s.budget})"

    @pytest.hookimpl(tryfirst=True)  # before -k, -m and --lf deselect
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        # Collected the ordinary way (collect reports, pytest_itemcollected), so the terminal
        # counts them, `--co` lists them, and other plugins see them like any other items.
        collector = KafkaRestCollector.from_parent(session, name=COLLECTOR, nodeid=COLLECTOR)
        collected = list(session.genitems(collector))
        self.collected = len(collected)
        items.extend(collected)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.interrupted:  # what pytest answers to a Ctrl-C (see CheckItem.setup)
            session.exitstatus = pytest.ExitCode.INTERRUPTED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary:
            terminalreporter.section("kafka-rest-conformance")
            terminalreporter.write(self.summary)
            if self.deselected:
                terminalreporter.write_line(
                    f"({self.deselected} check(s) deselected by -k, -m or --lf count as left out by --only)"
                )

    # -- the engine ----------------------------------------------------------------------------
    def run(self, session: pytest.Session) -> None:
        """Run the checks of every item still selected, once, as `kafka-rest-conformance run`."""
        if self.started:
            return
        self.started = True
        from dataclasses import replace

        from conformance.commands.run import execute
        from conformance.console import Console

        ids = tuple(i.check.id for i in session.items if isinstance(i, CheckItem))
        self.deselected = self.collected - len(ids)
        settings = replace(self.settings, only=ids, skip=())
        out = io.StringIO()
        try:
            outcome = execute(
                settings,
                Console(out, plain=True, secrets=self.secrets, width=100),
                write_reports=settings.report_dir is not None,
            )
        except Exception as exc:  # a usage error or a bug: every item says so, masked, in one line
            self.problem = self.masked(f"the run stopped: {type(exc).__name__}: {exc}")
            self.summary = self.masked(out.getvalue() + traceback.format_exc())
            return
        finally:
            self.summary = self.summary or self.masked(out.getvalue())
        run = outcome.results
        self.results = {r.id: r for r in run.results}
        self.not_run = {n.check.id: n for n in run.not_run}
        self.interrupted = run.interrupted
        if run.preflight_error:
            self.problem = self.masked(f"could not test {settings.display_target()}: {run.preflight_error}")


class KafkaRestCollector(pytest.Collector):
    """The parent of the check items: one per check that applies to the API version, by id."""

    def collect(self) -> Iterator[pytest.Item]:
        from conformance.checks.registry import catalogue

        version = self.config.stash[RUN].settings.api_version
        for check in catalogue():
            if check.requirement.applies_to(version):
                yield CheckItem.from_parent(self, name=check.id, check=check)


class CheckItem(pytest.Item):
    """One conformance check, as a pytest test item."""

    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        req = check.requirement
        state = self.config.stash[RUN]
        level = req.level(state.settings.api_version)
        assert level is not None  # only applicable checks become items
        self.level = level
        for mark in (
            getattr(pytest.mark, level.value.lower()),
            getattr(pytest.mark, area_marker(req.area)),
            *(getattr(pytest.mark, row_marker(r)) for r in req.rows),
            pytest.mark.kafka_rest(id=req.id, rows=req.rows, area=req.area, section=req.section),
        ):
            self.add_marker(mark)
        self.user_properties += [
            ("check_id", req.id),
            ("level", level.value),
            ("area", req.area),
            ("rows", ",".join(req.rows)),
        ]

    @property
    def state(self) -> ConformanceRun:
        return self.config.stash[RUN]

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{COLLECTOR}::{self.name} {self.check.requirement.title}"

    def setup(self) -> None:
        self.state.run(self.session)
        if self.state.interrupted:
            # The engine stopped on Ctrl-C and cleaned up; stop the session after this item. Not
            # by raising KeyboardInterrupt: pytest then parses source for the traceback while
            # abandoned check threads may still compile code, and CPython 3.11 crashes on
            # concurrent compiles ("AST constructor recursion depth mismatch").
            self.session.shouldfail = "kafka-rest: interrupted (Ctrl-C); the run's consumers were deleted"

    def runtest(self) -> None:
        from conformance.report.model import Outcome, check_json, mask
        from conformance.requirements import Level

        state = self.state
        if state.problem:
            raise KafkaRestError(state.problem)
        result = state.results.get(self.check.id)
        if result is None:
            left_out = state.not_run.get(self.check.id)
            pytest.skip(left_out.reason if left_out else "not run by the engine (a bug: please report it)")
        strict = state.settings.strict
        doc = mask(
            check_json(result, state.secrets, gating=self.level is Level.MUST or strict), state.secrets
        )
        self.user_properties.append(("outcome", result.outcome.value))
        if doc["observations"]:  # a report section for the terminal, a property for JUnit
            text = "\n".join(doc["observations"])
            self.add_report_section("call", SECTION, text)
            self.user_properties.append(("observations", text))
        outcome = result.outcome
        if outcome is Outcome.PASS:
            return
        if outcome is Outcome.SKIP:
            pytest.skip(doc["message"] or "skipped")
        if outcome is Outcome.XFAIL:
            reason = result.expectation.reason if result.expectation else ""
            pytest.xfail(state.masked(f"expected failure ({reason}): {doc['message']}"))
        if outcome is Outcome.XPASS:
            reason = result.expectation.reason if result.expectation else ""
            raise KafkaRestError(
                f"stale expectation: listed as failing ({state.masked(reason)}) but passed; "
                "remove it from the expectations file"
            )
        # fail or error
        what = "failure" if outcome is Outcome.FAIL else "error"
        if self.level is Level.INFO:  # INFO never fails: it had nothing to record
            pytest.skip(f"INFO {what}, nothing recorded: {doc['message']}")
        if self.level is Level.SHOULD and not strict:
            pytest.xfail(f"SHOULD {what}, not gating (fails with --kafka-rest-strict): {doc['message']}")
        raise KafkaRestError(failure_text(doc))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, KafkaRestError):
            return CheckFailure(str(excinfo.value), str(self.path))
        return super().repr_failure(excinfo, style=style)


class CheckFailure(TerminalRepr):
    """A failed item's text, no Python traceback; its first line is the one-line summary that
    `-rf` and JUnit's failure message show."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.reprcrash = ReprFileLocation(path, 0, text.splitlines()[0] if text else "")

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line)


def failure_text(doc: dict[str, Any]) -> str:
    """What a failed item shows: the level and message, then the findings and the exchanges."""
    from conformance.report.junit import evidence_text

    error = "error: " if doc["outcome"] == "error" else ""
    text = f"[{doc['level']}] {error}{doc['message']}\n\n"
    text += evidence_text(doc)
    if doc.get("traceback"):
        text += "\n" + doc["traceback"]
    return text
