"""The pytest plugin (conformance/plugin.py), run as users run it: `pytest --kafka-rest-target URL`
in a subprocess (pytester) against a `kafka-rest-conformance serve` subprocess on a free port.

Counts and expected failures are computed from the registry and the fault catalogue, never typed
in: other checks and faults are added over time."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conformance.checks.registry import by_id, catalogue
from conformance.exchange import REDACTED
from conformance.plugin import OPTIONS, area_marker, row_marker
from conformance.reference import serve_subprocess
from conformance.reference.faults import registry
from conformance.requirements import Level

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.e2e

VERSION = "v2"
TOPICS = ("--kafka-rest-topic", "conformance-p3", "--kafka-rest-single-partition-topic", "conformance-p1")
# Caught by PROD-006 at MUST and by nothing else: a fault that breaks more (produce offsets) makes
# readbacks fail too, and waits them out for a minute.
MUST_FAULT = "produce-key-not-hashed"
SHOULD_FAULT = "produce-records-object-accepted"  # caught by PROD-022 at SHOULD
INFO_FAULT = "negotiation-unsupported-content-type-accepted"  # changes what INFO NEG-005 records
SECRET = "plugin-secret-key-4711"


def applicable(level: Level | None = None) -> list[str]:
    return [
        c.id
        for c in catalogue()
        if c.requirement.applies_to(VERSION) and (level is None or c.requirement.level(VERSION) is level)
    ]


def caught_at(fault: str, level: Level) -> set[str]:
    """The checks the fault matrix says catch `fault`, at `level` for this API version."""
    return {c for c in registry()[fault].caught_by if by_id(c).requirement.level(VERSION) is level}


@pytest.fixture(autouse=True)
def _no_credentials_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_REST_URL", "KAFKA_REST_API_KEY", "KAFKA_REST_BEARER", "KAFKA_REST_BASIC"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def clean_url() -> Iterator[str]:
    with serve_subprocess(["--api-version", VERSION]) as served:
        yield served.url


@pytest.fixture(scope="module")
def must_fault_url() -> Iterator[str]:
    with serve_subprocess(["--api-version", VERSION, "--fault", MUST_FAULT]) as served:
        yield served.url


def run(pytester: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--kafka-rest-target", url, "--kafka-rest-api-version", VERSION, *TOPICS,
        "--kafka-rest-budget", "quick", "--kafka-rest-seed", "7", *args,
    )  # fmt: skip


def junit(path: Path) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


def properties(case: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


def test_registered_as_a_pytest11_entry_point() -> None:
    assert any(ep.value == "conformance.plugin" for ep in entry_points(group="pytest11"))


def test_inert_without_the_target_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own():\n    assert True\n")
    collected = pytester.runpytest_subprocess("--co", "-q", "--strict-markers")
    collected.assert_outcomes()
    assert collected.ret == 0
    assert [line for line in collected.outlines if "::" in line] == [
        "test_inert_without_the_target_option.py::test_own"
    ]
    assert "kafka-rest" not in collected.stdout.str()
    markers = pytester.runpytest_subprocess("--markers").stdout.str()
    assert "@pytest.mark.must" not in markers and "kafka_rest" not in markers


def test_one_item_per_check_with_its_markers(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import json
def pytest_collection_finish(session):
    marks = {i.nodeid: {m.name: m.kwargs for m in i.iter_markers()} for i in session.items}
    with open("marks.json", "w") as out:
        json.dump(marks, out, default=list)
"""
    )
    # No server: collecting never talks to the target.
    result = run(pytester, "http://127.0.0.1:9", "--co", "-q", "--strict-markers")
    assert result.ret == 0, result.stdout.str()
    marks = json.loads((pytester.path / "marks.json").read_text())
    assert sorted(marks) == sorted(f"kafka-rest::{i}" for i in applicable())
    for check in catalogue():
        if not check.requirement.applies_to(VERSION):
            continue
        req = check.requirement
        got = marks[f"kafka-rest::{check.id}"]
        level = req.level(VERSION)
        assert level is not None
        assert level.value.lower() in got and area_marker(req.area) in got
        assert all(row_marker(r) in got for r in req.rows)
        assert got["kafka_rest"] == {
            "id": req.id,
            "rows": list(req.rows),
            "area": req.area,
            "section": req.section,
        }
    # -k matches case-insensitively in names and markers ("PROD" alone also hits FUZZ-produce...).
    by_k = run(pytester, "http://127.0.0.1:9", "--co", "-q", "-k", "PROD-0")
    listed = [line for line in by_k.outlines if line.startswith("kafka-rest::")]
    assert sorted(listed) == sorted(f"kafka-rest::{i}" for i in applicable() if i.startswith("PROD-0"))


