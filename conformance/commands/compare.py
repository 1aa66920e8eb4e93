"""`kafka-rest-conformance compare A/results.json B/results.json ...`: targets side by side.

Writes ``compare.md`` and ``compare.html`` (targets as columns, checks as rows; rows where the
targets differ are marked) to ``--out`` (default ``reports/compare-<UTC time>/``) and prints
their paths and how many checks differ. Reads the results.json files the runs wrote.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from conformance.cli import Handler
from conformance.errors import UsageError

_STYLE = {
    "pass": "#2a7d2e",
    "fail": "#b3261e",
    "error": "#8a1c7c",
    "xpass": "#b3261e",
    "skip": "#777",
    "xfail": "#777",
}


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser("compare", help="compare several results.json side by side (Markdown and HTML)")
    p.add_argument("results", nargs="+", metavar="RESULTS.json", help="two or more results.json files")
    p.add_argument("--out", metavar="DIR", help="where to write compare.md and compare.html")
    return "compare", handle


@dataclass(frozen=True)
class Column:
    name: str  # label, API version
    doc: dict[str, Any]

    def outcome(self, check_id: str) -> tuple[str, str] | None:
        for c in self.doc["checks"]:
            if c["id"] == check_id:
                return c["outcome"], c["level"] or "-"
        return None


def read(paths: list[Path]) -> list[Column]:
    columns = []
    for path in paths:
        try:
            doc = json.loads(path.read_text("utf-8"))
            name = f"{doc['target']['label']} ({doc['target']['api_version']})"
            if not isinstance(doc["checks"], list) or not doc["summary"]["verdict"]:
                raise ValueError("not a results.json")
        except FileNotFoundError:
            raise UsageError(f"{path}: file not found") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise UsageError(f"{path}: not a results.json written by kafka-rest-conformance") from None
        columns.append(Column(name, doc))
    names = [c.name for c in columns]
    return [
        Column(f"{c.name} #{i + 1}" if names.count(c.name) > 1 else c.name, c.doc)
        for i, c in enumerate(columns)
    ]


def matrix(columns: list[Column]) -> tuple[list[str], dict[str, list[tuple[str, str] | None]], set[str]]:
    ids = sorted({c["id"] for col in columns for c in col.doc["checks"]})
    cells = {i: [col.outcome(i) for col in columns] for i in ids}
    differing = {i for i, row in cells.items() if len({(x[0] if x else None) for x in row}) > 1}
    return ids, cells, differing


def render_md(columns: list[Column]) -> str:
    ids, cells, differing = matrix(columns)
    out = ["# Kafka REST conformance: comparison", ""]
    out.append("| | " + " | ".join(c.name for c in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    out.append("| **verdict** | " + " | ".join(f"**{c.doc['summary']['verdict']}**" for c in columns) + " |")
    out.append("| target | " + " | ".join(f"`{c.doc['target']['url']}`" for c in columns) + " |")
    out.append("| suite | " + " | ".join(c.doc["suite_version"] for c in columns) + " |")
    out += ["", f"{len(differing)} of {len(ids)} checks differ (marked ◆).", ""]
    out.append("| check | " + " | ".join(c.name for c in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    for i in ids:
        row = [f"{x[0]} ({x[1]})" if x else "–" for x in cells[i]]
        mark = "◆ " if i in differing else ""
        row = [f"**{v}**" if i in differing else v for v in row]
        out.append(f"| {mark}`{i}` | " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def render_html(columns: list[Column]) -> str:
    ids, cells, differing = matrix(columns)
    e = escape
    head = "".join(f"<th>{e(c.name)}</th>" for c in columns)
    verdicts = "".join(f"<td><b>{e(c.doc['summary']['verdict'])}</b></td>" for c in columns)
    rows = []
    for i in ids:
        tds = ""
        for x in cells[i]:
            if x is None:
                tds += "<td>–</td>"
            else:
                tds += f"<td style='color:{_STYLE.get(x[0], '#222')}'>{e(x[0])} <small>{e(x[1])}</small></td>"
        cls = " class='diff'" if i in differing else ""
        rows.append(f"<tr{cls}><td><code>{e(i)}</code></td>{tds}</tr>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Kafka REST conformance: comparison</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:1em 2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:.2em .5em}tr.diff{background:#fff4d6}</style></head><body>"
        f"<h1>Kafka REST conformance: comparison</h1><p>{len(differing)} of {len(ids)} checks differ (highlighted)."
        f" <label><input type='checkbox' id='only'> only differences</label></p>"
        f"<table><tr><th>check</th>{head}</tr><tr><td>verdict</td>{verdicts}</tr>{''.join(rows)}</table>"
        "<script>document.getElementById('only').addEventListener('change',function(ev){"
        "document.querySelectorAll('tr').forEach(function(r,n){if(n>1&&!r.classList.contains('diff'))"
        "r.style.display=ev.target.checked?'none':''})})</script></body></html>\n"
    )


def handle(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.results]
    if len(paths) < 2:
        raise UsageError("compare needs at least two results.json files")
    columns = read(paths)
    out = Path(args.out) if args.out else Path("reports") / f"compare-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(render_md(columns), "utf-8")
    (out / "compare.html").write_text(render_html(columns), "utf-8")
    _, _, differing = matrix(columns)
    print(f"{len(differing)} check(s) differ between {len(columns)} runs")
    print(f"report: {out / 'compare.md'}")
    print(f"report: {out / 'compare.html'}")
    return 0
