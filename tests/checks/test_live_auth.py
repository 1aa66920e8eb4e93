"""The auth checks against the reference server started with an API key, over real HTTP.

With the key declared every auth check passes (and the refusals really were refused, the right
key really accepted); without credentials each auth check is skipped with its reason. The key
appears in no recorded header, body, finding or curl line once redacted.
"""

from __future__ import annotations

import base64
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


NEAR_MISSES = (auth.EMPTY, auth.CUT_SHORT, auth.EXTENDED, auth.OTHER_CASE, auth.MISPLACED)


def test_near_misses_are_sent_everywhere_and_refused_for_real(protected: Target) -> None:
    result = run_check(next(c for c in CHECKS if c.id == "AUTH-006"), protected)
    assert result.outcome is Outcome.PASS, result.message
    by_label: dict[str, list[str]] = {}
    for e in result.exchanges:
        if e.label in NEAR_MISSES:
            by_label.setdefault(e.label, []).append(f"{e.request.method} {e.request.path}")
            assert e.status == 401, f"{e.label}: {e.request.method} {e.request.path} -> {e.status}"
    assert set(by_label) == set(NEAR_MISSES)
    # every variant reaches the same endpoints, consumer-instance paths included
    assert len({len(v) for v in by_label.values()}) == 1
    assert any("/instances/" in p for p in by_label[auth.OTHER_CASE])
    sent = {e.label: e.request for e in result.exchanges if e.label in NEAR_MISSES}
    assert sent[auth.EMPTY].header("x-auth-token") == ""
    assert sent[auth.CUT_SHORT].header("x-auth-token") == KEY[:-1]
    assert sent[auth.EXTENDED].header("x-auth-token") == KEY + "0"
    assert sent[auth.OTHER_CASE].header("x-auth-token") == KEY.swapcase()
    assert sent[auth.MISPLACED].header("x-auth-token") is None
    assert sent[auth.MISPLACED].header(auth.MISPLACED_HEADER) == KEY
    # near misses give the secret away almost whole: none may show in a report
    for request in sent.values():
        shown = request.redacted(protected.secrets)
        text = repr(shown.headers) + shown.curl()
        assert KEY[:-1] not in text and KEY.swapcase() not in text


@pytest.mark.parametrize(
    ("creds", "header", "declared"),
    [
        (Credentials(bearer="tok-Ab12"), "Authorization", "Bearer tok-Ab12"),
        (Credentials(basic="user:pass-Q9"), "Authorization", "Basic dXNlcjpwYXNzLVE5"),
    ],
)
def test_near_misses_follow_the_declared_kind(creds: Credentials, header: str, declared: str) -> None:
    variants = dict(auth.near_miss_variants(creds))
    assert set(variants) == set(NEAR_MISSES)
    values = {label: headers.get(header) for label, headers in variants.items()}
    assert values[auth.MISPLACED] is None and variants[auth.MISPLACED] == {auth.MISPLACED_HEADER: declared}
    assert len({v for v in values.values() if v is not None} | {declared}) == len(NEAR_MISSES)
    if creds.bearer:
        assert values[auth.EMPTY] == "Bearer"  # no trailing whitespace: h11 refuses it
        assert values[auth.OTHER_CASE] == "Bearer TOK-aB12"
    else:
        # Basic: the edges apply to the password, the user name stays
        decoded = {k: base64.b64decode(v.split()[1]).decode() for k, v in values.items() if v}
        assert decoded[auth.CUT_SHORT] == "user:pass-Q" and decoded[auth.EMPTY] == "user:"


def test_caseless_or_one_character_secrets_skip_the_edges_they_cannot_show() -> None:
    labels = [label for label, _ in auth.near_miss_variants(Credentials(api_key="7"))]
    assert auth.OTHER_CASE not in labels and auth.CUT_SHORT not in labels
    assert auth.EMPTY in labels and auth.EXTENDED in labels and auth.MISPLACED in labels
