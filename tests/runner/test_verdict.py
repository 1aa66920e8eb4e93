"""The verdict rules of design.md, and the expectations file (xfail, xpass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.expectations import apply, load
from conformance.report.model import CheckResult, NotRun, Outcome, RunResults, Verdict

from .support import check, passing

MUST = check("V-001", passing, row="M1")  # MUST in v1 and v2
SHOULD = check("V-002", passing, row="M5")  # SHOULD in v2
INFO = check("V-003", passing, row="O1", area="other")


def run_of(*pairs: tuple[object, Outcome], strict: bool = False, **kw: object) -> RunResults:
    results = [CheckResult(c, "v2", o) for c, o in pairs]  # type: ignore[arg-type]
    return RunResults(
        "t", None, "http://x", "x", "v2", 1, {}, "2026-01-01T00:00:00Z", strict=strict, results=results, **kw
    )  # type: ignore[arg-type]


def test_all_must_pass_is_conformant() -> None:
    run = run_of((MUST, Outcome.PASS), (SHOULD, Outcome.PASS), (INFO, Outcome.PASS))
    assert run.verdict is Verdict.CONFORMANT and run.verdict.exit_code == 0
    assert run.verdict_reasons() == []


def test_must_failure_is_non_conformant() -> None:
    run = run_of((MUST, Outcome.FAIL), (SHOULD, Outcome.PASS))
    assert run.verdict is Verdict.NON_CONFORMANT
    assert run.verdict_reasons() == ["1 gating check(s) failed: V-001"]


def test_should_failure_gates_only_when_strict() -> None:
    assert run_of((MUST, Outcome.PASS), (SHOULD, Outcome.FAIL)).verdict is Verdict.CONFORMANT
    assert run_of((MUST, Outcome.PASS), (SHOULD, Outcome.FAIL), strict=True).verdict is Verdict.NON_CONFORMANT


@pytest.mark.parametrize("outcome", [Outcome.SKIP, Outcome.ERROR])
def test_must_skip_or_error_is_incomplete(outcome: Outcome) -> None:
    run = run_of((MUST, Outcome.PASS), (check("V-004", passing), outcome))
    assert run.verdict is Verdict.INCOMPLETE and run.verdict.exit_code == 1


def test_all_or_mostly_skipped_is_never_conformant() -> None:
    assert run_of((SHOULD, Outcome.SKIP), (INFO, Outcome.SKIP)).verdict is Verdict.INCOMPLETE
    mostly = run_of(
        (MUST, Outcome.PASS), (SHOULD, Outcome.SKIP), (check("V-005", passing, row="M5"), Outcome.SKIP)
    )
    assert mostly.verdict is Verdict.INCOMPLETE
    assert "2 of 3 checks were skipped" in mostly.verdict_reasons()
    assert run_of().verdict is Verdict.INCOMPLETE  # nothing ran at all


def test_interrupted_and_filtered_runs_are_incomplete() -> None:
    assert run_of((MUST, Outcome.PASS), interrupted=True).verdict is Verdict.INCOMPLETE
    left_out = NotRun(check("V-006", passing), "not selected by --only", counts_against=True)
    assert run_of((MUST, Outcome.PASS), not_run=[left_out]).verdict is Verdict.INCOMPLETE
    no_credentials = NotRun(check("V-007", passing, row="U2m"), "no credentials", counts_against=False)
    assert run_of((MUST, Outcome.PASS), not_run=[no_credentials]).verdict is Verdict.CONFORMANT


def test_expectations_xfail_accepted_and_xpass_stale(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[[expected]]\ncheck = "V-001"\nreason = "known 204"\nlink = "https://bugs/1"\n')
    expectations = load(path, ["V-001", "V-002"])
    failed = run_of((MUST, Outcome.FAIL), (SHOULD, Outcome.PASS))
    apply(failed.results, expectations)
    assert failed.results[0].outcome is Outcome.XFAIL and failed.verdict is Verdict.CONFORMANT
    now_passing = run_of((MUST, Outcome.PASS), (SHOULD, Outcome.PASS))
    apply(now_passing.results, expectations)
    assert now_passing.results[0].outcome is Outcome.XPASS
    assert now_passing.verdict is Verdict.STALE and now_passing.verdict.exit_code == 1
    assert "remove the entry" in now_passing.results[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[expected]]\ncheck = 'NOPE-1'\nreason = 'x'\n", "unknown check id 'NOPE-1'"),
        ("[[expected]]\ncheck = 'V-001'\n", "give a 'reason'"),
        ("[[expected]\n", "not valid TOML"),
        ("[[expected]]\ncheck = 'V-001'\nreason = 'x'\nwhy = 1\n", "unknown key(s) why"),
        ("[other]\n", "unknown key(s) other"),
    ],
)
def test_bad_expectations_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(path, ["V-001"])
    with pytest.raises(UsageError, match="not found"):
        load(tmp_path / "missing.toml", ["V-001"])
