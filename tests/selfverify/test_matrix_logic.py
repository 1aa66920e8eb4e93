"""The fault × check matrix rules on synthetic runs (fast; the real matrix is test_fault_matrix.py)."""

from __future__ import annotations

from conformance.commands.selftest import FaultInfo, Matrix, Unit, UnitResult, comparable, render


def result(version: str, fault: str | None, outcomes: dict[str, str], exit_code: int = 1) -> UnitResult:
    levels = {"C-MUST": "MUST", "C-SHOULD": "SHOULD", "C-INFO": "INFO", "C-BROKEN": "SHOULD"}
    return UnitResult(
        Unit(version, fault),  # type: ignore[arg-type]
        exit_code,
        "conformant" if exit_code == 0 else "non-conformant",
        outcomes,
        {k: levels[k] for k in outcomes},
        {k: f"message of {k}" for k, o in outcomes.items() if o in ("fail", "error")},
        1.0,
    )


BASE = {"C-MUST": "pass", "C-SHOULD": "pass", "C-INFO": "pass", "C-BROKEN": "fail"}


def fault(fault_id: str, caught_by: tuple[str, ...], rows: tuple[str, ...] = ("M1",)) -> FaultInfo:
    return FaultInfo(fault_id, "metadata", "d", ("v1",), rows, caught_by, False)


def matrix(*runs: tuple[FaultInfo, dict[str, str], int]) -> Matrix:
    m = Matrix(("v1",), [f for f, _, _ in runs])
    m.baseline["v1"] = result("v1", None, BASE, exit_code=0)
    for f, outcomes, code in runs:
        m.runs[(f.id, "v1")] = result("v1", f.id, {**BASE, **outcomes}, code)
    return m


def test_caught_when_named_checks_fail_and_must_fault_fails_the_run() -> None:
    good = fault("f-good", ("C-MUST",))
    should_only = fault("f-should", ("C-SHOULD",), rows=("M5",))  # M5 is MUST in v1: still needs exit 1
    passed_named = fault("f-missed", ("C-SHOULD",))
    conformant = fault("f-conformant", ("C-SHOULD",))
    m = matrix(
        (good, {"C-MUST": "fail"}, 1),
        (should_only, {"C-SHOULD": "fail"}, 1),
        (passed_named, {"C-MUST": "fail"}, 1),
        (conformant, {"C-SHOULD": "fail"}, 0),
    )
    assert m.caught(good, "v1") == (True, "")
    assert m.caught(should_only, "v1") == (True, "")
    assert m.caught(passed_named, "v1") == (False, "named check(s) passed: C-SHOULD")
    assert m.caught(conformant, "v1") == (False, "breaks a MUST row but the run was conformant")
    assert m.uncaught() == [
        "f-missed (v1): named check(s) passed: C-SHOULD",
        "f-conformant (v1): breaks a MUST row but the run was conformant",
    ]


def test_errors_count_for_hangs_but_baseline_failures_never_kill() -> None:
    hang = fault("f-hang", ())
    m = matrix((hang, {"C-MUST": "error"}, 1))
    assert m.caught(hang, "v1") == (True, "")
    assert m.killers("f-hang", "v1") == []  # an error does not prove a check can fail
    only_broken = fault("f-noise", ())
    m = matrix((only_broken, {"C-BROKEN": "fail"}, 1))
    assert m.caught(only_broken, "v1") == (False, "no check failed or errored")
    assert m.killers("f-noise", "v1") == []


def test_unproven_checks_and_baseline_problems() -> None:
    m = matrix((fault("f-1", ("C-MUST",)), {"C-MUST": "fail"}, 1))
    # INFO is exempt; C-BROKEN, a SHOULD check the reference itself fails, has shown it can fail.
    assert m.unkilled() == ["C-SHOULD (v1, SHOULD)"]
    assert m.should_fails_on_reference("v1") == ["C-BROKEN"]
    assert m.baseline_problems() == []
    m.baseline["v1"] = result("v1", None, {**BASE, "C-MUST": "fail", "C-SHOULD": "error"}, exit_code=1)
    assert m.baseline_problems() == [
        "v1: the fault-free reference is non-conformant",
        "v1: C-MUST fails on the fault-free reference: message of C-MUST",
        "v1: C-SHOULD errors on the fault-free reference: message of C-SHOULD",
    ]
    assert m.baseline_problems(detail=False)[1] == "v1: C-MUST fails on the fault-free reference"


def test_comparable_ignores_incidental_kills_but_not_proofs() -> None:
    a = matrix((fault("f-1", ("C-MUST",)), {"C-MUST": "fail"}, 1))
    b = matrix((fault("f-1", ("C-MUST",)), {"C-MUST": "fail", "C-SHOULD": "fail"}, 1))
    a.wall, b.wall = 10.0, 99.0
    c = matrix((fault("f-1", ("C-MUST",)), {"C-MUST": "fail", "C-INFO": "fail"}, 1))
    assert render(a) != render(c)
    assert comparable(render(a)) == comparable(render(c))  # one more incidental kill, same facts
    assert comparable(render(a)) != comparable(render(b))  # C-SHOULD became proven


def test_a_fault_caught_by_a_crash_of_the_reference_is_not_caught() -> None:
    crashing = fault("f-crash", ("C-MUST",))
    m = matrix((crashing, {"C-MUST": "fail"}, 1))
    run = m.runs[("f-crash", "v1")]
    m.runs[("f-crash", "v1")] = UnitResult(**{**run.__dict__, "crashes": ("TypeError: boom (GET /)",)})
    assert m.caught(crashing, "v1") == (
        False,
        "the reference raised 1 exception(s), first: TypeError: boom (GET /)",
    )
    m.baseline["v1"] = UnitResult(**{**m.baseline["v1"].__dict__, "crashes": ("TypeError: boom (GET /)",)})
    assert "v1: the fault-free reference raised 1 exception(s)" in m.baseline_problems()
