"""The metadata, produce, v1-read and errors checks against the reference server, over real HTTP on loopback: every check passes
on the clean reference for each API version it applies to (hazardous probes included: the
reference answers them at once), sends requests, and INFO checks record what they saw."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.checks import error_model, metadata, produce, v1_read
from conformance.checks.model import Check
from conformance.engine import Target, open_target, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import API_VERSIONS, ApiVersion, Level

CHECKS = [c for area in (metadata, produce, v1_read, error_model) for c in area.checks]
# Checks the clean reference fails on purpose, with the reason.
KNOWN: dict[tuple[str, ApiVersion], str] = {
    ("PROD-026", "v1"): "V8s wants 2.0's 422/422 for a negative partition; the reference answers "
    "500/500 as Confluent 5.5 does (SHOULD, never fatal)",
}


@pytest.fixture(scope="module", params=API_VERSIONS)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    version: ApiVersion = request.param
    with (
        serve_in_thread(ReferenceConfig(api_version=version)) as server,
        open_target(server.url, version, seed=5, probe_unknown_topic_produce=True) as target,
    ):
        yield target


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_passes_on_the_reference(check: Check, target: Target) -> None:
    result = run_check(check, target)
    if not check.requirement.applies_to(target.version):
        assert result.outcome is Outcome.SKIP
        return
    known = KNOWN.get((check.id, target.version))
    if known:
        assert result.outcome is Outcome.FAIL, known
        pytest.xfail(known)
    assert result.outcome is Outcome.PASS, f"{result.message}\n{[f.message() for f in result.findings]}"
    assert result.exchanges, "a check that sends nothing judges nothing"
    if check.requirement.level(target.version) is Level.INFO:
        assert result.observations, "an INFO check records what it saw"
