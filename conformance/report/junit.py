"""junit.xml: one testcase per check, named by id and title; a failure carries its evidence.

Mapping: fail -> <failure>, error -> <error>, skip -> <skipped>, xfail -> <skipped> ("expected
failure"), xpass -> <failure> (a stale expectation must not pass silently). INFO checks never
fail; their observations go to <system-out>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.report.model import Outcome, RunResults, results_json

NAME = "junit.xml"


def _evidence_text(check: dict[str, Any]) -> str:
    lines = [f"{check['statement']} (contract.md §{check['section']}, rows {', '.join(check['rows'])})", ""]
    for finding in check["findings"]:
        lines.append(f"expected: {finding['expected']}")
        lines.append(f"got:      {finding['got']}")
        if finding["why"]:
            lines.append(f"why:      {finding['why']}")
        lines.append("")
    for n, ex in enumerate(check["evidence"], 1):
        req = ex["request"]
        lines.append(f"[{n}] {ex['label']}: {req['method']} {req['url']}")
        for key, value in req["headers"]:
            lines.append(f"    > {key}: {value}")
        if req["body"] is not None:
            lines.append(f"    > {req['body']['text']}")
        resp = ex["response"]
        if resp is None:
            lines.append(f"    no response: {ex['error']}")
        else:
            lines.append(f"    < {resp['status']}")
            for key, value in resp["headers"]:
                lines.append(f"    < {key}: {value}")
            if resp["body"] is not None and resp["body"]["text"]:
                lines.append(f"    < {resp['body']['text']}")
        lines.append(f"    reproduce: {ex['curl']}")
        lines.append("")
    return "\n".join(lines)


def build(results: RunResults) -> ET.Element:
    doc = results_json(results)  # masked, sorted, shared with results.json
    counts = doc["summary"]["counts"]
    suite = ET.Element(
        "testsuite",
        {
            "name": f"kafka-rest-conformance {doc['target']['api_version']} {doc['target']['label']}",
            "tests": str(len(doc["checks"])),
            "failures": str(counts["fail"] + counts["xpass"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["skip"] + counts["xfail"]),
            "time": f"{doc['duration']:.3f}",
            "timestamp": doc["started_at"],
        },
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (
        ("target", doc["target"]["url"]),
        ("api_version", doc["target"]["api_version"]),
        ("seed", str(doc["seed"])),
        ("verdict", doc["summary"]["verdict"]),
        ("interrupted", str(doc["interrupted"]).lower()),
    ):
        ET.SubElement(props, "property", {"name": key, "value": value})
    for check in doc["checks"]:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"conformance.{check['area']}",
                "name": f"{check['id']} {check['title']}",
                "time": f"{check['duration']:.3f}",
            },
        )
        outcome = Outcome(check["outcome"])
        level = check["level"] or "-"
        message = f"[{level}] {check['message']}"
        if outcome is Outcome.FAIL:
            ET.SubElement(case, "failure", {"message": message, "type": level}).text = _evidence_text(check)
        elif outcome is Outcome.XPASS:
            reason = check.get("expectation", {}).get("reason", "")
            ET.SubElement(
                case,
                "failure",
                {"message": f"stale expectation: listed as failing ({reason}) but passed", "type": "xpass"},
            ).text = _evidence_text(check)
        elif outcome is Outcome.ERROR:
            text = _evidence_text(check) + ("\n" + check["traceback"] if check.get("traceback") else "")
            ET.SubElement(case, "error", {"message": message, "type": "error"}).text = text
        elif outcome is Outcome.SKIP:
            ET.SubElement(case, "skipped", {"message": check["message"]})
        elif outcome is Outcome.XFAIL:
            reason = check.get("expectation", {}).get("reason", "")
            ET.SubElement(case, "skipped", {"message": f"expected failure ({reason}): {check['message']}"})
        if check["observations"]:
            ET.SubElement(case, "system-out").text = "\n".join(check["observations"])
    return suite


def write(results: RunResults, directory: Path) -> Path:
    path = directory / NAME
    tree = ET.ElementTree(build(results))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
