"""The negotiation and O1 checks against the reference server, over real HTTP on loopback.

Every check passes on the clean reference for each API version it applies to, and the "no
Accept" probes really send no Accept header: checked on the `httpx.Request` that reached the
transport, not only on the recorded `Exchange`.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance import contract
from conformance.checks import negotiation, other
from conformance.checks.model import Check
from conformance.client import TargetClient
from conformance.engine import Target, open_target, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import API_VERSIONS, ApiVersion

CHECKS = [*negotiation.checks, *other.checks]


@pytest.fixture(scope="module", params=API_VERSIONS)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    version: ApiVersion = request.param
    with (
        serve_in_thread(ReferenceConfig(api_version=version)) as server,
        open_target(server.url, version, seed=7) as target,
    ):
        yield target


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_passes_on_the_reference(check: Check, target: Target) -> None:
    result = run_check(check, target)
    if not check.requirement.applies_to(target.version):
        assert result.outcome is Outcome.SKIP
        return
    assert result.outcome is Outcome.PASS, f"{result.message}\n{[f.message() for f in result.findings]}"
    assert result.exchanges or check.id == "NEG-009", "a check that sends nothing judges nothing"


def test_info_checks_record_observations(target: Target) -> None:
    for check in CHECKS:
        if check.requirement.level(target.version) is not None and check.requirement.rows[0] in (
            "N5",
            "N8",
            "A5",
            "A9",
            "O1",
        ):
            result = run_check(check, target)
            assert result.outcome is Outcome.PASS and result.observations, check.id


# -- "no Accept" means no Accept on the wire -------------------------------------------------------


class Wire:
    """A transport that answers like a permissive server and keeps every httpx.Request sent."""

    def __init__(self, version: ApiVersion) -> None:
        self.version = version
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path
        json_type = {"content-type": "application/json"}
        if path.endswith("/records") or "/messages" in path:
            return httpx.Response(200, headers=json_type, content=b"[]")
        if request.method == "POST" and path.startswith("/consumers/") and "/instances/" not in path:
            return httpx.Response(200, headers=json_type, json={"instance_id": "i", "base_uri": "http://x/i"})
        if request.method == "POST" and path.startswith("/topics/"):
            return httpx.Response(200, headers=json_type, json={"offsets": [{"partition": 0, "offset": 5}]})
        if request.method in ("DELETE",) or path.endswith(("/assignments", "/positions")):
            return httpx.Response(204)
        return httpx.Response(200, headers=json_type, content=b'["conformance-p3"]')


@pytest.mark.parametrize(
    ("version", "check_id"), [("v1", "NEG-011"), ("v1", "NEG-012"), ("v2", "NEG-016"), ("v2", "NEG-020")]
)
def test_no_accept_probe_sends_no_accept_header(version: ApiVersion, check_id: str) -> None:
    wire = Wire(version)
    client = TargetClient("http://conformance.invalid", transport=httpx.MockTransport(wire))
    target = Target(client, version, "conformance-p3", "conformance-p1", {"conformance-p3": 3}, "run")
    check = next(c for c in negotiation.checks if c.id == check_id)
    result = run_check(check, target)
    bare = [e for e in result.exchanges if e.request.header("accept") is None]
    assert bare, "the probe made no request without Accept"
    on_wire = [r for r in wire.sent if "accept" not in r.headers]
    assert len(on_wire) == len(bare)
    assert {(r.method, r.url.path) for r in on_wire} == {
        (e.request.method, httpx.URL(e.request.url).path) for e in bare
    }
    # and the curl reproduction removes curl's own Accept too
    assert "-H Accept: " in bare[0].request.curl()


@pytest.mark.parametrize("version", API_VERSIONS)
def test_every_body_operation_of_the_spec_has_a_sender(version: ApiVersion) -> None:
    declared = negotiation.body_operations(version)
    assert declared and set(declared) <= set(negotiation.BODY_SENDERS)
    union = set(negotiation.body_operations("v1")) | set(negotiation.body_operations("v2"))
    assert union == set(negotiation.BODY_SENDERS), "a sender for an operation the spec does not have"


def test_charset_round_reaches_every_body_operation(target: Target) -> None:
    result = run_check(next(c for c in CHECKS if c.id == "NEG-024"), target)
    assert result.outcome is Outcome.PASS, result.message
    parameterised = [
        e for e in result.exchanges if (e.request.header("content-type") or "").endswith("charset=utf-8")
    ]
    reached = set()
    for exchange in parameterised:
        op = contract.find_operation(target.version, exchange.request.method, exchange.request.path)
        assert op is not None
        reached.add(op.operation_id)
        assert exchange.status in (200, 204), f"{op.operation_id}: {exchange.status}"
    assert reached == set(negotiation.body_operations(target.version))
    assert len(result.observations) == len(parameterised)
