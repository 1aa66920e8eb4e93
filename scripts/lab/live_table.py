"""A Markdown table of live runs (docs/live.md): one row per report directory.

    .venv/bin/python scripts/lab/live_table.py reports/live/*/*-*

Columns: server, run, budget, seed, exit, verdict, MUST and SHOULD pass/fail/error, the SHOULD
rows that failed, any MUST check that did not pass, and wall time (from run-info.txt).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def row(report_dir: Path) -> str:
    doc = json.loads((report_dir / "results.json").read_text())
    info_file = report_dir / "run-info.txt"
    info = dict(
        line.split(": ", 1)
        for line in (info_file.read_text().splitlines() if info_file.exists() else [])
        if ": " in line
    )
    by_level = doc["summary"]["by_level"]

    def pfe(level: str) -> str:
        c = by_level.get(level, {})
        return f"{c.get('pass', 0)}/{c.get('fail', 0)}/{c.get('error', 0)}"

    checks = doc["checks"]

    def failed_row(check: dict) -> str:
        # a generated negative check names the row its case broke: "invalid request (B4)"
        named = re.search(r"invalid request \((\w+)\)", check.get("message") or "")
        return named.group(1) if named else check["rows"][0]

    should_rows = sorted({failed_row(c) for c in checks if c["level"] == "SHOULD" and c["outcome"] == "fail"})
    must_bad = [
        f"{c['id']} ({c['outcome']})"
        for c in checks
        if c["level"] == "MUST" and c["outcome"] in ("fail", "error")
    ]
    settings = doc.get("settings", {})
    return (
        f"| {settings.get('label') or report_dir.parent.name} | {report_dir.name} | {settings.get('budget', '?')}"
        f"{' jobs ' + str(settings['jobs']) if settings.get('jobs') not in (None, 8) else ''}"
        f"{' probe' if settings.get('probe_unknown_topic_produce') else ''} | {doc.get('seed')} | "
        f"{info.get('exit_code', doc['summary'].get('exit_code'))} | {doc['summary']['verdict']} | {pfe('MUST')} | "
        f"{pfe('SHOULD')} | {', '.join(should_rows) or '-'} | {', '.join(must_bad) or '-'} | {info.get('wall_s', '?')} |"
    )


def main() -> int:
    print(
        "| server | run | budget | seed | exit | verdict | MUST p/f/e | SHOULD p/f/e | SHOULD rows failed | MUST not passed | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for arg in sys.argv[1:]:
        path = Path(arg)
        if (path / "results.json").exists():
            print(row(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
