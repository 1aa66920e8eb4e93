"""report.html: one self-contained page to read a run (no network: inline CSS and JS only).

Verdict first, then counts, then the checks in id order; failures open with their evidence
(request, response, curl). Filters by outcome and area are a few lines of inline JS over
`data-` attributes, so the page works from a file:// URL or a CI artifact viewer.

Every check has an anchor (``report.html#PROD-026``) that opens it. A SHOULD failure that does not
gate is amber and labelled "not gating", never red; a run that could not be tested shows the
preflight message and what to do, not tables of zeros.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from conformance.report.model import RunResults, results_json, verdict_text

NAME = "report.html"

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{margin:.2em 0}.verdict{display:inline-block;padding:.2em .6em;border-radius:4px;color:#fff}
.v-conformant{background:#2a7d2e}.v-non-conformant{background:#b3261e}
.v-incomplete,.v-stale-expectations{background:#b26a00}.v-could-not-test{background:#555}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
.o-pass{color:#2a7d2e}.o-fail,.o-xpass{color:#b3261e;font-weight:600}.o-error{color:#8a1c7c;font-weight:600}
.o-skip,.o-xfail{color:#777}.nongating{color:#9a5b00;font-weight:600}
.gating{color:#b3261e;font-weight:600;font-size:12px}.badge-soft{color:#9a5b00;font-size:12px}
.check:target{background:#fff8d6}.anchor{color:#999;text-decoration:none;margin-left:.3em}details{margin:.2em 0}summary{cursor:pointer}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
.filters label{margin-right:1em}.muted{color:#777}.check{border-top:1px solid #eee;padding:.3em 0}
"""

