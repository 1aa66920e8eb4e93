"""Every report a run writes, in one place: each writer is a module with `write(results, dir)`."""

from __future__ import annotations

from pathlib import Path

from conformance.report import html, json_writer, junit, markdown
from conformance.report.model import RunResults

WRITERS = (json_writer, junit, markdown, html)


def write_all(results: RunResults, directory: Path | str) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [writer.write(results, directory) for writer in WRITERS]
