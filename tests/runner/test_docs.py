"""docs/checks.md is generated from the catalogue and must stay current; every MUST cell of §8 must be covered."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

from conformance.checks.registry import catalogue
from conformance.commands.checks import catalogue_lines, render_docs, uncovered
from conformance.requirements import Level

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
REGENERATE = "regenerate it with `kafka-rest-conformance checks --write-docs`"


def test_checks_md_is_current() -> None:
    assert DOCS.is_file(), f"docs/checks.md is missing: {REGENERATE}"
    committed, current = DOCS.read_text("utf-8"), render_docs()
    diff = list(
        difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "committed", "now", lineterm="", n=0
        )
    )
    assert not diff, f"docs/checks.md is out of date: {REGENERATE}\n" + "\n".join(diff[:40])


def test_every_must_cell_of_section_8_is_covered() -> None:
    """Red until the check engineers have covered every MUST row: the message lists what is left."""
    missing = uncovered(catalogue(), Level.MUST)
    by_version = {v: [row.id for row, ver in missing if ver == v] for v in ("v1", "v2")}
    assert not missing, "MUST cells of contract.md §8 that no check covers: " + "; ".join(
        f"{v}: {', '.join(ids)}" for v, ids in by_version.items() if ids
    )


def test_checks_command_lists_every_check() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "checks"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines == catalogue_lines(catalogue())
    assert lines[-1] == f"{len(catalogue())} checks"
    ids = [line.split()[0] for line in lines[1:-1]]
    assert ids == sorted(ids) == [c.id for c in catalogue()]
