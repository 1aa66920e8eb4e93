"""The auth checks against the reference server started with an API key, over real HTTP.

With the key declared every auth check passes (and the refusals really were refused, the right
key really accepted); without credentials each auth check is skipped with its reason. The key
appears in no recorded header, body, finding or curl line once redacted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.checks import auth
from conformance.checks.model import Check
from conformance.client import Credentials
from conformance.engine import Target, open_target, run_check
from conformance.reference.server import ReferenceConfig, serve_in_thread
from conformance.report.model import Outcome
from conformance.requirements import API_VERSIONS, ApiVersion

KEY = "conformance-test-key-5f1c"
CHECKS = list(auth.checks)


@pytest.fixture(scope="module", params=API_VERSIONS)
def protected(request: pytest.FixtureRequest) -> Iterator[Target]:
    version: ApiVersion = request.param
    with (
        serve_in_thread(ReferenceConfig(api_version=version, api_key=KEY)) as server,
        open_target(server.url, version, credentials=Credentials(api_key=KEY), seed=3) as target,
    ):
        yield target


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_passes_with_the_key(check: Check, protected: Target) -> None:
    result = run_check(check, protected)
    assert result.outcome is Outcome.PASS, f"{result.message}\n{[f.message() for f in result.findings]}"
    assert result.exchanges
    for exchange in result.exchanges:
        shown = exchange.request.redacted(protected.secrets)
        assert KEY not in repr(shown.headers) + shown.url + shown.curl()


def test_u2m_refuses_and_accepts_for_real(protected: Target) -> None:
    result = run_check(next(c for c in CHECKS if c.id == "AUTH-002"), protected)
    refused = [e for e in result.exchanges if e.label in (auth.MISSING, auth.WRONG)]
    signed = [e for e in result.exchanges if e.label not in (auth.MISSING, auth.WRONG)]
    assert {e.label for e in refused} == {auth.MISSING, auth.WRONG}
    assert all(e.status == 401 for e in refused)
    # every endpoint area was probed without credentials
    paths = {e.request.path.split("?")[0] for e in refused}
    assert any(p == "/topics" for p in paths)
    assert any(e.request.method == "POST" and e.request.path.startswith("/topics/") for e in refused)
    assert any(p.endswith(("/records", f"/topics/{protected.topic}")) and "/consumers/" in p for p in paths)
    assert any(e.request.method == "DELETE" for e in refused)
    # missing means no credential header at all; wrong means a made-up one
    assert all(e.request.header("x-auth-token") is None for e in refused if e.label == auth.MISSING)
    assert all(e.request.header("x-auth-token") not in (None, KEY) for e in refused if e.label == auth.WRONG)
    assert all(e.request.header("x-auth-token") == KEY for e in signed)
    assert all(e.status is not None and e.status < 300 for e in signed if e.label in ("produce", "records"))


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_skipped_without_credentials(check: Check, version: ApiVersion) -> None:
    with (
        serve_in_thread(ReferenceConfig(api_version=version)) as server,
        open_target(server.url, version) as target,
    ):
        result = run_check(check, target)
    assert result.outcome is Outcome.SKIP
    assert "credentials" in result.message
    assert not result.exchanges
