"""Negative mode: invalid generated inputs, judged only where contract.md §8 gives an exact set.

An advisory group (SHOULD): `FUZZ-NEG-<operationId>`. Two sources of invalid cases: schemathesis'
negative mode, and valid cases with one targeted mutation from `mutation_strategies` (the invalid
inputs §8 has an exact set for). The second is needed because schemathesis mutates several parts at once, so
most of its cases land outside every oracle; without it a check could pass for want of a case.

The oracle classifies the request actually sent (after the safety fitting), not how it was made,
and answers the §8 set of accepted statuses. A request no oracle can classify (non-canonical
base64 is B3, INFO; malformed JSON is V6, INFO) is not sent: without an exact set there is
nothing to assert.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance import contract
from conformance.checks.api import instance_path, is_int
from conformance.checks.model import CheckContext, CheckSet, Judgement, Probe
from conformance.exchange import Exchange
from conformance.fuzz.drive import run_generated, serial
from conformance.fuzz.generate import Draft, Facts, Prepared, Unjudged, blank_text, integer_text, param_kind
from conformance.fuzz.judge import Operation, operations
from conformance.fuzz.operations import Rule, rule, template
from conformance.requirements import API_VERSIONS, ApiVersion, Level, Requirement

B64_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
INT_QUERY = ("offset", "count", "max_bytes", "timeout")
ANY_4XX = frozenset(range(400, 500))
FORMATS = {"v1": {"binary", "json", "avro"}, "v2": {"binary", "json", "avro", "jsonschema", "protobuf"}}
RESETS = {"v1": {"smallest", "largest"}, "v2": {"earliest", "latest", "none"}}

# category -> version -> (§8 row, accepted statuses); a version missing means §8 has no exact set there.
V1_422 = frozenset({422})
EITHER = frozenset({400, 422})
ORACLES: dict[str, dict[ApiVersion, tuple[str, frozenset[int]]]] = {
    "records-missing": {"v1": ("V2", V1_422), "v2": ("V2", V1_422)},
    "records-empty": {"v1": ("V1", V1_422), "v2": ("V1", V1_422)},
    "null-body": {"v1": ("V3", V1_422), "v2": ("V3", EITHER)},
    "unknown-field": {"v1": ("V4", V1_422), "v2": ("V4", EITHER)},
    "wrong-type": {"v2": ("V5", EITHER)},
    "non-string-bytes": {"v2": ("B4", EITHER)},
    "non-ascii-base64": {"v1": ("B2", V1_422), "v2": ("B2", EITHER)},
    "consumer-unknown-field": {"v1": ("C9", V1_422), "v2": ("D9", EITHER)},
    "consumer-format": {"v1": ("C8", V1_422), "v2": ("D6", V1_422)},
    "consumer-reset": {"v1": ("C5", V1_422), "v2": ("D7", V1_422)},
    "non-integer-parameter": {"v1": ("Q1", ANY_4XX), "v2": ("Q1", ANY_4XX)},
}


JAVA_INT = (-(2**31), 2**31 - 1)
SCHEMA_IDS = ("key_schema_id", "value_schema_id")


def _body(prepared: Prepared) -> tuple[bool, Any]:
    if prepared.body is None:
        return False, None
    try:
        return True, json.loads(prepared.body)
    except ValueError:
        return False, None


def _produce_categories(
    prepared: Prepared, allowed_top: set[str], allowed_record: set[str]
) -> set[str] | None:
    ok, data = _body(prepared)
    if not ok:
        return None
    if data is None:
        return {"null-body"}
    if not isinstance(data, dict):
        return {"wrong-type"}
    listed = data.get("records")
    records_list: list[Any] = listed if isinstance(listed, list) else []
    if _outside_java_int(data, SCHEMA_IDS) or any(
        isinstance(r, dict) and _outside_java_int(r, ("partition",)) for r in records_list
    ):
        return None
    found: set[str] = set()
    if set(data) - allowed_top:
        found.add("unknown-field")
    records = data.get("records")
    if "records" not in data:
        found.add("records-missing")
    elif not isinstance(records, list):
        found.add("wrong-type")
    elif not records:
        found.add("records-empty")
    else:
        for record in records:
            if not isinstance(record, dict):
                found.add("wrong-type")
                continue
            if set(record) - allowed_record:
                found.add("unknown-field")
            for field in ("key", "value"):
                value = record.get(field)
                if value is None:
                    continue
                if not isinstance(value, str):
                    found.add("non-string-bytes")
                elif any(ord(c) > 127 for c in value):
                    found.add("non-ascii-base64")
                elif set(value) - B64_ALPHABET or len(value) % 4:
                    return None  # non-canonical base64: B3 is INFO, no exact set
            partition = record.get("partition")
            if "partition" in record and not (partition is None or is_int(partition)):
                found.add("wrong-type")  # `false` too: JSON booleans are not partitions
    return found


def _outside_java_int(fields: dict[str, Any], names: tuple[str, ...] | set[str]) -> bool:
    """An integer field past Java's int: Jackson refuses it before any other check (5.5: 500,
    7.5: 400; live: `"value_schema_id": -2147483649` with an unknown field answered 500), and §8
    gives that no outcome, so the case is not judged whatever else it gets wrong."""
    return any(is_int(v) and not JAVA_INT[0] <= v <= JAVA_INT[1] for k, v in fields.items() if k in names)


def _consumer_categories(version: ApiVersion, prepared: Prepared, allowed: set[str]) -> set[str] | None:
    ok, data = _body(prepared)
    if not ok or not isinstance(data, dict) or _outside_java_int(data, allowed):
        return None
    if any(isinstance(data[k], dict | list) for k in set(data) & allowed):
        # an array or object for a declared field is a wrong JSON type: 5.5 answers 500, 7.5 400
        # (observed: `"id": []`); no row gives that outcome, whatever else the body gets wrong
        return None
    found: set[str] = set()
    if set(data) - allowed:
        found.add("consumer-unknown-field")
    fmt = data.get("format")
    if fmt == "" or data.get("auto.offset.reset") == "":
        return None  # an empty string may mean "default" (the reference) or be refused: no exact set
    if isinstance(fmt, str) and fmt.lower() not in FORMATS[version]:
        found.add("consumer-format")
    elif "format" in data and not isinstance(fmt, str):
        return None
    reset = data.get("auto.offset.reset")
    if isinstance(reset, str) and reset.lower() in RESETS[version] and reset not in RESETS[version]:
        return None  # `EARLIEST`: Kafka's validator is case-sensitive in some versions only
    if isinstance(reset, str) and reset not in RESETS[version]:
        found.add("consumer-reset")
    elif "auto.offset.reset" in data and not isinstance(reset, str):
        return None
    return found


def non_integer(text: str) -> bool:
    """Q1's "non-integer": no server reads an integer there, and it is not blank (a blank or
    sign-only value is read as the default by Jersey, `blank_text`)."""
    return integer_text(text) is None and not blank_text(text)


def _parameter_categories(prepared: Prepared, declared: frozenset[str] = frozenset(INT_QUERY)) -> set[str]:
    """Q1: a non-integer path partition, or a non-integer value of an integer query parameter
    the operation declares (`declared`): an undeclared one (`offset` on a v2 records read) is
    ignored by the server, and no row gives its outcome."""
    parts = [unquote(p) for p in prepared.path.split("/")]
    for i, part in enumerate(parts[:-1]):
        if part == "partitions" and non_integer(parts[i + 1]):
            return {"non-integer-parameter"}
    for name, value in prepared.params:
        if name in INT_QUERY and name in declared and non_integer(value):
            return {"non-integer-parameter"}
    return set()


def _properties(version: ApiVersion, op: Operation, *path: str) -> set[str]:
    """Property names a request schema declares (resolved through local `$ref`s)."""
    view = contract.version_view(version)
    body: Any = op.definition.get("requestBody") or {}
    content: Any = body.get("content", {})
    node: Any = {}
    if isinstance(content, dict) and content:
        node = next(iter(content.values())).get("schema", {})
    for step in (*path, None):
        node = _deref(view, node)
        if step is None:
            break
        node = node.get("properties", {}).get(step, {}) if step != "[]" else node.get("items", {})
    props = node.get("properties", {}) if isinstance(node, dict) else {}
    return set(props)


def _deref(view: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = view
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def classifier(version: ApiVersion, op: Operation) -> Callable[[Prepared], set[str] | None] | None:
    """The oracle categories of a request to `op`, or None when the operation has no oracle."""
    tmpl = template(op.path)
    declared = frozenset(_parameters(version, op, "query"))
    if op.method == "POST" and tmpl in ("/topics/{}", "/topics/{}/partitions/{}"):
        top = _properties(version, op)
        record = _properties(version, op, "records", "[]")
        return lambda p: _merge(_parameter_categories(p, declared), _produce_categories(p, top, record))
    if op.method == "POST" and tmpl == "/consumers/{}":
        allowed = _properties(version, op)
        return lambda p: _consumer_categories(version, p, allowed)
    if "{}" in tmpl and ("partitions/{}" in tmpl or tmpl.endswith(("/messages", "/records"))):
        return lambda p: _parameter_categories(p, declared)
    return None


def _merge(a: set[str], b: set[str] | None) -> set[str] | None:
    if b is None:
        return a or None
    return a | b


# -- targeted invalid cases ----------------------------------------------------------------

Mutation = Callable[[Draft], Draft]
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=10)
_NON_ASCII = st.text(
    st.characters(min_codepoint=128, codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=8
)
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), _TEXT)
# not an integer to Java or Python, and not a dot segment (which names another resource)
NON_INTEGER = _TEXT.filter(lambda t: non_integer(t) and t.strip(".") != "")


def _edit_body(edit: Callable[[dict[str, Any]], object]) -> Mutation:
    """A mutation of the JSON body object in place (an absent body counts as `{}`)."""

    def mutate(draft: Draft) -> Draft:
        body = copy.deepcopy(draft.body) if isinstance(draft.body, dict) else {}
        edit(body)
        return dataclasses.replace(draft, body=body, has_body=True)

    return mutate


def _edit_record(edit: Callable[[dict[str, Any]], None]) -> Mutation:
    def on_first(body: dict[str, Any]) -> None:
        records = body.get("records")
        if not isinstance(records, list) or not records or not isinstance(records[0], dict):
            body["records"] = records = [{}]
        edit(records[0])

    return _edit_body(on_first)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda node: node.__setitem__(key, value)


def _unknown_field(known: set[str]) -> st.SearchStrategy[tuple[str, Any]]:
    return st.tuples(_TEXT.filter(lambda k: k not in known), _SCALAR)


def _path_parameter(name: str) -> Callable[[Any], Mutation]:
    return lambda value: lambda d: dataclasses.replace(d, path_parameters={**d.path_parameters, name: value})


def _query_parameter(name: str) -> Callable[[Any], Mutation]:
    return lambda value: lambda d: dataclasses.replace(d, query={**d.query, name: value})


def _parameters(version: ApiVersion, op: Operation, where: str) -> list[str]:
    view = contract.version_view(version)
    declared = [*view["paths"][op.path].get("parameters", []), *op.definition.get("parameters", [])]
    return [p["name"] for p in (_deref(view, d) for d in declared) if p.get("in") == where]


def mutation_strategies(version: ApiVersion, op: Operation) -> dict[str, st.SearchStrategy[Mutation]]:
    """Per oracle category, the strategy of one targeted mutation of a valid case to `op`."""
    tmpl = template(op.path)
    found: dict[str, st.SearchStrategy[Mutation]] = {}
    if op.method == "POST" and tmpl in ("/topics/{}", "/topics/{}/partitions/{}"):
        top, record = _properties(version, op), _properties(version, op, "records", "[]")
        found["unknown-field"] = st.one_of(
            _unknown_field(top).map(lambda kv: _edit_body(_set(*kv))),
            _unknown_field(record).map(lambda kv: _edit_record(_set(*kv))),
        )
        found["records-empty"] = st.just(_edit_body(_set("records", [])))
        found["records-missing"] = st.just(_edit_body(lambda body: body.pop("records", None)))
        found["null-body"] = st.just(lambda d: dataclasses.replace(d, body=None, has_body=True))
        found["wrong-type"] = st.one_of(_SCALAR, st.just({})).map(lambda v: _edit_body(_set("records", v)))
        found["non-string-bytes"] = st.tuples(
            st.sampled_from(["key", "value"]), st.one_of(st.integers(), st.just({"a": 1}))
        ).map(lambda fv: _edit_record(_set(*fv)))
        found["non-ascii-base64"] = st.tuples(st.sampled_from(["key", "value"]), _NON_ASCII).map(
            lambda fv: _edit_record(_set(*fv))
        )
    if op.method == "POST" and tmpl == "/consumers/{}":
        allowed = _properties(version, op)
        found["consumer-unknown-field"] = _unknown_field(allowed).map(lambda kv: _edit_body(_set(*kv)))
        found["consumer-format"] = _TEXT.filter(lambda t: t.lower() not in FORMATS[version]).map(
            lambda t: _edit_body(_set("format", t))
        )
        found["consumer-reset"] = _TEXT.filter(lambda t: t.lower() not in RESETS[version]).map(
            lambda t: _edit_body(_set("auto.offset.reset", t))
        )
    parameters = [
        NON_INTEGER.map(_path_parameter(name))
        for name in _parameters(version, op, "path")
        if param_kind(name) == "partition"
    ] + [
        NON_INTEGER.map(_query_parameter(name))
        for name in _parameters(version, op, "query")
        if name in INT_QUERY
    ]
    if parameters:
        found["non-integer-parameter"] = st.one_of(parameters)
    return {category: strategy for category, strategy in found.items() if version in ORACLES[category]}


def accepted(version: ApiVersion, categories: set[str]) -> tuple[tuple[str, ...], frozenset[int]] | None:
    """The rows and the statuses that every category accepts, or None when one has no exact set."""
    statuses: frozenset[int] | None = None
    found_rows = []
    for category in sorted(categories):
        oracle = ORACLES[category].get(version)
        if oracle is None:
            return None
        row, accepted_here = oracle
        found_rows.append(row)
        statuses = accepted_here if statuses is None else statuses | accepted_here
    if statuses is None:
        return None
    return tuple(found_rows), statuses


def negative_probe(
    requirement: Requirement, op_ids: dict[ApiVersion, str], prepare: Callable[[CheckContext, Rule], Facts]
) -> Probe:
    def probe(ctx: CheckContext) -> Judgement:
        op = next(o for o in operations(ctx.version) if o.operation_id == op_ids[ctx.version])
        r = rule(ctx.version, op.method, op.path)
        assert r is not None
        classify = classifier(ctx.version, op)
        assert classify is not None
        facts = prepare(ctx, r)
        verdicts: dict[int, tuple[tuple[str, ...], frozenset[int]]] = {}

        def before(prepared: Prepared) -> None:
            categories = classify(prepared)
            oracle = accepted(ctx.version, categories) if categories else None
            if oracle is None:
                raise Unjudged("no exact §8 oracle for this invalid request")
            verdicts[id(prepared)] = oracle

        def judge(exchange: Exchange, draft: Draft) -> Judgement:
            judgement = Judgement()
            created = (
                exchange.response.json_or_none() if exchange.response and exchange.status == 200 else None
            )
            if isinstance(created, dict) and isinstance(created.get("instance_id"), str):
                # an invalid creation that was accepted made an instance: delete it at once
                path = instance_path(facts.group, created["instance_id"])
                gone = ctx.client.target.send("DELETE", path, headers={"Accept": ctx.api.media.generic})
                if gone.status != 204:
                    ctx.cleanup(path)
            oracle = next(iter(verdicts.values()), None)
            verdicts.clear()
            if oracle is None:
                return judgement
            row_ids, statuses = oracle
            judgement.require(
                exchange.status in statuses,
                f"{_statuses(statuses)} for an invalid request ({', '.join(row_ids)})",
                exchange.describe(),
                "§8 gives this exact set of outcomes for the invalid input",
                exchange,
            )
            return judgement

        level = requirement.level(ctx.version) or Level.SHOULD
        judgement, _ = run_generated(
            ctx,
            op,
            r,
            facts,
            mode=GenerationMode.NEGATIVE,
            level=level,
            judge=judge,
            before=before,
            mutations=mutation_strategies(ctx.version, op),
        )
        return judgement

    return probe


def _statuses(statuses: frozenset[int]) -> str:
    if statuses == ANY_4XX:
        return "a 4xx"
    return " or ".join(str(s) for s in sorted(statuses))


def register(checks: CheckSet, prepare: Callable[[CheckContext, Rule], Facts]) -> None:
    by_id: dict[str, dict[ApiVersion, Operation]] = {}
    for version in API_VERSIONS:
        for op in operations(version):
            if rule(version, op.method, op.path) is not None and classifier(version, op) is not None:
                by_id.setdefault(op.operation_id, {})[version] = op
    for op_id, per_version in sorted(by_id.items()):
        versions = tuple(per_version)
        op = per_version[versions[0]]
        tmpl = template(op.path)
        first = "V4" if op.method == "POST" and tmpl.startswith("/topics") else "Q1"
        if op.method == "POST" and tmpl == "/consumers/{}":
            first = "C9" if versions == ("v1",) else "D9"
        if (first in ("C9",) and "v2" in versions) or (first == "D9" and "v1" in versions):
            first = "Q1"  # C9/D9 are single-version rows; Q1 has both columns
        requirement = Requirement(
            id=f"FUZZ-NEG-{op_id}",
            title=f"Generated invalid requests to {op.label}: §8's exact outcomes (advisory)",
            area="fuzz",
            rows=(first, *sorted({row for o in ORACLES.values() for row, _ in o.values()} - {first})),
            section="8",
            statement=(
                f"Invalid requests generated for {op.operation_id}, where §8 gives an exact set of outcomes "
                "(missing or empty records, unknown fields, wrong types, non-ASCII base64, bad consumer "
                "format or reset, non-integer parameters), are answered with a status from that set."
            ),
            versions=versions,
            levels={v: Level.SHOULD for v in versions},
        )
        checks.add(requirement)(
            serial(negative_probe(requirement, {v: o.operation_id for v, o in per_version.items()}, prepare))
        )
