"""junit.xml: one testcase per check, named by id and title; a failure carries its evidence.

Mapping: fail -> <failure>, error -> <error>, skip -> <skipped>, xfail -> <skipped> ("expected
failure"), xpass -> <failure> (a stale expectation must not pass silently). INFO checks never
fail; their observations go to <system-out>.

Only a check that gates is red: a SHOULD failure or error without --strict does not change the
exit code, so it is a <skipped> whose message starts "SHOULD failure, not gating", with the
evidence in <system-out>. GitHub test reporters, GitLab and Jenkins show a skipped test with its
message and never count it as failed, so an exit-0 run never renders red. Each testcase also
carries <properties> level, outcome and gating, for consumers that read them (Jenkins, Allure).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conformance.report.model import Outcome, RunResults, results_json

NAME = "junit.xml"


def evidence_text(check: dict[str, Any]) -> str:
    """A check's statement, findings and exchanges (with curl lines), from its results.json entry;
    the pytest plugin shows the same text for a failed item."""
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
    soft = {c["id"] for c in doc["checks"] if c["outcome"] in ("fail", "error") and not c["gating"]}
    soft_fail = sum(1 for c in doc["checks"] if c["id"] in soft and c["outcome"] == "fail")
    soft_error = len(soft) - soft_fail
    suite = ET.Element(
        "testsuite",
        {
            "name": f"kafka-rest-conformance {doc['target']['api_version']} {doc['target']['label']}",
            "tests": str(len(doc["checks"])),
            "failures": str(counts["fail"] - soft_fail + counts["xpass"]),
            "errors": str(counts["error"] - soft_error),
            "skipped": str(counts["skip"] + counts["xfail"] + len(soft)),
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
        ("exit_code", str(doc["summary"]["exit_code"])),
        ("explanation", doc["summary"]["explanation"]),
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
        case_props = ET.SubElement(case, "properties")
        for key, value in (
            ("level", level),
            ("outcome", outcome.value),
            ("gating", str(check["gating"]).lower()),
        ):
            ET.SubElement(case_props, "property", {"name": key, "value": value})
        if check["id"] in soft:
            what = "failure" if outcome is Outcome.FAIL else "error"
            ET.SubElement(
                case,
                "skipped",
                {
                    "message": f"SHOULD {what}, not gating (fails the run only with --strict): {check['message']}"
                },
            )
            text = evidence_text(check)
            if check["observations"]:
                text += "\n" + "\n".join(check["observations"])
            ET.SubElement(case, "system-out").text = text
            continue
        if outcome is Outcome.FAIL:
            ET.SubElement(case, "failure", {"message": message, "type": level}).text = evidence_text(check)
        elif outcome is Outcome.XPASS:
            reason = check.get("expectation", {}).get("reason", "")
            ET.SubElement(
                case,
                "failure",
                {"message": f"stale expectation: listed as failing ({reason}) but passed", "type": "xpass"},
            ).text = evidence_text(check)
        elif outcome is Outcome.ERROR:
            text = evidence_text(check) + ("\n" + check["traceback"] if check.get("traceback") else "")
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