JS = """
function applyFilters(){
  var outs=[].slice.call(document.querySelectorAll('input[name=outcome]:checked')).map(function(e){return e.value});
  var sel=document.getElementById('area');var area=sel?sel.value:'';
  document.querySelectorAll('.check').forEach(function(c){
    var show=outs.indexOf(c.dataset.outcome)>=0&&(area===''||c.dataset.area===area);
    c.style.display=show?'':'none';
  });
}
document.querySelectorAll('.filters input,.filters select').forEach(function(e){e.addEventListener('change',applyFilters)});
function openTarget(){
  var id=decodeURIComponent(location.hash.slice(1));var c=id&&document.getElementById(id);
  if(!c||!c.classList.contains('check'))return;
  c.style.display='';var d=c.querySelector('details');if(d)d.open=true;c.scrollIntoView();
}
window.addEventListener('hashchange',openTarget);
applyFilters();openTarget();
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _exchange(n: int, ex: dict[str, Any], *, opened: bool = False) -> str:
    req = ex["request"]
    lines = [f"> {req['method']} {req['url']}"]
    lines += [f"> {k}: {v}" for k, v in req["headers"]]
    if req["body"] is not None:
        cut = " [cut]" if req["body"]["truncated"] else ""
        lines += [">", f"> {req['body']['text']}{cut}"]
    resp = ex["response"]
    if resp is None:
        lines += ["", f"no response: {ex['error']}"]
    else:
        lines += ["", f"< {resp['status']}  ({resp['elapsed_ms']} ms)"]
        lines += [f"< {k}: {v}" for k, v in resp["headers"]]
        if resp["body"] is not None and resp["body"]["text"]:
            cut = f" [cut; {resp['body']['length']} bytes]" if resp["body"]["truncated"] else ""
            lines += ["<", f"< {resp['body']['text']}{cut}"]
    return (
        f"<details{' open' if opened else ''}><summary>[{n}] {_e(ex['label'] or 'exchange')}: {_e(req['method'])} {_e(req['url'])}"
        f" &rarr; {_e(resp['status'] if resp else 'no response')}</summary>"
        f"<pre>{_e(chr(10).join(lines))}</pre><p>Reproduce:</p><pre>{_e(ex['curl'])}</pre></details>"
    )


def _check(c: dict[str, Any]) -> str:
    failing = c["outcome"] in ("fail", "error", "xpass")
    soft = failing and not c["gating"]
    if soft:
        badge = f'<span class="o-{_e(c["outcome"])} nongating" data-gating="false">{_e(c["outcome"])}</span>'
        badge += ' <span class="badge-soft">not gating (SHOULD; fails the run only with --strict)</span>'
    else:
        gating = ' data-gating="true"' if failing else ""
        badge = f'<span class="o-{_e(c["outcome"])}"{gating}>{_e(c["outcome"])}</span>'
        if failing:
            badge += ' <span class="gating">gating</span>'
    parts = [
        f'<div class="check" id="{_e(c["id"])}" data-outcome="{_e(c["outcome"])}" data-area="{_e(c["area"])}"'
        f' data-gating="{str(c["gating"]).lower()}">',
        f"<details{' open' if failing else ''}><summary><b>{_e(c['id'])}</b> "
        f"<a class='anchor' href='#{_e(c['id'])}' title='link to this check'>#</a> {badge} "
        f"[{_e(c['level'] or '-')}] {_e(c['title'])}"
        f"{' &mdash; ' + _e(c['message']) if c['message'] else ''}</summary>",
        f"<p>{_e(c['statement'])} <span class='muted'>contract.md §{_e(c['section'])};"
        f" rows {_e(', '.join(c['rows']))}; area {_e(c['area'])}; {c['duration']:.2f} s;"
        f" {c['exchange_count']} exchange(s)</span></p>",
    ]
    if c.get("expectation"):
        e = c["expectation"]
        extra = "".join(
            f"<br><b>{label}</b> {_e(e[key])}"
            for key, label in (("row", "row"), ("evidence", "evidence"), ("expires", "expires"))
            if e.get(key)
        )
        parts.append(
            f"<p>Known failure ({_e(e.get('source') or 'expectations file')}): {_e(e['reason'])}"
            f" {_e(e['link'])}{extra}</p>"
        )
    for f in c["findings"]:
        ref = f" (exchange [{f['exchange'] + 1}])" if f["exchange"] is not None else ""
        parts.append(
            f"<p><b>expected</b> {_e(f['expected'])}<br><b>got</b> {_e(f['got'])}{_e(ref)}"
            f"{'<br><b>why</b> ' + _e(f['why']) if f['why'] else ''}</p>"
        )
    if c["observations"]:
        parts.append("<ul>" + "".join(f"<li>{_e(o)}</li>" for o in c["observations"]) + "</ul>")
    if c["evidence"]:
        # the exchanges a finding points at open with the failure: the replay line without a click
        cited = {f["exchange"] for f in c["findings"] if f["exchange"] is not None} if failing else set()
        parts += [_exchange(n, ex, opened=n - 1 in cited) for n, ex in enumerate(c["evidence"], 1)]
    elif c["requests"]:
        parts.append(
            f"<details><summary>requests</summary><pre>{_e(chr(10).join(c['requests']))}</pre></details>"
        )
    if c.get("traceback"):
        parts.append(f"<details><summary>traceback</summary><pre>{_e(c['traceback'])}</pre></details>")
    parts.append("</details></div>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Kafka REST conformance: {_e(title)}</title><style>{CSS}</style></head><body>"
        f"{body}<script>{JS}</script></body></html>\n"
    )


def render(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    t = doc["target"]
    outcomes = list(s["counts"])
    areas = sorted({c["area"] for c in doc["checks"]})
    verdict = verdict_text(s["verdict"])
    head = (
        f"<h1>Kafka REST conformance: <span class='verdict v-{_e(s['verdict'])}' id='verdict'>{_e(verdict)}</span>"
        f" <span class='muted'>exit {_e(s['exit_code'])}</span></h1>"
        f"<p>{_e(t['url'])} ({_e(t['label'])}), API {_e(t['api_version'])}; suite {_e(doc['suite_version'])};"
        f" seed {_e(doc['seed'])}; started {_e(doc['started_at'])}; {doc['duration']:.1f} s"
        f"{'; <b>interrupted</b>' if doc['interrupted'] else ''}</p>"
    )
    if doc.get("profile"):
        p = doc["profile"]
        head += (
            f"<p id='profile'>Profile <b>{_e(p['name'])}</b>: {_e(p['server'])} {_e(p['version'])};"
            f" its known deviations are accepted (xfail) with their reasons.</p>"
        )
    if s["verdict"] == "could-not-test":
        settings = doc["settings"]
        head += (
            f"<p id='preflight'><b>Could not test:</b> {_e(doc['preflight_error'])}</p>"
            "<p>No check ran, so nothing is known about the contract yet. Exit 3 means the run can be"
            " retried once the target answers; fix what the message names and run again.</p>"
            f"<p class='muted'>Asked for: topic {_e(settings.get('topic') or '-')}, single-partition topic"
            f" {_e(settings.get('single_topic') or '-')}, budget {_e(settings.get('budget'))},"
            f" timeout {_e(settings.get('timeout'))} s.</p>"
        )
        return _page(verdict, head)
    head += f"<p id='explanation'>{_e(s['explanation'])}</p>"
    if s["reasons"]:
        head += "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in s["reasons"]) + "</ul>"
    table = "<table><tr><th>level</th>" + "".join(f"<th>{_e(o)}</th>" for o in outcomes) + "</tr>"
    for level, counts in s["by_level"].items():
        table += f"<tr><td>{_e(level)}</td>" + "".join(f"<td>{counts[o]}</td>" for o in outcomes) + "</tr>"
    table += "</table>"
    checked = {"pass": "", "skip": ""}
    filters = (
        "<p class='filters'>Show: "
        + "".join(
            f"<label><input type='checkbox' name='outcome' value='{_e(o)}'{checked.get(o, ' checked')}> {_e(o)}"
            f" ({s['counts'][o]})</label>"
            for o in outcomes
        )
        + " Area: <select id='area'><option value=''>all</option>"
        + "".join(f"<option>{_e(a)}</option>" for a in areas)
        + "</select></p>"
    )
    extra = ""
    if doc["leftovers"]:
        extra += (
            "<h2>Consumer instances left on the target</h2><ul>"
            + "".join(f"<li>{_e(x['path'])}: {_e(x['reason'])}</li>" for x in doc["leftovers"])
            + "</ul>"
        )
    if doc["consumer_groups"]:
        groups = doc["consumer_groups"]
        extra += (
            f"<details id='groups'><summary>Consumer groups this run created ({len(groups)}, prefix"
            f" <code>{_e(doc['run_id'])}-</code>)</summary><p>The REST API cannot delete a consumer group,"
            " only its instances (those were deleted). The groups stay on the cluster until the broker"
            " expires them (offsets.retention.minutes), or an administrator deletes them.</p><ul>"
            + "".join(f"<li><code>{_e(g)}</code></li>" for g in groups)
            + "</ul></details>"
        )
    for title, entries, ident in (
        ("Left out (counts against the verdict)", [n for n in doc["not_run"] if n["counts_against"]], "left-out"),
        ("Not applicable to what was asked (does not gate)", [n for n in doc["not_run"] if not n["counts_against"]],
         "not-applicable"),
    ):  # fmt: skip
        if entries:
            extra += (
                f"<details id='{ident}'><summary>{_e(title)} ({len(entries)})</summary><ul>"
                + "".join(f"<li>{_e(n['id'])}: {_e(n['reason'])}</li>" for n in entries)
                + "</ul></details>"
            )
    if doc["notes"]:
        extra += "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in doc["notes"]) + "</ul>"
    checks = "".join(_check(c) for c in doc["checks"])
    return _page(verdict, f"{head}{table}{extra}<h2>Checks</h2>{filters}{checks}")


def write(results: RunResults, directory: Path) -> Path:
    path = directory / NAME
    path.write_text(render(results_json(results)), "utf-8")
    return path
