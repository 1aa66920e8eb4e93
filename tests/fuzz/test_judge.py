"""The response judge's grading: each problem at the §8 level of the row it breaks, for the version."""

from __future__ import annotations

import json

import pytest

from conformance.exchange import Exchange, Request, Response
from conformance.fuzz.judge import judge_response, request_outside_view
from conformance.requirements import ApiVersion, Level

MEDIA = {"v1": "application/vnd.kafka.v1+json", "v2": "application/vnd.kafka.v2+json"}
BINARY = {"v1": "application/vnd.kafka.binary.v1+json", "v2": "application/vnd.kafka.binary.v2+json"}


def produce(
    version: ApiVersion, body: object, *, accept: str | None = None, label: str | None = None
) -> Exchange:
    headers = {"Content-Type": BINARY[version], "Accept": accept or MEDIA[version]}
    request = Request.build("POST", "http://target/topics/t", headers, b'{"records":[{"value":"AA=="}]}')
    response = Response.build(200, {"Content-Type": label or MEDIA[version]}, json.dumps(body).encode())
    return Exchange(request, response)


BARE = {"offsets": [{"partition": 0, "offset": 5}]}  # what Karapace and Strimzi answer (P2 keys left out)
FULL = {
    "offsets": [{"partition": 0, "offset": 5, "error_code": None, "error": None}],
    "key_schema_id": None,
    "value_schema_id": None,
}


def test_missing_p2_keys_fail_a_v1_produce_at_must() -> None:
    verdict = judge_response("v1", produce("v1", BARE), level=Level.MUST)
    assert not verdict.passed
    assert "P2" in verdict.findings[0].expected


def test_missing_p2_keys_are_a_should_observation_on_a_v2_produce() -> None:
    verdict = judge_response("v2", produce("v2", BARE), level=Level.MUST)
    assert verdict.passed
    assert any(o.startswith("SHOULD-level (produce_keys)") for o in verdict.observations)
    assert not judge_response("v2", produce("v2", BARE), level=Level.SHOULD).passed


def test_a_missing_must_key_still_fails_a_v2_produce_at_must() -> None:
    verdict = judge_response("v2", produce("v2", {"offsets": [{"partition": 0}]}), level=Level.MUST)
    assert not verdict.passed and "offset" in verdict.findings[0].got


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_full_produce_answer_passes(version: ApiVersion) -> None:
    assert judge_response(version, produce(version, FULL)).passed


def test_an_echoed_accept_label_passes_but_its_body_is_still_judged() -> None:
    asked = "application/vnd.kafka.v2+json"  # 5.5 answers a v1 path with the v2 type it was asked for
    assert judge_response("v1", produce("v1", FULL, accept=asked, label=asked)).passed
    assert not judge_response("v1", produce("v1", {"offsets": "x"}, accept=asked, label=asked)).passed
    assert not judge_response("v1", produce("v1", FULL, label=asked)).passed  # not asked for: undeclared


def test_a_wildcard_accept_is_not_an_echo() -> None:
    assert not judge_response(
        "v1", produce("v1", FULL, accept="application/*", label="application/vnd.foo+json")
    ).passed


def test_requests_outside_the_view() -> None:
    get = Request.build("GET", "http://target/topics", {"Content-Type": "text/plain"})
    assert "takes no body" in (request_outside_view("v1", Exchange(get, None)) or "")
    v2_body = Request.build("POST", "http://target/topics/t", {"Content-Type": BINARY["v2"]}, b"{}")
    assert "does not declare" in (request_outside_view("v1", Exchange(v2_body, None)) or "")
    assert request_outside_view("v2", Exchange(v2_body, None)) is None
