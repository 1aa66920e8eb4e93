"""Self-verification (issue 10): every fault caught, every MUST/SHOULD check failable, the fault-free
reference conformant, and docs/fault-matrix.md current.

One matrix run (the quick suite against the reference once per fault, both API versions, in
parallel worker processes) feeds every test here. The failure messages list exactly what is missing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.selftest import DOCS_PATH, Matrix, build_matrix, comparable, render

pytestmark = pytest.mark.slow

MIN_FAULTS = 50
REGENERATE = "regenerate it with `kafka-rest-conformance selftest --write-docs`"


@pytest.fixture(scope="module")
def matrix() -> Iterator[Matrix]:
    yield build_matrix()


def test_fault_free_reference_is_conformant(matrix: Matrix) -> None:
    problems = matrix.baseline_problems()
    assert not problems, "the fault-free reference must be conformant:\n" + "\n".join(problems)


def test_every_fault_is_caught(matrix: Matrix) -> None:
    uncaught = matrix.uncaught()
    assert not uncaught, f"{len(uncaught)} fault run(s) not caught:\n" + "\n".join(uncaught)


def test_every_must_and_should_check_can_fail(matrix: Matrix) -> None:
    unkilled = sorted(matrix.unkilled())
    listing = "\n".join(unkilled)
    assert not unkilled, f"{len(unkilled)} MUST/SHOULD check(s) that no fault makes fail:\n{listing}"


def test_catalogue_size_and_subtlety(matrix: Matrix) -> None:
    subtle = [f.id for f in matrix.faults if f.subtle]
    assert len(matrix.faults) >= MIN_FAULTS, (
        f"{len(matrix.faults)} faults; issue 10 asks for at least {MIN_FAULTS}"
    )
    assert len(subtle) * 5 >= len(matrix.faults), (
        f"{len(subtle)} of {len(matrix.faults)} faults are subtle; issue 10 asks for at least a fifth"
    )
    assert all(f.caught_by for f in matrix.faults), "faults naming no check: " + ", ".join(
        f.id for f in matrix.faults if not f.caught_by
    )


def test_fault_matrix_md_is_current(matrix: Matrix) -> None:
    path = Path(DOCS_PATH)
    assert path.is_file(), f"docs/fault-matrix.md is missing: {REGENERATE}"
    committed, current = comparable(path.read_text("utf-8")), comparable(render(matrix))
    diff = list(
        difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "committed", "now", lineterm="", n=0
        )
    )
    assert not diff, f"docs/fault-matrix.md is out of date: {REGENERATE}\n" + "\n".join(diff[:60])
