"""`kafka-rest-conformance compare A/results.json B/results.json ...`: targets side by side.

The one matrix renderer of the suite (`matrix` uses it too). Writes ``compare.md``,
``compare.html`` and ``compare.json`` (valid against ``schemas/matrix.schema.json``) to ``--out``
(default ``reports/compare-<UTC time>/``): targets as columns, checks as rows, each row with its
contract.md §8 rows and each cell with the outcome and the level it had for that target's API
version. Rows where the tested targets differ are marked (◆, highlighted, filterable); a cell
that is a known deviation (xfail: listed in an expectations file, with its reason) is marked ⚑.
A column whose target could not be tested says so and why, and does not make rows differ.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.cli import Handler
from conformance.errors import UsageError

FORMAT_VERSION = "1.0"
KNOWN = "⚑"  # a known deviation: listed in the target's expectations file
DIFFERS = "◆"
_STYLE = {
    "pass": "#2a7d2e",
    "fail": "#b3261e",
    "error": "#8a1c7c",
    "xpass": "#b3261e",
    "skip": "#777",
    "xfail": "#777",
}


def register(sub: Any) -> tuple[str, Handler]:
    p = sub.add_parser("compare", help="compare several results.json side by side (Markdown, HTML and JSON)")
    p.add_argument("results", nargs="+", metavar="RESULTS.json", help="two or more results.json files")
    p.add_argument("--out", metavar="DIR", help="where to write compare.md, compare.html and compare.json")
    return "compare", handle


@dataclass(frozen=True)
class Column:
    """One target: its results.json, or (`doc` None) why there is none."""

    name: str  # label, API version
    doc: dict[str, Any] | None
    problem: str | None = None  # "the run did not finish: ..." when there is no results.json
    info: dict[str, Any] = field(default_factory=dict)  # url, api_version, profile when doc is None

    @property
    def status(self) -> str:
        """``tested``, ``could-not-test`` (exit 3: the preflight failed) or ``error`` (no results)."""
        if self.doc is None:
            return "error"
        return "could-not-test" if self.doc["summary"]["verdict"] == "could-not-test" else "tested"

    @property
    def tested(self) -> bool:
        return self.status == "tested"

    @property
    def reason(self) -> str | None:
        if self.doc is None:
            return self.problem
        return self.doc.get("preflight_error") if self.status == "could-not-test" else None

    @property
    def status_text(self) -> str:
        """What the column's head says: the verdict, or that it could not test and why."""
        if self.status == "tested":
            assert self.doc is not None  # a run stopped by the matrix says so beside its verdict
            verdict = str(self.doc["summary"]["verdict"])
            return f"{verdict} ({self.problem})" if self.problem else verdict
        what = "could not test" if self.status == "could-not-test" else "error"
        return f"{what}: {self.reason}"

    def target(self, key: str) -> Any:
        if self.doc is not None:
            return self.doc["target"].get(key)
        return self.info.get(key)

    def checks(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.doc["checks"]} if self.doc is not None else {}


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
    return unique_names(columns)


def unique_names(columns: list[Column]) -> list[Column]:
    names = [c.name for c in columns]
    return [
        Column(f"{c.name} #{i + 1}" if names.count(c.name) > 1 else c.name, c.doc, c.problem, c.info)
        for i, c in enumerate(columns)
    ]


@dataclass(frozen=True)
class Cell:
    outcome: str
    level: str | None
    gating: bool
    message: str
    known: str | None  # the expectation's reason when the outcome is a known deviation (xfail)

    @property
    def text(self) -> str:
        return f"{self.outcome} ({self.level or '-'})" + (f" {KNOWN}" if self.known is not None else "")


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    rows: tuple[str, ...]  # contract.md §8 rows
    cells: tuple[Cell | None, ...]  # None: the target has no result for this check
    differs: bool

    @property
    def known(self) -> bool:
        return any(c is not None and c.known is not None for c in self.cells)


def _cell(check: dict[str, Any]) -> Cell:
    known = None
    if check["outcome"] == "xfail":
        known = (check.get("expectation") or {}).get("reason", "") or "listed as a known failure"
    return Cell(
        check["outcome"], check.get("level"), bool(check.get("gating", True)), check.get("message", ""), known
    )


