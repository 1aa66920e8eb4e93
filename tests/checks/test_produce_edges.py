"""PROD-032 (a batch spread over partitions) and PROD-033 (records at and just over 1 MiB) over
real HTTP against the reference, plus the judge of a refused batch that §8 only records.

The reference accepts a record of exactly 1 MiB of key and value bytes and refuses 1 MiB + 1
per record with 50002 in a 200 answer (the Java producer's max.request.size, §4.6); §8 fixes no
outcome for either, so PROD-033 records them and fails only on lost or misreported neighbours
(P4) and on error answers without the error model (E1, E4)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conformance.checks import produce as prod
from conformance.checks.api import b64
from conformance.checks.registry import by_id
from conformance.engine import Target, open_target, run_check
from conformance.exchange import Exchange, Request, Response
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import API_VERSIONS, ApiVersion


@pytest.fixture(scope="module", params=API_VERSIONS)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    version: ApiVersion = request.param
    with (
        serve_in_thread(ReferenceConfig(api_version=version)) as server,
        open_target(server.url, version, seed=3) as target,
    ):
        yield target


def test_spread_batch_passes_and_really_spreads(target: Target) -> None:
    result = run_check(by_id("PROD-032"), target)
    assert result.outcome is Outcome.PASS, result.message
    produce = result.exchanges[0]
    partitions = [e["partition"] for e in json.loads(produce.response.body)["offsets"]]  # type: ignore[union-attr]
    assert len(set(partitions)) >= 2 and len(partitions) == 10
    assert any(e.label != "produce" for e in result.exchanges), "the records were read back"


def test_size_limits_record_both_edges_and_read_the_neighbours_back(target: Target) -> None:
    result = run_check(by_id("PROD-033"), target)
    assert result.outcome is Outcome.PASS, result.message
    edges = [o for o in result.observations if o.startswith("§4.6 big record")]
    assert len(edges) == 2
    assert "'error_code': None" in edges[0] and "'error_code': 50002" in edges[1]
    big = [e for e in result.exchanges if e.request.body is not None and len(e.request.body) > prod.ONE_MIB]
    assert len(big) == 2, "one request per edge, no more (big bodies are slow)"


def _produce(status: int, values: list[bytes], body: bytes) -> Exchange:
    records = {"records": [{"value": b64(v)} for v in values]}
    return Exchange(
        Request.build("POST", "/topics/t", {"content-type": "application/vnd.kafka.binary.v2+json"},
                      json.dumps(records).encode()),
        Response.build(status, {"content-type": "text/html"}, body),
    )  # fmt: skip


def _read(values: list[bytes]) -> Exchange:
    body = [
        {"topic": "t", "key": None, "value": b64(v), "partition": 0, "offset": i}
        for i, v in enumerate(values)
    ]
    return Exchange(
        Request.build("GET", "/consumers/g/instances/i/records", {"accept": "application/vnd.kafka.binary.v2+json"}),
        Response.build(200, {"content-type": "application/vnd.kafka.binary.v2+json"}, json.dumps(body).encode()),
        label="read back",
    )  # fmt: skip


def test_a_refused_batch_that_wrote_records_is_a_warning_never_a_failure() -> None:
    refused = _produce(413, [b"before", b"x" * 10, b"after"], b"<html>413</html>")
    j = prod.judge_refusals_wrote_nothing([refused], [_read([b"other", b"before"])])
    assert j.passed and any(o.startswith("WARNING §3.4") and "[0]" in o for o in j.observations)
    said = _produce(422, [b"before", b"x" * 10, b"after"], b"")
    entries = [
        {"partition": 0, "offset": 1},
        {"error_code": 1, "error": "too large"},
        {"partition": 0, "offset": 2},
    ]
    said = Exchange(
        said.request,
        Response.build(422, {"content-type": "application/json"}, json.dumps({"offsets": entries}).encode()),
    )
    reported = prod.judge_refusals_wrote_nothing([said], [_read([b"other", b"before", b"after"])])
    assert not any(o.startswith("WARNING") for o in reported.observations)  # its entries say which
    clean = prod.judge_refusals_wrote_nothing([refused], [_read([b"other"])])
    assert clean.passed and clean.observations == [
        "§3.4: the refused batch wrote none of its records (413 text/html)"
    ]


def test_size_judge_fails_a_refusal_without_the_error_model() -> None:
    refused = _produce(413, [b"a", b"b" * (prod.ONE_MIB + 1), b"c"], b"<html>413</html>")
    j = prod.judge_size_limits([refused], [])
    assert "an error body {error_code, message} with a JSON Content-Type" in "\n".join(
        f.message() for f in j.findings
    )


@pytest.mark.parametrize("version", API_VERSIONS)
def test_a_front_proxy_413_fails_e1_and_is_checked_for_partial_writes(version: ApiVersion) -> None:
    config = ReferenceConfig(api_version=version, faults=frozenset({"produce-front-proxy-413-html"}))
    with serve_in_thread(config) as server, open_target(server.url, version, seed=3) as target:
        result = run_check(by_id("PROD-033"), target)
    assert result.outcome is Outcome.FAIL and "413 text/html" in result.message
    assert "§3.4: the refused batch wrote none of its records (413 text/html)" in result.observations
