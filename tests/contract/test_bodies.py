"""Hand-picked bodies from contract.md validate; wrong ones are rejected for the right reason."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import contract

OK = {"partition": 2, "offset": 0, "error_code": None, "error": None}
FAILED = {
    "partition": None,
    "offset": None,
    "error_code": 50003,
    "error": "Topic t not present in metadata after 60000 ms.",
}

VALID: list[tuple[str, Any]] = [
    # §3.4: a v1 produce response with a failed record, as 5.5 sent it
    ("produce-response", {"offsets": [FAILED], "key_schema_id": None, "value_schema_id": None}),
    ("produce-response", {"offsets": [OK, FAILED], "key_schema_id": None, "value_schema_id": None}),
    # §3.1: error bodies
    ("error", {"error_code": 40401, "message": "Topic not found."}),
    ("error", {"error_code": 404, "message": "HTTP 404 Not Found", "stack_trace": "debug=true"}),
    # §4.2: null key, tombstone, empty bytes
    ("produce-request-topic", {"records": [{"key": None, "value": None}, {"value": None}, {}]}),
    ("produce-request-topic", {"records": [{"key": "", "value": ""}, {"partition": 0, "value": "aGVsbG8="}]}),
    ("produce-request-partition", {"records": [{"key": "AAEC/w==", "value": "aGk="}]}),
    # §2.1 schemas: 2.0 records have no `topic`, 5.5 records do
    ("consumer-record-v1", {"key": None, "value": "aGVsbG8=", "partition": 0, "offset": 4}),
    ("consumer-record-v1", {"topic": "t", "key": None, "value": None, "partition": 0, "offset": 4}),
    (
        "consumer-record-v2",
        {"topic": "t", "key": "", "value": "aGVsbG8=", "partition": 1, "offset": 0, "timestamp": 1},
    ),
    (
        "consumer-create-request-v1",
        {"id": "c1", "name": "c2", "format": "BINARY", "auto.offset.reset": "smallest"},
    ),
    ("consumer-create-request-v2", {"name": "c1", "format": "binary", "auto.offset.reset": "none"}),
    ("consumer-create-response", {"instance_id": "c1", "base_uri": "http://h:8082/consumers/g/instances/c1"}),
    ("commit-response-v1", [{"topic": "t", "partition": 0, "consumed": 31, "committed": 31}]),
    ("commit-response-v2", []),
    ("commit-request-v2", {"offsets": [{"topic": "t", "partition": 0, "offset": 4, "metadata": "m"}]}),
    ("subscription-request", {"topics": []}),
    ("subscription-request", {"topic_pattern": "t.*"}),
    ("offsets-response", {"offsets": [{"topic": "t", "partition": 0, "offset": 272, "metadata": ""}]}),
    ("partition-offsets", {"beginning_offset": 0, "end_offset": 0}),
    ("topic", {"name": "t", "configs": {"retention.ms": "1"}, "partitions": []}),
]

INVALID: list[tuple[str, Any, str]] = [
    # §4.1: keys and values are canonical base64
    ("produce-request-topic", {"records": [{"value": "!!!!"}]}, "/records/0/value"),
    ("produce-request-topic", {"records": [{"value": "aGVsbG8"}]}, "/records/0/value"),  # missing padding
    ("produce-request-topic", {"records": [{"key": "aGVsbG8=="}]}, "/records/0/key"),  # extra padding
    (
        "consumer-record-v2",
        {"topic": "t", "key": "myKey", "value": None, "partition": 0, "offset": 0},
        "/key",
    ),
    # §2.1 schemas: `offsets` is required
    (
        "produce-response",
        {"key_schema_id": None, "value_schema_id": None},
        "'offsets' is a required property",
    ),
    # §3.1: error_code is an integer
    ("error", {"error_code": "40401", "message": "Topic not found."}, "/error_code"),
    # §8 S3: a v1 record needs its offset
    ("consumer-record-v1", {"key": None, "value": "aGk=", "partition": 0}, "'offset' is a required property"),
    # §3.4: all four per-record keys, consistent
    ("produce-result", {"partition": 0, "offset": 1}, "'error_code' is a required property"),
    (
        "produce-result",
        {"partition": 0, "offset": None, "error_code": None, "error": None},
        "not valid under any",
    ),
    # §4.8: empty records, unknown fields
    ("produce-request-topic", {"records": []}, "/records"),
    ("produce-request-topic", {"records": [{"value": "aGk=", "headers": []}]}, "headers"),
    ("produce-request-partition", {"records": [{"partition": 0, "value": "aGk="}]}, "partition"),
    ("consumer-create-request-v1", {"auto.offset.reset": "earliest"}, "/auto.offset.reset"),
    ("consumer-create-request-v2", {"auto.offset.reset": "smallest"}, "/auto.offset.reset"),
    ("consumer-create-request-v2", {"format": "json"}, "/format"),  # outside the binary subset
    ("commit-request-v2", {}, "'offsets' is a required property"),
    ("commit-response-v2", [{"topic": "t"}], "/"),
    ("subscription-request", {"topics": ["t"], "topic_pattern": "t"}, "/"),
]


@pytest.mark.parametrize(("name", "body"), VALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VALID)])
def test_contract_bodies_validate(name: str, body: Any) -> None:
    assert contract.errors(name, body) == []


@pytest.mark.parametrize(
    ("name", "body", "reason"), INVALID, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(INVALID)]
)
def test_wrong_bodies_are_rejected_for_the_right_reason(name: str, body: Any, reason: str) -> None:
    problems = contract.errors(name, body)
    assert problems, f"{name} accepted {body!r}"
    assert any(reason in p for p in problems), problems


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("", True),
        ("aGVsbG8=", True),
        ("AAEC/w==", True),
        ("aGVsbG8", False),  # 7.5 accepts it, 5.5 silently drops the last quartet (§4.1)
        ("aGVsbG8==", False),
        ("aGVs bG8=", False),
        ("aGVsbG8=\n", False),
        ("-_-_", False),
        ("aGVsbG9=", False),  # non-zero padding bits: decodes, but does not re-encode to itself
        ("a", False),
    ],
)
def test_byte_format_requires_canonical_base64(value: str, canonical: bool) -> None:
    checker = contract.format_checker()
    assert checker.conforms(value, "byte") is canonical
    assert (contract.errors("base64", value) == []) is canonical


def test_unknown_schema_name_is_a_contract_file_error() -> None:
    from conformance.errors import ContractFileError

    with pytest.raises(ContractFileError, match="no-such"):
        contract.validator("no-such")


def test_validators_are_loaded_once() -> None:
    assert contract.validator("error") is contract.validator("error")
    assert contract.spec() is contract.spec()