def build(columns: list[Column]) -> list[Row]:
    """Checks × targets. A row differs when the targets that were tested disagree on its
    outcome (a target without that check counts as one more answer); untested columns, which
    hold no outcome at all, never make a row differ."""
    per_column = [col.checks() for col in columns]
    ids = sorted({i for checks in per_column for i in checks})
    rows = []
    for i in ids:
        cells = tuple(_cell(checks[i]) if i in checks else None for checks in per_column)
        first = next(checks[i] for checks in per_column if i in checks)
        tested = [cell for cell, col in zip(cells, columns, strict=True) if col.tested]
        differs = len({c.outcome if c else None for c in tested}) > 1
        rows.append(Row(i, first.get("title", ""), tuple(first.get("rows") or ()), cells, differs))
    return rows


def matrix(columns: list[Column]) -> tuple[list[str], dict[str, list[tuple[str, str] | None]], set[str]]:
    """(ids, outcome and level per cell, ids that differ): the table in its simplest form."""
    rows = build(columns)
    cells = {r.id: [(c.outcome, c.level or "-") if c else None for c in r.cells] for r in rows}
    return [r.id for r in rows], cells, {r.id for r in rows if r.differs}


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_md(columns: list[Column], title: str = "comparison") -> str:
    rows = build(columns)
    differing = [r for r in rows if r.differs]
    out = [f"# Kafka REST conformance: {title}", ""]
    out.append("| | " + " | ".join(_md(c.name) for c in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    out.append("| **verdict** | " + " | ".join(f"**{_md(c.status_text)}**" for c in columns) + " |")
    out.append("| target | " + " | ".join(f"`{_md(c.target('url') or '?')}`" for c in columns) + " |")
    out.append(
        "| suite | " + " | ".join(_md(c.doc["suite_version"]) if c.doc else "–" for c in columns) + " |"
    )
    out += [
        "",
        f"{len(differing)} of {len(rows)} checks differ (marked {DIFFERS}); {KNOWN} marks a known deviation"
        " (listed in that target's expectations file); a level is the check's level for that target's API version.",
        "",
    ]
    out.append("| check | §8 | " + " | ".join(_md(c.name) for c in columns) + " |")
    out.append("|---|---|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for cell, col in zip(row.cells, columns, strict=True):
            text = cell.text if cell else ("–" if col.tested else "not tested")
            cells.append(f"**{text}**" if row.differs and col.tested else text)
        mark = f"{DIFFERS} " if row.differs else ""
        out.append(f"| {mark}`{row.id}` | {', '.join(row.rows)} | " + " | ".join(cells) + " |")
    known = [
        (row, cell, col)
        for row in rows
        for cell, col in zip(row.cells, columns, strict=True)
        if cell and cell.known is not None
    ]
    if known:
        out += ["", "## Known deviations", "", "| check | target | reason |", "|---|---|---|"]
        out += [f"| `{row.id}` | {_md(col.name)} | {_md(cell.known or '')} |" for row, cell, col in known]
    return "\n".join(out) + "\n"


_SCRIPT = """
function apply(){var only=document.getElementById('only').checked;
var known=document.getElementById('known').checked;
var q=document.getElementById('q').value.toLowerCase();var shown=0;
document.querySelectorAll('tr.check').forEach(function(r){
var ok=(!only||r.dataset.differs==='true')&&(!known||r.dataset.known==='true')&&
(!q||r.dataset.search.indexOf(q)>=0);r.style.display=ok?'':'none';if(ok)shown++;});
document.getElementById('shown').textContent=shown;}
['only','known'].forEach(function(id){document.getElementById(id).addEventListener('change',apply);});
document.getElementById('q').addEventListener('input',apply);apply();
"""


def render_html(columns: list[Column], title: str = "comparison") -> str:
    rows = build(columns)
    e = escape
    differing = sum(1 for r in rows if r.differs)
    head = "".join(
        f"<th class='target' data-status='{e(c.status)}'>{e(c.name)}<br><small>{e(str(c.target('url') or ''))}</small></th>"
        for c in columns
    )
    status = "".join(
        f"<td class='status {e(c.status)}' data-status='{e(c.status)}'><b>{e(c.status_text)}</b></td>"
        for c in columns
    )
    body = []
    for row in rows:
        tds = ""
        for cell, col in zip(row.cells, columns, strict=True):
            if cell is None:
                tds += "<td class='none'>–</td>" if col.tested else "<td class='untested'>not tested</td>"
                continue
            tip = f"known deviation: {cell.known}" if cell.known is not None else cell.message
            mark = f" <span class='known'>{KNOWN}</span>" if cell.known is not None else ""
            tds += (
                f"<td data-outcome='{e(cell.outcome)}' title='{e(tip, quote=True)}'"
                f" style='color:{_STYLE.get(cell.outcome, '#222')}'>{e(cell.outcome)}"
                f" <small>{e(cell.level or '-')}</small>{mark}</td>"
            )
        classes = "check" + (" diff" if row.differs else "")
        search = e(f"{row.id} {row.title} {' '.join(row.rows)}".lower(), quote=True)
        body.append(
            f"<tr class='{classes}' id='{e(row.id)}' data-differs='{str(row.differs).lower()}'"
            f" data-known='{str(row.known).lower()}' data-search='{search}'>"
            f"<td><code>{e(row.id)}</code> <small>{e(row.title)}</small></td><td>{e(', '.join(row.rows))}</td>{tds}</tr>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Kafka REST conformance: {e(title)}</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:1em 2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:.2em .5em;vertical-align:top}tr.diff{background:#fff4d6}"
        "td.status.could-not-test,td.status.error{color:#8a1c7c;max-width:24em}td.untested{color:#999}"
        ".known{color:#a15c00}</style></head><body>"
        f"<h1>Kafka REST conformance: {e(title)}</h1>"
        f"<p><span id='differing'>{differing}</span> of {len(rows)} checks differ (highlighted, {DIFFERS});"
        f" <span class='known'>{KNOWN}</span> marks a known deviation (hover for its reason). "
        "<label><input type='checkbox' id='only'> only differences</label> "
        "<label><input type='checkbox' id='known'> only known deviations</label> "
        "<input id='q' placeholder='filter: id, title, §8 row'> <span id='shown'></span> shown</p>"
        f"<table><thead><tr><th>check</th><th>§8</th>{head}</tr>"
        f"<tr><td>verdict</td><td></td>{status}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def render_json(columns: list[Column], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The matrix as data, valid against schemas/matrix.schema.json. `extra` (the matrix
    command's exit code, interruption, seed) is merged at the top level."""
    rows = build(columns)
    digests = {c.doc.get("openapi_digest") for c in columns if c.doc is not None}
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "suite_version": __version__,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "openapi_digests": sorted(d for d in digests if d),
        "targets": [
            {
                "name": c.name,
                "url": c.target("url"),
                "api_version": c.target("api_version"),
                "status": c.status,
                "verdict": c.doc["summary"]["verdict"] if c.doc is not None else None,
                "exit_code": c.doc["summary"]["exit_code"] if c.doc is not None else None,
                "reason": c.reason,
                "suite_version": c.doc.get("suite_version") if c.doc is not None else None,
                "seed": c.doc.get("seed") if c.doc is not None else None,
            }
            | ({k: v for k, v in c.info.items() if k in ("report_dir", "profile", "duration")})
            for c in columns
        ],
        "summary": {
            "checks": len(rows),
            "differing": sum(1 for r in rows if r.differs),
            "known_deviations": sum(1 for r in rows if r.known),
            "tested": sum(1 for c in columns if c.tested),
            "not_tested": sum(1 for c in columns if not c.tested),
        },
        "checks": [
            {
                "id": r.id,
                "title": r.title,
                "rows": list(r.rows),
                "differs": r.differs,
                "known_deviation": r.known,
                "cells": [
                    None
                    if cell is None
                    else {
                        "outcome": cell.outcome,
                        "level": cell.level,
                        "gating": cell.gating,
                        "message": cell.message,
                        "known_deviation": cell.known,
                    }
                    for cell in r.cells
                ],
            }
            for r in rows
        ],
    }
    return doc | (extra or {})


def write(
    columns: list[Column], out: Path, stem: str, title: str, extra: dict[str, Any] | None = None
) -> list[Path]:
    """Write `<stem>.md`, `<stem>.html` and `<stem>.json` to `out`; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.md", out / f"{stem}.html", out / f"{stem}.json"]
    paths[0].write_text(render_md(columns, title), "utf-8")
    paths[1].write_text(render_html(columns, title), "utf-8")
    paths[2].write_text(json.dumps(render_json(columns, extra), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return paths


def handle(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.results]
    if len(paths) < 2:
        raise UsageError("compare needs at least two results.json files")
    columns = read(paths)
    out = Path(args.out) if args.out else Path("reports") / f"compare-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    written = write(columns, out, "compare", "comparison")
    _, _, differing = matrix(columns)
    print(f"{len(differing)} check(s) differ between {len(columns)} runs")
    for path in written:
        print(f"report: {path}")
    return 0