def test_must_items_pass_on_the_clean_reference(pytester: pytest.Pytester, clean_url: str) -> None:
    result = run(pytester, clean_url, "-m", "must", "--junitxml", "junit.xml", "-p", "no:cacheprovider")
    musts = applicable(Level.MUST)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0
    # Without credentials the auth checks are left out (skipped); everything else passes.
    assert outcomes["passed"] + outcomes.get("skipped", 0) == len(musts)
    assert outcomes["deselected"] == len(applicable()) - len(musts)
    cases = junit(pytester.path / "junit.xml")
    assert sorted(cases) == sorted(musts)
    props = properties(cases["PROD-004"])
    assert props["check_id"] == "PROD-004" and props["level"] == "MUST" and props["outcome"] == "pass"
    assert "kafka-rest-conformance" in result.stdout.str()  # the engine's own summary, as a section


def test_a_fault_fails_the_items_that_catch_it_and_lf_reruns_only_those(
    pytester: pytest.Pytester, must_fault_url: str
) -> None:
    result = run(pytester, must_fault_url, "-rf", "--junitxml", "junit.xml")
    assert result.ret == 1
    cases = junit(pytester.path / "junit.xml")
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == caught_at(MUST_FAULT, Level.MUST)
    failure = cases["PROD-006"].find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith("[MUST] POST /topics/")  # the first line only
    assert "reproduce: curl" in (failure.text or "") and "expected" in (failure.text or "")

    again = run(pytester, must_fault_url, "--lf", "-v")
    reran = [line.split()[0] for line in again.outlines if line.startswith("kafka-rest::")]
    assert sorted(reran) == sorted(f"kafka-rest::{i}" for i in failed)
    again.assert_outcomes(failed=len(failed), deselected=len(cases) - len(failed))


def test_should_failure_is_xfail_and_fails_with_strict(pytester: pytest.Pytester) -> None:
    (caught,) = caught_at(SHOULD_FAULT, Level.SHOULD)
    with serve_subprocess(["--api-version", VERSION, "--fault", SHOULD_FAULT]) as served:
        lenient = run(pytester, served.url, "-k", f"{caught} or PROD-001", "-rx", "-p", "no:cacheprovider")
        lenient.assert_outcomes(passed=1, xfailed=1, deselected=len(applicable()) - 2)
        assert lenient.ret == 0
        lenient.stdout.fnmatch_lines([f"XFAIL kafka-rest::{caught} - SHOULD failure, not gating*"])
        strict = run(pytester, served.url, "-k", caught, "--kafka-rest-strict", "-p", "no:cacheprovider")
        strict.assert_outcomes(failed=1, deselected=len(applicable()) - 1)


def test_info_never_fails_and_records_its_observation(pytester: pytest.Pytester) -> None:
    (must,) = caught_at(INFO_FAULT, Level.MUST)
    info = "NEG-005"  # records how a plain application/json produce is answered (§8 N5)
    assert by_id(info).requirement.level(VERSION) is Level.INFO
    with serve_subprocess(["--api-version", VERSION, "--fault", INFO_FAULT]) as served:
        result = run(pytester, served.url, "-k", f"{info} or {must}", "--junitxml", "junit.xml")
    result.assert_outcomes(passed=1, failed=1, deselected=len(applicable()) - 2)
    cases = junit(pytester.path / "junit.xml")
    assert cases[info].find("failure") is None and cases[must].find("failure") is not None
    assert properties(cases[info])["observations"].startswith("N5: POST /topics/conformance-p3")


