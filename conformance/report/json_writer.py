"""results.json: the whole run, valid against schemas/results.schema.json."""

from __future__ import annotations

from pathlib import Path

from conformance.report.model import RunResults, dumps

NAME = "results.json"


def write(results: RunResults, directory: Path) -> Path:
    path = directory / NAME
    path.write_text(dumps(results), "utf-8")
    return path
