"""`kafka-rest-conformance run` end to end over loopback HTTP: exit codes, reports, secrets, robustness."""

from __future__ import annotations

import _thread
import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.checks.model import CheckContext, Judgement
from conformance.commands import run as run_command
from conformance.commands.run import RunOutcome, execute
from conformance.console import Console
from conformance.report.model import Outcome
from conformance.requirements import Level
from conformance.settings import Secret, Settings

from .support import check, passing

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
CLI = [sys.executable, "-m", "conformance"]
SECRET = "s3cret-KEY-4b1d9e"


def validate(results_json: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(results_json.read_text())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def quick(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(budget="quick", seed=1, report_dir=tmp_path, timeout=kw.pop("timeout", 5.0), **kw)


def quiet() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(out, plain=True), out


def must_problems(outcome: RunOutcome) -> list[str]:
    return [
        f"{r.id} {r.outcome.value}: {r.message}"
        for r in outcome.results.results
        if r.level is Level.MUST and r.outcome is not Outcome.PASS
    ]


# -- exit codes ------------------------------------------------------------------------------------


def test_bad_flag_is_exit_2() -> None:
    proc = subprocess.run([*CLI, "run", "--budget", "huge"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "invalid choice: 'huge'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = subprocess.run([*CLI, "run", "--timeout", "-3"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "kafka-rest-conformance: --timeout: -3 is out of range: give seconds between 0 and 600"
    )


def test_nothing_listening_is_exit_3_fast(tmp_path: Path) -> None:
    port = free_port()
    began = time.monotonic()
    console, out = quiet()
    outcome = execute(quick(tmp_path / "a", target=f"http://127.0.0.1:{port}", topic="t"), console)
    assert time.monotonic() - began < 3, "preflight against a closed port must fail at once"
    assert outcome.exit_code == 3
    assert re.search(
        r"^could not test \(exit 3\): preflight failed: .*did not answer GET /topics", out.getvalue(), re.M
    )

    # The same through the command line: exit 3, one line, no traceback, results.json says why.
    proc = subprocess.run(
        [
            *CLI,
            "run",
            "--target",
            f"http://127.0.0.1:{port}",
            "--topic",
            "t",
            "--report-dir",
            str(tmp_path / "b"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert re.search(
        r"could not test \(exit 3\): preflight failed: .*did not answer GET /topics .*connect", proc.stdout
    )
    assert proc.stdout.count("did not answer GET /topics") == 1, "the preflight message is said once"
    doc = validate(tmp_path / "b" / "results.json")
    assert doc["summary"]["exit_code"] == 3
    assert "did not answer GET /topics" in doc["preflight_error"]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_default_run_is_conformant(tmp_path: Path, version: str) -> None:
    console, out = quiet()
    outcome = execute(quick(tmp_path, api_version=version), console)
    assert must_problems(outcome) == [], out.getvalue()
    assert outcome.exit_code == 0, out.getvalue()
    assert "no --target: testing the embedded reference server at http://127.0.0.1:" in out.getvalue()
    assert out.getvalue().count("no --target") == 1


def test_a_fault_is_exit_1(tmp_path: Path) -> None:
    console, out = quiet()
    outcome = execute(
        quick(tmp_path, api_version="v2"),
        console,
        faults=frozenset({"negotiation-unsupported-accept-answered"}),
    )
    assert outcome.exit_code == 1
    assert outcome.results.verdict.value == "non-conformant"
    assert re.search(r"^FAIL  \S+ \[MUST\] ", out.getvalue(), re.M), out.getvalue()


# -- reports and secrets ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A CLI run against the reference with an API key and a fault that fails auth checks, so
    reports carry evidence with credentials in it."""
    report_dir = tmp_path_factory.mktemp("keyed")
    env = dict(os.environ, KAFKA_REST_API_KEY=SECRET, CI="1")
    # The fault is switched on through the engine, not the CLI: run it via a tiny script.
    script = (
        "import sys; from conformance.commands.run import execute, settings_from_args;"
        "from conformance.cli import build_parser;"
        "p, _ = build_parser(); s = settings_from_args(p.parse_args(sys.argv[1:]));"
        "sys.exit(execute(s, faults=frozenset({'auth-token-not-enforced'})).exit_code)"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "run",
            "--budget",
            "quick",
            "--seed",
            "3",
            "--report-dir",
            str(report_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    yield report_dir, proc.stdout + proc.stderr


def test_reports_are_written_and_valid(keyed_run: tuple[Path, str]) -> None:
    report_dir, console = keyed_run
    assert "Traceback" not in console
    doc = validate(report_dir / "results.json")
    ids = [c["id"] for c in doc["checks"]]
    assert ids == sorted(ids)
    assert doc["settings"]["api_key"] == "[REDACTED]"
    auth_failures = [c for c in doc["checks"] if c["area"] == "auth" and c["outcome"] == "fail"]
    assert auth_failures, "the fault must fail an auth check, so evidence is rendered"
    evidence = auth_failures[0]["evidence"]
    assert evidence and all(e["curl"].startswith("curl ") for e in evidence)

    suite = ET.parse(report_dir / "junit.xml").getroot()
    cases = suite.findall("testcase")
    assert [c.get("name", "").split(" ")[0] for c in cases] == ids
    assert int(suite.get("failures", "0")) >= 1
    assert any(
        c.find("failure") is not None and "reproduce: curl" in (c.find("failure").text or "") for c in cases
    )  # type: ignore[union-attr]

    html = (report_dir / "report.html").read_text()
    assert html.index(doc["summary"]["verdict"]) < html.index("<h2>Checks</h2>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(|<link""", html, re.I)
    summary = (report_dir / "summary.md").read_text()
    assert f"**{doc['summary']['verdict']}**" in summary


def test_secret_appears_nowhere(keyed_run: tuple[Path, str]) -> None:
    report_dir, console = keyed_run
    assert SECRET not in console
    files = [p for p in report_dir.rglob("*") if p.is_file()]
    assert len(files) == 4
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), f"the API key leaked into {path.name}"
    doc = json.loads((report_dir / "results.json").read_text())
    # Not vacuous: the auth checks ran, and their evidence had credentials to redact.
    assert any(c["area"] == "auth" for c in doc["checks"])
    assert "[REDACTED]" in (report_dir / "results.json").read_text()


def test_right_key_is_conformant_and_auth_checks_run(tmp_path: Path) -> None:
    console, out = quiet()
    outcome = execute(quick(tmp_path, api_key=Secret(SECRET)), console)
    assert must_problems(outcome) == []
    assert outcome.exit_code == 0, out.getvalue()
    assert any(r.area == "auth" and r.outcome is Outcome.PASS for r in outcome.results.results)
    assert SECRET not in out.getvalue()
    for path in tmp_path.rglob("*"):
        assert SECRET.encode() not in path.read_bytes()


# -- robustness --------------------------------------------------------------------------------------


def _touch_topic(ctx: CheckContext) -> Judgement:
    j = Judgement()
    exchange = ctx.api.topic(ctx.topic)
    j.require(exchange.status == 200, "200", str(exchange.status), exchange=exchange)
    return j


def test_hanging_endpoint_errors_with_timeout_and_run_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synthetic = (check("H-001", _touch_topic, row="M2"), check("H-002", passing))
    monkeypatch.setattr(run_command, "catalogue", lambda: synthetic)
    console, _out = quiet()
    settings = quick(tmp_path, timeout=1.0)
    began = time.monotonic()
    outcome = execute(settings, console, faults=frozenset({"robustness-hang-topic-get"}))
    elapsed = time.monotonic() - began
    assert elapsed < settings.run_bound
    by_id = {r.id: r for r in outcome.results.results}
    assert by_id["H-001"].outcome is Outcome.ERROR
    assert "timed out after 1 s" in by_id["H-001"].message
    assert by_id["H-002"].outcome is Outcome.PASS
    assert outcome.exit_code == 1
    validate(tmp_path / "results.json")


def test_hanging_endpoint_with_the_real_checks(tmp_path: Path) -> None:
    console, out = quiet()
    settings = quick(tmp_path, timeout=1.0)
    began = time.monotonic()
    outcome = execute(settings, console, faults=frozenset({"robustness-hang-topic-get"}))
    assert time.monotonic() - began < settings.run_bound
    assert outcome.exit_code == 1
    timed_out = [
        r.id for r in outcome.results.results if r.outcome is Outcome.ERROR and "timed out" in r.message
    ]
    assert timed_out, out.getvalue()
    assert "Traceback" not in out.getvalue()


def test_interrupt_writes_partial_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(ctx: CheckContext) -> Judgement:
        time.sleep(0.2)
        _thread.interrupt_main()  # what Ctrl-C does
        return Judgement()

    def slow(ctx: CheckContext) -> Judgement:
        time.sleep(5)
        return Judgement()

    synthetic = (check("I-001", passing), check("I-002", interrupt), check("I-003", slow))
    monkeypatch.setattr(run_command, "catalogue", lambda: synthetic)
    console, _out = quiet()
    began = time.monotonic()
    outcome = execute(quick(tmp_path), console)
    assert time.monotonic() - began < 4
    assert outcome.exit_code == 1
    doc = validate(tmp_path / "results.json")
    assert doc["interrupted"] is True and doc["summary"]["verdict"] == "incomplete"
    outcomes = {c["id"]: (c["outcome"], c["message"]) for c in doc["checks"]}
    assert outcomes["I-001"] == ("pass", "")
    assert outcomes["I-003"][0] == "error" and "interrupted" in outcomes["I-003"][1]


def test_target_dying_mid_run_gives_errors_not_tracebacks() -> None:
    from conformance.engine import open_target, run_check
    from conformance.reference.server import ReferenceConfig, serve_in_thread

    stack = contextlib.ExitStack()
    server = stack.enter_context(serve_in_thread(ReferenceConfig()))
    with open_target(server.url, "v1", timeout=2.0) as target:
        assert run_check(check("D-001", _touch_topic, row="M2"), target).outcome is Outcome.PASS
        stack.close()  # the server goes away mid-run
        began = time.monotonic()
        result = run_check(check("D-002", _touch_topic, row="M2"), target)
        assert time.monotonic() - began < 3
    assert result.outcome is Outcome.ERROR
    assert result.message.startswith("GET /topics/conformance-p3 -> no response (connection")
