"""What the generated layer checks per operation, and at which level: contract.md §8 as data.

Every operation of a version view has one rule here, keyed by method and path template (the
names of the path parameters do not matter). A test keeps this table and the views in step.

A rule gives:
- `rows`: the §8 rows the operation's response checks enforce. The first decides the check's
  level for that version (`Requirement.level`); the judge's cross-cutting rows (A1 JSON label,
  E1 error bodies, E4 JSON label tells the truth) are appended to every operation.
- `accept`: which of the version's media types the generated request asks for. schemathesis
  would send `*/*` (schemathesis-4.md §2); Kafka REST negotiates on Accept, so it is set here.
- `content_type`: the request Content-Type for a body (the binary type on produce, §1.2–1.3).
- `state`: what the probe sets up before generating: a consumer instance, an instance with the
  test partitions assigned (seek only after an assignment exists, §4.5), records in the log
  (v1 partition reads only at offsets inside it, §4.4), or both an assigned instance and records
  (v2 commits name only offsets inside the log, §8 D25/D26).
- `cost`: a divisor of the example budget for operations a real server answers slowly (a v1
  consumer read is held ~1 s by Confluent when nothing is new, §2.1#9).
- `bodyless`: the §8 row that judges a request sent without a body, when it is not the
  operation's own (v2 consumer creation with no body is D2, SHOULD: Karapace answers a framework
  400 in text, which E3 exempts from E1). Anything but 200 there is an observation at that row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from conformance.requirements import ApiVersion, Level

State = Literal["none", "instance", "assigned", "log", "assigned-log"]
MediaKind = Literal["generic", "binary"]

# Rows every generated response is judged against, whatever the operation (contract.md §8.6–8.7).
CROSS_CUTTING_ROWS = ("A1", "E1", "E4")


@dataclass(frozen=True)
class Rule:
    rows: tuple[str, ...]
    accept: MediaKind = "generic"
    content_type: MediaKind = "generic"
    state: State = "none"
    cost: int = 1
    bodyless: str | None = None


def template(path: str) -> str:
    """`/topics/{topic_name}/partitions/{p}` -> `/topics/{}/partitions/{}`."""
    return re.sub(r"\{[^}]*\}", "{}", path)


_I = "/consumers/{}/instances/{}"

RULES: dict[ApiVersion, dict[tuple[str, str], Rule]] = {
    "v1": {
        ("GET", "/"): Rule(("M8",)),
        ("GET", "/topics"): Rule(("M1", "A2")),
        ("GET", "/topics/{}"): Rule(("M2", "A2")),
        ("POST", "/topics/{}"): Rule(("P1", "P2", "A2"), content_type="binary"),
        ("GET", "/topics/{}/partitions"): Rule(("M3",)),
        ("GET", "/topics/{}/partitions/{}"): Rule(("M3",)),
        ("POST", "/topics/{}/partitions/{}"): Rule(("P7", "P2"), content_type="binary"),
        ("GET", "/topics/{}/partitions/{}/messages"): Rule(("S3", "A3"), accept="binary", state="log"),
        ("POST", "/consumers/{}"): Rule(("C1",)),
        ("GET", _I + "/topics/{}"): Rule(("C10", "A3"), accept="binary", state="instance", cost=3),
        ("POST", _I + "/offsets"): Rule(("C14",), state="instance"),
        ("DELETE", _I): Rule(("C16", "A14"), state="instance"),
        ("GET", "/brokers"): Rule(("M7",)),
    },
    "v2": {
        ("GET", "/"): Rule(("M8",)),
        ("GET", "/topics"): Rule(("M1", "A7")),
        ("GET", "/topics/{}"): Rule(("M2", "A6")),
        ("POST", "/topics/{}"): Rule(("P1", "P2", "A6"), content_type="binary"),
        ("GET", "/topics/{}/partitions"): Rule(("M3",)),
        ("GET", "/topics/{}/partitions/{}"): Rule(("M3",)),
        ("GET", "/topics/{}/partitions/{}/offsets"): Rule(("M6",)),
        ("POST", "/topics/{}/partitions/{}"): Rule(("P7", "P2"), content_type="binary"),
        ("POST", "/consumers/{}"): Rule(("D1",), bodyless="D2"),
        ("DELETE", _I): Rule(("D30", "A14"), state="instance"),
        ("POST", _I + "/subscription"): Rule(("D11",), state="instance"),
        ("GET", _I + "/subscription"): Rule(("D12",), state="instance"),
        ("DELETE", _I + "/subscription"): Rule(("D13", "A14"), state="instance"),
        ("POST", _I + "/assignments"): Rule(("D15",), state="instance"),
        ("GET", _I + "/assignments"): Rule(("D15b",), state="assigned"),
        ("POST", _I + "/positions"): Rule(("D18",), state="assigned"),
        ("POST", _I + "/positions/beginning"): Rule(("D18",), state="assigned"),
        ("POST", _I + "/positions/end"): Rule(("D18",), state="assigned"),
        ("GET", _I + "/records"): Rule(("D20", "A10"), accept="binary", state="assigned"),
        ("POST", _I + "/offsets"): Rule(("D25",), state="assigned-log"),
        ("GET", _I + "/offsets"): Rule(("D27",), state="assigned"),
        ("GET", "/brokers"): Rule(("M7",)),
    },
}


def rule(version: ApiVersion, method: str, path: str) -> Rule | None:
    return RULES[version].get((method.upper(), template(path)))


def all_rows(r: Rule) -> tuple[str, ...]:
    return r.rows + tuple(x for x in CROSS_CUTTING_ROWS if x not in r.rows)


# Which judged aspect enforces which §8 row, per version. The judge tags each problem with an
# aspect; a problem whose row is weaker than the check's level is reported as an observation.
ASPECT_LEVEL: dict[str, dict[ApiVersion, Level]] = {
    # status documented for the operation, body valid against its schema: the operation's row
    "status": {"v1": Level.MUST, "v2": Level.MUST},
    "schema": {"v1": Level.MUST, "v2": Level.MUST},
    # a 2xx body labelled JSON, a JSON label that parses, an error body (A1, E1, E4)
    "json_label": {"v1": Level.MUST, "v2": Level.MUST},
    # the exact vendor media type: v1 A2/A3 MUST; v2 A6 SHOULD (Karapace labels json.v2 everywhere)
    "media_type": {"v1": Level.MUST, "v2": Level.SHOULD},
    # a 5xx answer to a request the spec calls valid
    "server_error": {"v1": Level.MUST, "v2": Level.MUST},
    # P2: the full produce entry and response keys; v2 SHOULD (Karapace and Strimzi leave them out)
    "produce_keys": {"v1": Level.MUST, "v2": Level.SHOULD},
}

# Keys of a body that a weaker §8 row asks for than the operation's own (row -> aspect, keys): the
# schema requires them, but their absence is judged at that row's level, by operations whose rule
# lists the row.
ROW_KEYS: dict[str, tuple[str, frozenset[str]]] = {
    "P2": ("produce_keys", frozenset({"error_code", "error", "key_schema_id", "value_schema_id"})),
}


# schemathesis' generic checks (4.32), in ONE table: none of them decides a verdict here (the
# verdict is `judge.judge_response`, the same code the recordings test runs). Each entry says
# what stands in its place or why the contract does not support it.
GENERIC_CHECKS: dict[str, str] = {
    "not_a_server_error": "replaced: a 5xx fails only answers to valid generated requests (judge aspect server_error); §8 documents 500s for invalid input (V8, S5, D24, D29)",
    "status_code_conformance": "replaced: judge aspect status, statuses from the version view",
    "content_type_conformance": "replaced: judge aspects json_label/media_type; a missing Content-Type passes exactly where the view marks it optional (framework 404/405/406, §3.1)",
    "response_schema_conformance": "replaced: judge aspect schema via contract.validate_response (canonical base64 format checker)",
    "response_headers_conformance": "off: the contract documents no response headers",
    "negative_data_rejection": "replaced: negative mode accepts only §8's exact sets (NEGATIVE_ORACLES), not any 4xx",
    "positive_data_acceptance": "off: a schema-valid request may be refused for state the spec cannot express (409/40901 second topic, 40902 duplicate name, 40903 seek while unassigned); acceptance is the round-trip properties' job",
    "missing_required_header": "off: the contract has no required request header (auth is judged by U2m only with declared credentials)",
    "unsupported_method": "off: only PUT/DELETE on /topics and /topics/{t} are in §8 (E3), and Confluent answers them without a Content-Type",
    "allow_header_conformance": "off: Confluent's 405 carries no Allow header and §8 does not ask for one",
    "use_after_free": "replaced: the stateful check asserts 40403 (v1) / 404 (v2) after delete, with the instance named exactly",
    "ensure_resource_availability": "off: Kafka REST creates no resource a later GET must return (consumer instances are judged by the stateful check)",
    "ignored_auth": "off: auth rows run only with declared credentials (§8.11) in the auth area",
    "object_level_authorization": "off: no object-level authorization in Kafka REST v1/v2",
}
