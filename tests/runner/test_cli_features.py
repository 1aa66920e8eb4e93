"""Expectations (xfail/xpass), --rerun-failed and compare, through `execute` and the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.commands import run as run_command
from conformance.commands.run import execute
from conformance.console import Console
from conformance.errors import UsageError
from conformance.settings import Settings

from .support import check, failing, passing

SYNTHETIC = (check("S-001", passing), check("S-002", failing), check("S-003", passing, row="M5"))


@pytest.fixture(autouse=True)
def synthetic_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_command, "catalogue", lambda: SYNTHETIC)


def run(tmp_path: Path, name: str, **kw: object) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    out = io.StringIO()
    outcome = execute(Settings(seed=1, report_dir=tmp_path / name, **kw), Console(out, plain=True))  # type: ignore[arg-type]
    return outcome.exit_code, json.loads((tmp_path / name / "results.json").read_text()), out.getvalue()


def outcomes(doc: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {c["id"]: c["outcome"] for c in doc["checks"]}


def test_expectations_turn_known_failures_into_xfail_and_stale_ones_into_xpass(tmp_path: Path) -> None:
    code, doc, console = run(tmp_path, "plain")
    assert code == 1 and outcomes(doc) == {"S-001": "pass", "S-002": "fail", "S-003": "pass"}
    assert "FAIL  S-002 [MUST] M1: " in console

    known = tmp_path / "known.toml"
    known.write_text(
        '[[expected]]\ncheck = "S-002"\nreason = "vendor bug"\nlink = "https://bugs.example/1"\n'
    )
    code, doc, console = run(tmp_path, "xfail", expectations=known)
    assert code == 0 and outcomes(doc)["S-002"] == "xfail"
    assert "FAIL" not in console
    assert doc["checks"][1]["expectation"] == {
        "reason": "vendor bug",
        "link": "https://bugs.example/1",
        "source": f"expectations file {known}",
    }

    known.write_text('[[expected]]\ncheck = "S-001"\nreason = "was broken"\n')
    code, doc, console = run(tmp_path, "xpass", expectations=known)
    assert code == 1 and outcomes(doc)["S-001"] == "xpass"
    assert (
        "XPASS S-001 [MUST] M1: listed as a known failure (was broken) but it passed: remove the entry"
        in console
    )
    assert "stale expectation(s), now passing: S-001" in console


def test_rerun_failed_runs_only_what_failed(tmp_path: Path) -> None:
    run(tmp_path, "first")
    code, doc, _ = run(tmp_path, "again", rerun_failed=tmp_path / "first" / "results.json")
    assert list(outcomes(doc)) == ["S-002"]
    assert code == 1
    assert {n["id"] for n in doc["not_run"]} == {"S-001", "S-003"}
    with pytest.raises(UsageError, match="nothing to re-run"):
        (tmp_path / "clean.json").write_text(json.dumps({"checks": [{"id": "S-001", "outcome": "pass"}]}))
        run(tmp_path, "x", rerun_failed=tmp_path / "clean.json")


def test_compare_marks_differences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(tmp_path, "a", label="alpha")
    known = tmp_path / "known.toml"
    known.write_text('[[expected]]\ncheck = "S-002"\nreason = "known"\n')
    run(tmp_path, "b", label="beta", expectations=known)
    out_dir = tmp_path / "cmp"
    code = main(
        [
            "compare",
            str(tmp_path / "a" / "results.json"),
            str(tmp_path / "b" / "results.json"),
            "--out",
            str(out_dir),
        ]
    )
    assert code == 0
    assert "1 check(s) differ between 2 runs" in capsys.readouterr().out
    md = (out_dir / "compare.md").read_text()
    assert "| alpha (v1) | beta (v1) |" in md
    assert "| ◆ `S-002` | M1 | **fail (MUST)** | **xfail (MUST) ⚑** |" in md
    assert "| `S-001` | M1 | pass (MUST) | pass (MUST) |" in md
    assert "| `S-002` | beta (v1) | known |" in md, "known deviations are listed with their reason"
    html = (out_dir / "compare.html").read_text()
    assert "<tr class='check diff' id='S-002' data-differs='true' data-known='true'" in html
    doc = json.loads((out_dir / "compare.json").read_text())
    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "matrix.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert [c["id"] for c in doc["checks"] if c["differs"]] == ["S-002"]
    assert main(["compare", str(tmp_path / "a" / "results.json"), str(tmp_path / "nope.json")]) == 2
