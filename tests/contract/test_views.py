"""Per-version views derived from the one openapi.yaml; operation lookup; response validation."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance import contract, recordings
from conformance.media import MEDIA

METHODS = ("get", "put", "post", "delete", "patch")

# Used when ../shared/contract.md is not beside the repository: its §2.1 and §2.2 tables as data.
TABLES_FALLBACK: dict[str, set[tuple[str, str]]] = {
    "v1": {
        ("GET", "/topics"),
        ("GET", "/topics/{}"),
        ("POST", "/topics/{}"),
        ("GET", "/topics/{}/partitions"),
        ("GET", "/topics/{}/partitions/{}"),
        ("POST", "/topics/{}/partitions/{}"),
        ("GET", "/topics/{}/partitions/{}/messages"),
        ("POST", "/consumers/{}"),
        ("GET", "/consumers/{}/instances/{}/topics/{}"),
        ("POST", "/consumers/{}/instances/{}/offsets"),
        ("DELETE", "/consumers/{}/instances/{}"),
        ("GET", "/brokers"),
        ("GET", "/"),
    },
    "v2": {
        ("GET", "/topics"),
        ("GET", "/topics/{}"),
        ("POST", "/topics/{}"),
        ("GET", "/topics/{}/partitions"),
        ("GET", "/topics/{}/partitions/{}"),
        ("GET", "/topics/{}/partitions/{}/offsets"),
        ("POST", "/topics/{}/partitions/{}"),
        ("POST", "/consumers/{}"),
        ("DELETE", "/consumers/{}/instances/{}"),
        ("POST", "/consumers/{}/instances/{}/subscription"),
        ("GET", "/consumers/{}/instances/{}/subscription"),
        ("DELETE", "/consumers/{}/instances/{}/subscription"),
        ("POST", "/consumers/{}/instances/{}/assignments"),
        ("GET", "/consumers/{}/instances/{}/assignments"),
        ("POST", "/consumers/{}/instances/{}/positions"),
        ("POST", "/consumers/{}/instances/{}/positions/beginning"),
        ("POST", "/consumers/{}/instances/{}/positions/end"),
        ("GET", "/consumers/{}/instances/{}/records"),
        ("POST", "/consumers/{}/instances/{}/offsets"),
        ("GET", "/consumers/{}/instances/{}/offsets"),
        ("GET", "/brokers"),
    },
}
# Operations a view has beyond its §2 table, each with the contract line that requires it.
BEYOND_TABLE = {"v1": {}, "v2": {("GET", "/"): "§8 M8 requires `GET /` in v2 (MUST), though §2.2 omits it"}}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _contract_md() -> Path | None:
    directory = recordings.observed_dir()
    candidate = directory.parent / "contract.md" if directory else None
    return candidate if candidate and candidate.is_file() else None


def _table_operations(text: str, start: str, end: str) -> set[tuple[str, str]]:
    """The (method, path) cells of one §2 endpoint table, `...` prefixes expanded."""
    section = text[text.index(start) : text.index(end)]
    ops: set[tuple[str, str]] = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 3 or not cells[1].isdigit():
            continue
        method = ""
        for item in re.findall(r"`([^`]+)`", cells[2]):
            parts = item.split()
            if len(parts) == 2:
                method, path = parts
            else:
                (path,) = parts
            if path.startswith("..."):
                rest = path[3:]
                prefix = (
                    "/consumers/{group}" if rest.startswith("/instances/") else "/consumers/{g}/instances/{i}"
                )
                path = prefix + rest
            ops.add((method, _template(path)))
    return ops


def _tables() -> dict[str, set[tuple[str, str]]]:
    path = _contract_md()
    if path is None:
        return TABLES_FALLBACK
    text = path.read_text("utf-8")
    return {
        "v1": _table_operations(text, "### 2.1 v1", "### 2.2 v2"),
        "v2": _table_operations(text, "### 2.2 v2", "## 3. Error model"),
    }


def test_the_fallback_tables_match_contract_md() -> None:
    if _contract_md() is None:
        pytest.skip("contract.md not beside the repository")
    assert _tables() == TABLES_FALLBACK


@pytest.mark.parametrize("version", contract.VERSIONS)
def test_view_operations_are_the_contract_tables(version: str) -> None:
    view = contract.version_view(version)
    in_view = {(m.upper(), _template(p)) for p, item in view["paths"].items() for m in METHODS if m in item}
    expected = _tables()[version] | set(BEYOND_TABLE[version])
    assert in_view == expected
    listed = {(op.method, _template(op.path)) for op in contract.operations(version)}
    assert listed == in_view
    assert len(contract.operations(version)) == {"v1": 13, "v2": 22}[version]


def _keys_named(node: Any, name: str) -> int:
    if isinstance(node, dict):
        return (name in node) + sum(_keys_named(v, name) for v in node.values())
    if isinstance(node, list):
        return sum(_keys_named(v, name) for v in node)
    return 0


def _media_keys(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("content"), dict):
            found |= set(node["content"])
        for v in node.values():
            found |= _media_keys(v)
    elif isinstance(node, list):
        for v in node:
            found |= _media_keys(v)
    return found


@pytest.mark.parametrize(("version", "other"), [("v1", "v2"), ("v2", "v1")])
def test_a_view_has_no_media_type_and_no_operation_of_the_other_version(version: str, other: str) -> None:
    view = contract.version_view(version)
    media = _media_keys(view["paths"])
    assert not [m for m in media if f".{other}+json" in m]
    # and it has its own: the generic and the binary type of the version
    assert {MEDIA[version].generic, MEDIA[version].binary} <= media
    # other embedded formats only where a request Content-Type does not choose the format (§1.2 N2)
    foreign = set(MEDIA[version].not_binary) & media
    allowed = {
        "v1": {"application/vnd.kafka.json.v1+json", "application/vnd.kafka.avro.v1+json"},
        "v2": set(),
    }
    assert foreign == allowed[version]
    for item in view["paths"].values():
        for method in METHODS:
            if method in item and item[method]["operationId"] != "createConsumer":
                assert not (foreign & _media_keys(item[method])), item[method]["operationId"]
        if "post" in item and item["post"]["operationId"] == "createConsumer":
            assert not (foreign & _media_keys(item["post"]["responses"]))
    other_only = {op.operation_id for op in contract.operations(other)} - {
        op.operation_id for op in contract.operations(version)
    }
    ids = {item[m]["operationId"] for item in view["paths"].values() for m in METHODS if m in item}
    assert other_only and not (ids & other_only)
    assert [t["name"] for t in view["tags"]] == [version]
    assert "x-definitions" not in view
    assert not _keys_named(view, "x-api-versions")


def test_a_view_is_a_fresh_copy() -> None:
    view = contract.version_view("v2")
    view["paths"].clear()
    assert contract.version_view("v2")["paths"]
    assert "x-api-versions" in json.dumps(contract.spec())  # the raw spec keeps its marking


def test_the_raw_spec_marks_every_operation_with_its_tags_and_an_operation_id() -> None:
    ids = []
    for path, item in contract.spec()["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                ids.append(op["operationId"])
                versions = op.get("x-api-versions", ["v1", "v2"])
                assert sorted(op["tags"]) == sorted(versions), (method, path)
    assert len(ids) == len(set(ids))


def test_links_follow_produce_to_the_reads_of_each_version() -> None:
    v1 = contract.version_view("v1")["paths"]["/topics/{topic}"]["post"]["responses"]["200"]["links"]
    v2 = contract.version_view("v2")["paths"]["/topics/{topic}"]["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in v1.values()} == {"consumePartition"}
    assert {link["operationId"] for link in v2.values()} == {"getPartitionOffsets", "seek"}
    seek = contract.version_view("v2")["paths"]["/consumers/{group}/instances/{instance}/positions"]["post"]
    assert {link["operationId"] for link in seek["responses"]["204"]["links"].values()} == {"readRecords"}


@pytest.mark.parametrize(
    ("version", "method", "path", "expected"),
    [
        ("v1", "GET", "/topics/t1/partitions/0", "getPartition"),
        ("v1", "GET", "/topics/t1/partitions/0/messages?offset=3&count=2", "consumePartition"),
        ("v1", "get", "http://proxy:8082/topics/t1/partitions/0/messages?offset=3", "consumePartition"),
        ("v1", "POST", "/consumers/g/instances/i/offsets", "commitOffsets"),
        ("v1", "GET", "/consumers/g/instances/i/topics/t1", "readTopic"),
        ("v1", "GET", "/topics/", "listTopics"),
        ("v1", "GET", "/", "getRoot"),
        ("v2", "GET", "/consumers/g/instances/i/offsets", "getCommittedOffsets"),
        ("v2", "POST", "/consumers/g/instances/i/offsets?async=true", "commitOffsets"),
        ("v2", "POST", "/consumers/g/instances/i/positions/end", "seekToEnd"),
        ("v2", "GET", "/topics/t1/partitions/0/offsets", "getPartitionOffsets"),
        ("v1", "GET", "/topics/t1/partitions/0/offsets", None),  # v2 only
        ("v1", "GET", "/consumers/g/instances/i/offsets", None),  # v2 only
        ("v2", "GET", "/topics/t1/partitions/0/messages?offset=0", None),  # v1 only
        ("v2", "PUT", "/topics", None),
        ("v2", "GET", "/no-such-path", None),
    ],
)
def test_find_operation(version: str, method: str, path: str, expected: str | None) -> None:
    found = contract.find_operation(version, method, path)
    assert (found.operation_id if found else None) == expected


def test_find_operation_under_a_base_path() -> None:
    found = contract.find_operation(
        "v2", "GET", "https://gw.example/kafka-rest/topics/t?x=1", base_path="/kafka-rest/"
    )
    assert found is not None and found.operation_id == "getTopic"
    assert contract.find_operation("v2", "GET", "/kafka-rest/topics/t") is None
    problems = contract.validate_response(
        "v2",
        "GET",
        "/kafka-rest/topics",
        200,
        "application/vnd.kafka.v2+json",
        b'["t"]',
        base_path="/kafka-rest",
    )
    assert problems == []


ERR = b'{"error_code": 404, "message": "HTTP 404 Not Found"}'
PRODUCED = b'{"offsets":[{"partition":0,"offset":1,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}'


@pytest.mark.parametrize(
    ("version", "method", "path", "status", "ctype", "body", "problem"),
    [
        ("v1", "POST", "/topics/t", 200, "application/vnd.kafka.v1+json", PRODUCED, None),
        ("v1", "POST", "/topics/t", 200, "application/json; charset=utf-8", PRODUCED, None),
        ("v2", "POST", "/topics/t", 200, "application/vnd.kafka.v2+json", PRODUCED, None),
        # the v1 generic label is not part of v2's produce vocabulary
        ("v2", "POST", "/topics/t", 200, "application/json", PRODUCED, "Content-Type application/json is not declared"),
        ("v1", "POST", "/topics/t", 200, "application/vnd.kafka.v2+json", PRODUCED, "is not declared for API v1"),
        ("v1", "POST", "/topics/t", 200, "application/vnd.kafka.v1+json", b'{"offsets":[{"partition":0}]}', "error_code"),
        ("v1", "POST", "/topics/t", 200, "application/vnd.kafka.v1+json", b"{not json", "body is not JSON"),
        ("v1", "POST", "/topics/t", 200, None, PRODUCED, "no Content-Type"),
        ("v1", "POST", "/topics/t", 418, "application/vnd.kafka.v1+json", ERR, "status 418 is not declared"),
        # framework 406: JSON body without a Content-Type (§3.1); 2.0 sends an empty body
        ("v1", "GET", "/topics", 406, None, ERR, None),
        ("v1", "GET", "/topics", 406, None, b"", None),
        ("v2", "GET", "/consumers/g/instances/i/records", 406, None, ERR, None),
        # 5.5 labels a v2 415 with the v1 type (x-also-labelled), body still judged
        ("v2", "POST", "/topics/t", 415, "application/vnd.kafka.v1+json", ERR, None),
        ("v2", "POST", "/topics/t", 415, "application/vnd.kafka.v1+json", b'{"error_code":"415"}', "error_code"),
        # v1 malformed JSON on 5.5: a text/plain 400 (§3.1); not a v2 answer
        ("v1", "POST", "/topics/t", 400, "text/plain", b"Unexpected character", None),
        ("v2", "POST", "/topics/t", 400, "text/plain", b"Unexpected character", "text/plain is not declared"),
        ("v2", "DELETE", "/consumers/g/instances/i", 204, None, b"", None),
        ("v2", "DELETE", "/consumers/g/instances/i", 204, "application/vnd.kafka.v2+json", b"", None),
        ("v2", "DELETE", "/consumers/g/instances/i", 204, None, b"{}", "declares no body"),
        ("v2", "GET", "/consumers/g/instances/i/records", 200, "application/vnd.kafka.binary.v2+json",
         b'[{"topic":"t","key":null,"value":"aGVsbG8","partition":0,"offset":1}]', "/0/value"),
        ("v1", "GET", "/topics/t/partitions/0/messages?offset=0", 200, "application/vnd.kafka.binary.v1+json",
         b'[{"key":null,"value":"aGk=","partition":0,"offset":0}]', None),
        # outside every operation: the framework's 404 (unknown path) and 405 (known path, wrong method)
        ("v2", "GET", "/topics/t/partitions/0/messages?offset=0", 404, None, ERR, None),
        ("v2", "GET", "/topics/t/partitions/0/messages?offset=0", 200, "application/vnd.kafka.v2+json", b"[]",
         "no operation of API v2"),
        ("v1", "PUT", "/topics", 405, None, ERR, None),
        ("v1", "DELETE", "/topics/t", 405, None, b'{"error_code": 405, "message": "HTTP 405 Method Not Allowed"}', None),
        ("v1", "DELETE", "/topics/t", 404, None, ERR, "a framework 405 expected"),
        ("v1", "GET", "/no-such-path", 404, None, b'{"error_code": "404"}', "error_code"),
        # auth refusals: status declared, body not asserted (§8 U3)
        ("v1", "GET", "/topics", 401, "application/json", b'{"errorCode": 403, "errorMessage": "Unauthorized"}', None),
    ],
)  # fmt: skip
def test_validate_response(
    version: str, method: str, path: str, status: int, ctype: str | None, body: bytes, problem: str | None
) -> None:
    problems = contract.validate_response(version, method, path, status, ctype, body)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("version", contract.VERSIONS)
def test_schemathesis_loads_the_view_and_generates_canonical_base64(version: str) -> None:
    schema = schemathesis.openapi.from_dict(contract.version_view(version))
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert len(labels) == len(contract.operations(version))
    strategy = schema["/topics/{topic}"]["POST"].as_strategy()
    values: list[str] = []

    @given(case=strategy)
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def collect(case: Any) -> None:
        for record in case.body["records"]:
            values.extend(v for k, v in record.items() if k in ("key", "value") and isinstance(v, str))

    collect()
    assert values
    for value in values:
        assert base64.b64encode(base64.b64decode(value, validate=True)).decode() == value
    assert schema.as_state_machine() is not None  # links resolve


@given(st.binary(max_size=64))
def test_every_byte_string_encodes_to_a_valid_value(data: bytes) -> None:
    assert contract.errors("base64", base64.b64encode(data).decode()) == []
