"""API-key auth (contract.md §6, §8.11): X-Auth-Token on every request; 401 with a JSON body."""

from __future__ import annotations

import pytest

from reference.conftest import ContractRecorder, InProcess
from reference.support import V1_ACCEPT, V1_BIN, V1_READ

KEY = "k3y-that-must-not-leak"


@pytest.fixture(autouse=True)
def _auth_bodies(recorder: ContractRecorder) -> None:
    # openapi.yaml declares 401 without content (§8 U3: the body is not asserted), and its
    # validator then wants an empty body; issue 3 asks for the JSON error body. Reported to the
    # contract owner; exempted here with this reason.
    recorder.allow(None, None, 401, "401 body not declared in openapi.yaml (§8 U3)")


PROBES = [
    ("GET", "/", None),
    ("GET", "/topics", None),
    ("GET", "/topics/conformance-p3", None),
    ("GET", "/topics/conformance-p3/partitions/0", None),
    ("POST", "/topics/conformance-p1", {"records": [{"value": "eA=="}]}),
    ("GET", "/topics/conformance-p1/partitions/0/messages?offset=0", None),
    ("POST", "/consumers/g", {}),
    ("GET", "/no-such-path", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PROBES)
@pytest.mark.parametrize("token", [None, "wrong", KEY.upper()])
def test_missing_or_wrong_token_is_401_json(
    make: object, method: str, path: str, body: object, token: str | None
) -> None:
    client: InProcess = make("v1", api_key=KEY)  # type: ignore[operator]
    headers = {**V1_BIN, **({"X-Auth-Token": token} if token else {})}
    r = client.request(method, path, json=body, headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/vnd.kafka.v1+json"
    assert r.json()["error_code"] == 40101 and isinstance(r.json()["message"], str)
    assert KEY not in r.text and (token is None or token not in r.text)


def test_refused_produce_writes_nothing(make: object) -> None:
    client: InProcess = make("v1", api_key=KEY)  # type: ignore[operator]
    client.post("/topics/conformance-p1", json={"records": [{"value": "eA=="}]}, headers=V1_BIN)
    r = client.get(
        "/topics/conformance-p1/partitions/0/messages?offset=0", headers={**V1_READ, "X-Auth-Token": KEY}
    )
    assert r.json() == []


def test_right_token_is_served(make: object) -> None:
    client: InProcess = make("v2", api_key=KEY)  # type: ignore[operator]
    r = client.get("/topics", headers={"Accept": "application/vnd.kafka.v2+json", "X-Auth-Token": KEY})
    assert r.status_code == 200 and "conformance-p1" in r.json()


def test_no_key_means_no_auth(v1: InProcess) -> None:
    assert v1.get("/topics", headers=V1_ACCEPT).status_code == 200
