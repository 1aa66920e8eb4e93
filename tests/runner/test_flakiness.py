"""benchmarks/flakiness.py: the outcome comparison over report directories (no server needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "flakiness.py"


def _results(directory: Path, outcomes: dict[str, str], seed: int) -> Path:
    directory.mkdir()
    doc = {
        "seed": seed,
        "duration": 1.5,
        "summary": {"verdict": "conformant", "exit_code": 0, "counts": {"pass": len(outcomes)}},
        "checks": [{"id": i, "outcome": o, "level": "MUST"} for i, o in outcomes.items()],
    }
    (directory / "results.json").write_text(json.dumps(doc))
    return directory


def test_lists_exactly_the_checks_whose_outcome_changed(tmp_path: Path) -> None:
    a = _results(tmp_path / "a", {"PROD-001": "pass", "V1C-010": "pass", "NEG-002": "pass"}, 1)
    b = _results(tmp_path / "b", {"PROD-001": "pass", "V1C-010": "error", "NEG-002": "pass"}, 2)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--analyse", str(a), str(b)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "flakiness: 1 of 3 checks changed outcome over 2 runs" in proc.stdout
    assert "V1C-010" in proc.stdout and "pass error" in proc.stdout
    assert "PROD-001" not in proc.stdout.split("flakiness:")[1]


def test_identical_runs_are_not_flaky(tmp_path: Path) -> None:
    a = _results(tmp_path / "a", {"PROD-001": "pass"}, 1)
    b = _results(tmp_path / "b", {"PROD-001": "pass"}, 2)
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--analyse", str(a), str(b)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "flakiness: 0 of 1 checks" in proc.stdout
