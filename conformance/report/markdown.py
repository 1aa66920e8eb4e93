"""summary.md: a short Markdown summary that fits a CI job summary or a pull-request comment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.report.model import RunResults, results_json

NAME = "summary.md"
_ICON = {"pass": "✅", "fail": "❌", "error": "💥", "skip": "⏭️", "xfail": "☑️", "xpass": "⚠️"}
MAX_ROWS = 60


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    t = doc["target"]
    out = [
        f"# Kafka REST conformance: **{s['verdict']}**",
        "",
        f"- Target: `{t['url']}` ({t['label']}), API {t['api_version']}",
        f"- Suite {doc['suite_version']}, seed {doc['seed']}, started {doc['started_at']},"
        f" {doc['duration']:.1f} s{', **interrupted**' if doc['interrupted'] else ''}",
    ]
    if doc["preflight_error"]:
        out += ["", f"**Preflight failed:** {cell(doc['preflight_error'])}"]
    if s["reasons"]:
        out += ["", *[f"- {cell(r)}" for r in s["reasons"]]]
    outcomes = list(s["counts"])
    out += ["", "| level | " + " | ".join(outcomes) + " |", "|---|" + "---:|" * len(outcomes)]
    for level, counts in s["by_level"].items():
        out.append(f"| {level} | " + " | ".join(str(counts[o]) for o in outcomes) + " |")
    out.append("| **all** | " + " | ".join(f"**{s['counts'][o]}**" for o in outcomes) + " |")
    problems = [c for c in doc["checks"] if c["outcome"] in ("fail", "error", "xpass")]
    if problems:
        out += ["", "| | check | level | title | message |", "|---|---|---|---|---|"]
        for c in problems[:MAX_ROWS]:
            out.append(
                f"| {_ICON[c['outcome']]} | `{c['id']}` | {c['level'] or '-'} | {cell(c['title'])} | {cell(c['message'])[:200]} |"
            )
        if len(problems) > MAX_ROWS:
            out.append(f"| | … | | {len(problems) - MAX_ROWS} more in results.json | |")
    xfails = [c for c in doc["checks"] if c["outcome"] == "xfail"]
    if xfails:
        out += ["", "Known failures (expectations file):", ""]
        out += [f"- `{c['id']}`: {cell(c.get('expectation', {}).get('reason', ''))}" for c in xfails]
    if doc["leftovers"]:
        out += ["", "Consumer instances left on the target:", ""]
        out += [f"- `{x['path']}`: {cell(x['reason'])}" for x in doc["leftovers"]]
    if doc["notes"]:
        out += ["", *[f"- {cell(n)}" for n in doc["notes"]]]
    return "\n".join(out) + "\n"


def write(results: RunResults, directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(results_json(results)), "utf-8")
    return path
