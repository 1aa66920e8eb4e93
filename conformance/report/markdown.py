"""summary.md: a short Markdown summary that fits a CI job summary or a pull-request comment.

Gating problems come first, MUST before SHOULD-with-``--strict``, then the SHOULD failures that do
not gate (in their own table, so an exit-0 run shows no red), then what was skipped or not
applicable, and the consumer groups the run left behind. Long messages are cut at a word.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.report.model import RunResults, results_json, verdict_text

NAME = "summary.md"
_ICON = {"pass": "✅", "fail": "❌", "error": "💥", "skip": "⏭️", "xfail": "☑️", "xpass": "⚠️"}
_SOFT_ICON = "🔸"  # a SHOULD failure that does not gate: not red
MAX_ROWS = 60
MESSAGE_CHARS = 200
_LEVEL_ORDER = {"MUST": 0, "SHOULD": 1, "INFO": 2}


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def cut_at_word(line: str, limit: int) -> str:
    """`line` if it fits in `limit` characters, else its first `limit - 1` ending at a space when
    one falls in the second half (never inside a word); the caller adds the "…"."""
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


def shorten(text: str, limit: int = MESSAGE_CHARS) -> str:
    """One line of at most `limit` characters, cut at a space (never inside a word) with "…"."""
    line = " ".join(str(text).split())
    cut = cut_at_word(line, limit)
    return line if cut == line else cut.rstrip(" ,;:") + "…"


def _row(c: dict[str, Any], icon: str) -> str:
    return (
        f"| {icon} | `{c['id']}` | {c['level'] or '-'} | {cell(c['title'])} | {cell(shorten(c['message']))} |"
    )


def _table(rows: list[dict[str, Any]], icon: Any) -> list[str]:
    out = ["| | check | level | title | message |", "|---|---|---|---|---|"]
    out += [_row(c, icon(c)) for c in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out.append(f"| | … | | {len(rows) - MAX_ROWS} more in results.json | |")
    return out


def _known(entry: dict[str, Any]) -> str:
    """The reason, then where the entry comes from and until when it holds."""
    where = [entry[k] for k in ("source",) if entry.get(k)]
    if entry.get("row"):
        where.append(f"row {entry['row']}")
    if entry.get("expires"):
        where.append(f"expires {entry['expires']}")
    return cell(entry.get("reason", "")) + (f" ({cell('; '.join(where))})" if where else "")


def render(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    t = doc["target"]
    verdict = verdict_text(s["verdict"])
    out = [
        f"# Kafka REST conformance: **{verdict}** (exit {s['exit_code']})",
        "",
        f"- Target: `{t['url']}` ({t['label']}), API {t['api_version']}",
        f"- Suite {doc['suite_version']}, seed {doc['seed']}, started {doc['started_at']},"
        f" {doc['duration']:.1f} s{', **interrupted**' if doc['interrupted'] else ''}",
    ]
    if doc["rerun_of"]:
        out.append(f"- Re-run of the failures of `{doc['rerun_of']}`")
    if doc.get("profile"):
        p = doc["profile"]
        out.append(
            f"- Profile `{p['name']}`: {cell(p['server'])} {cell(p['version'])}; its known deviations are accepted"
        )
    if s["verdict"] == "could-not-test":
        # Nothing ran: the one message, and no table of zeros.
        out += ["", f"**Could not test:** {cell(doc['preflight_error'])}", ""]
        out += ["No check ran. Exit 3 means the run can be retried once the target is reachable."]
        return "\n".join(out) + "\n"
    out += ["", f"_{cell(s['explanation'])}_"]
    if s["reasons"]:
        out += ["", *[f"- {cell(r)}" for r in s["reasons"]]]
    outcomes = list(s["counts"])
    out += ["", "| level | " + " | ".join(outcomes) + " |", "|---|" + "---:|" * len(outcomes)]
    for level, counts in s["by_level"].items():
        out.append(f"| {level} | " + " | ".join(str(counts[o]) for o in outcomes) + " |")
    out.append("| **all** | " + " | ".join(f"**{s['counts'][o]}**" for o in outcomes) + " |")
    problems = [c for c in doc["checks"] if c["outcome"] in ("fail", "error", "xpass")]
    gating = sorted(
        (c for c in problems if c["gating"]), key=lambda c: (_LEVEL_ORDER.get(c["level"] or "", 3), c["id"])
    )
    soft = [c for c in problems if not c["gating"]]
    if gating:
        out += ["", "**Gating** (these decide the exit code):", ""]
        out += _table(gating, lambda c: _ICON[c["outcome"]])
    if soft:
        out += ["", "**Not gating** (SHOULD; they fail the run only with `--strict`):", ""]
        out += _table(soft, lambda c: _SOFT_ICON)
    skipped = [c for c in doc["checks"] if c["outcome"] == "skip"]
    if skipped:
        out += ["", "Skipped:", ""]
        out += [
            f"- `{c['id']}` [{c['level'] or '-'}{', gating' if c['gating'] else ''}]: {cell(shorten(c['message']))}"
            for c in skipped
        ]
    optional = [n for n in doc["not_run"] if not n["counts_against"]]
    left_out = [n for n in doc["not_run"] if n["counts_against"]]
    if left_out:
        out += ["", f"Left out ({len(left_out)}, counts against the verdict):", ""]
        out += _reasons(left_out)
    if optional:
        out += ["", f"Not applicable to what was asked ({len(optional)}, does not gate):", ""]
        out += _reasons(optional)
    xfails = [c for c in doc["checks"] if c["outcome"] == "xfail"]
    if xfails:
        out += ["", "Known failures, accepted (expectations):", ""]
        out += [f"- `{c['id']}`: {_known(c.get('expectation', {}))}" for c in xfails]
    if doc["leftovers"]:
        out += ["", "Consumer instances left on the target:", ""]
        out += [f"- `{x['path']}`: {cell(x['reason'])}" for x in doc["leftovers"]]
    out += _groups(doc)
    if doc["notes"]:
        out += ["", *[f"- {cell(n)}" for n in doc["notes"]]]
    return "\n".join(out) + "\n"


def _reasons(entries: list[dict[str, Any]]) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for n in entries:
        by_reason.setdefault(n["reason"], []).append(n["id"])
    return [f"- {cell(reason)}: {', '.join(f'`{i}`' for i in ids)}" for reason, ids in by_reason.items()]


def _groups(doc: dict[str, Any]) -> list[str]:
    groups = doc["consumer_groups"]
    if not groups:
        return []
    shown = ", ".join(f"`{g}`" for g in groups[:20]) + (
        f" and {len(groups) - 20} more" if len(groups) > 20 else ""
    )
    return [
        "",
        f"Consumer groups created ({len(groups)}, prefix `{doc['run_id']}-`): the REST API cannot delete a"
        " group, only its instances (deleted); the broker expires them (offsets.retention.minutes): " + shown,
    ]


def write(results: RunResults, directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(results_json(results)), "utf-8")
    return path