def test_expectations_xfail_a_known_failure_and_fail_a_stale_one(
    pytester: pytest.Pytester, must_fault_url: str
) -> None:
    pytester.path.joinpath("known.toml").write_text(
        '[[expected]]\ncheck = "PROD-006"\nreason = "ticket 12"\n\n'
        '[[expected]]\ncheck = "PROD-001"\nreason = "fixed long ago"\n'
    )
    result = run(
        pytester, must_fault_url, "-k", "PROD-006 or PROD-001", "--kafka-rest-expectations", "known.toml",
        "-rfx", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(xfailed=1, failed=1, deselected=len(applicable()) - 2)
    result.stdout.fnmatch_lines(["XFAIL kafka-rest::PROD-006 - expected failure (ticket 12)*"])
    result.stdout.fnmatch_lines(["FAILED kafka-rest::PROD-001 - stale expectation*"])


def test_secrets_never_reach_the_output_or_junit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key is enforced by the server, and a fault lets a wrong key in: AUTH-002 fails with
    # its evidence (the request headers), where the key must show as redacted.
    fault = "auth-any-token-accepted"
    with serve_subprocess(
        ["--api-version", VERSION, "--fault", fault], env={"KAFKA_REST_API_KEY": SECRET}
    ) as served:
        monkeypatch.setenv("KAFKA_REST_API_KEY", SECRET)  # as the CLI: the secret stays out of argv
        result = run(
            pytester, served.url, "-k", "AUTH", "-v", "--junitxml", "junit.xml", "-p", "no:cacheprovider"
        )
    assert result.parseoutcomes().get("failed", 0) >= 1, result.stdout.str()
    text = result.stdout.str() + result.stderr.str() + (pytester.path / "junit.xml").read_text()
    assert "AUTH-002" in text and "X-Auth-Token" in text
    assert SECRET not in text and REDACTED in text


def test_a_bad_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--kafka-rest-target", "ftp://proxy.example", "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "kafka-rest: --kafka-rest-target: 'ftp://proxy.example' is not an http(s) URL" in result.stderr.str()
    )
    missing = pytester.runpytest_subprocess("--kafka-rest-target", "http://proxy.example", "--co")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    assert "kafka-rest: --kafka-rest-topic is required with --kafka-rest-target" in missing.stderr.str()


def test_an_unreachable_target_fails_each_item_with_the_reason(pytester: pytest.Pytester) -> None:
    result = run(pytester, "http://127.0.0.1:9", "-k", "PROD-001 or META-001", "--kafka-rest-timeout", "2")
    result.assert_outcomes(failed=2, deselected=len(applicable()) - 2)
    result.stdout.fnmatch_lines(["*could not test http://127.0.0.1:9*"])


def test_the_readme_names_only_options_the_plugin_has(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("## Inside your pytest suite") :]
    section = section[: section.index("\n## ")]
    documented = set(re.findall(r"--kafka-rest-[a-z-]+", section))
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    offered = set(re.findall(r"--kafka-rest-[a-z-]+", help_text))
    assert documented and documented <= offered, documented - offered
    assert {f"--kafka-rest-{name}" for name in OPTIONS} <= documented, "an option the README does not name"


def test_ctrl_c_stops_the_session_after_the_engine_cleaned_up(
    pytester: pytest.Pytester, clean_url: str
) -> None:
    argv = [sys.executable, "-m", "pytest", "--kafka-rest-target", clean_url, "--kafka-rest-api-version"]
    argv += [VERSION, *TOPICS, "--kafka-rest-budget", "deep", "-p", "no:cacheprovider"]
    process = subprocess.Popen(
        argv, cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not any(line.startswith("collected") for line in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)  # into the run: a deep budget keeps the generated checks busy far longer
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=90) == pytest.ExitCode.INTERRUPTED
    reader.join(10)
    out = "".join(seen)
    assert "interrupted (Ctrl-C); the run's consumers were deleted" in out
    assert "INTERNALERROR" not in out and "could not be deleted" not in out
