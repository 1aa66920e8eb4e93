"""The fault registry and the first faults (issue 10 builds on this)."""

from __future__ import annotations

import types

import pytest

from conformance.reference import faults
from conformance.reference.faults import Fault, Hooks
from conformance.requirements import rows
from reference.conftest import InProcess
from reference.support import V1_ACCEPT, V1_BIN, V1_READ, V2_ACCEPT, V2_BIN, V2_JSON, b64


def test_registry_loads_every_area_and_ids_are_unique() -> None:
    catalogue = faults.registry()
    assert len(catalogue) >= 6
    assert {f.area for f in catalogue.values()} <= set(faults.AREA_MODULES)
    known_rows = set(rows())
    for fault in catalogue.values():
        assert fault.description and fault.rows
        assert set(fault.rows) <= known_rows, fault.id


def test_duplicate_ids_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    dup = Fault("produce-offset-off-by-one", "metadata", "dup", faults.BOTH, ("M1",))
    fake = types.SimpleNamespace(FAULTS=(dup,))
    real = faults.importlib.import_module

    def fake_import(name: str) -> object:
        return fake if name.endswith(".metadata") else real(name)

    monkeypatch.setattr(faults.importlib, "import_module", fake_import)
    faults.registry.cache_clear()
    try:
        with pytest.raises(ValueError, match="duplicate fault id"):
            faults.registry()
    finally:
        faults.registry.cache_clear()


def test_unknown_ids_and_hook_points_are_refused() -> None:
    with pytest.raises(faults.UnknownFault):
        faults.resolve(["no-such-fault"])
    with pytest.raises(ValueError, match="unknown hook point"):
        Fault("x", "produce", "d", faults.BOTH, ("P1",), hooks={"nope": print})
    with pytest.raises(KeyError):
        Hooks.of(()).switch("not-a-switch")


def test_produce_offset_off_by_one(make: object) -> None:
    client: InProcess = make("v1", faults=frozenset({"produce-offset-off-by-one"}))  # type: ignore[operator]
    r = client.post("/topics/conformance-p1", json={"records": [{"value": b64(b"a")}]}, headers=V1_BIN)
    assert r.json()["offsets"][0]["offset"] == 1  # written at 0


def test_produce_offset_shift_third_record_is_subtle(make: object) -> None:
    client: InProcess = make("v2", faults=frozenset({"produce-offset-shift-third-record"}))  # type: ignore[operator]
    two = client.post("/topics/conformance-p1", json={"records": [{"value": "eA=="}] * 2}, headers=V2_BIN)
    assert [e["offset"] for e in two.json()["offsets"]] == [0, 1]
    four = client.post("/topics/conformance-p1", json={"records": [{"value": "eA=="}] * 4}, headers=V2_BIN)
    assert [e["offset"] for e in four.json()["offsets"]] == [2, 3, 5, 6]


def test_commit_stores_offset(make: object) -> None:
    client: InProcess = make("v2", faults=frozenset({"consumers-commit-stores-offset"}))  # type: ignore[operator]
    base = (
        "/consumers/g/instances/"
        + client.post("/consumers/g", json={}, headers=V2_JSON).json()["instance_id"]
    )
    client.post(
        f"{base}/assignments",
        json={"partitions": [{"topic": "conformance-p1", "partition": 0}]},
        headers=V2_JSON,
    )
    commit = {"offsets": [{"topic": "conformance-p1", "partition": 0, "offset": 5}]}
    client.post(f"{base}/offsets", json=commit, headers=V2_JSON)
    query = {"partitions": [{"topic": "conformance-p1", "partition": 0}]}
    assert (
        client.request("GET", f"{base}/offsets", json=query, headers=V2_JSON).json()["offsets"][0]["offset"]
        == 5
    )


def test_metadata_unknown_topic_200(make: object) -> None:
    client: InProcess = make("v2", faults=frozenset({"metadata-unknown-topic-200"}))  # type: ignore[operator]
    r = client.get("/topics/nope", headers=V2_ACCEPT)
    assert (r.status_code, r.json()["name"]) == (200, "nope")


def test_unsupported_accept_answered(make: object) -> None:
    client: InProcess = make("v1", faults=frozenset({"negotiation-unsupported-accept-answered"}))  # type: ignore[operator]
    assert client.get("/topics", headers={"Accept": "text/plain"}).status_code == 200


def test_auth_token_not_enforced(make: object) -> None:
    client: InProcess = make("v1", api_key="k", faults=frozenset({"auth-token-not-enforced"}))  # type: ignore[operator]
    assert client.get("/topics", headers=V1_ACCEPT).status_code == 200


def test_strimzi_null_value(make: object) -> None:
    client: InProcess = make("v1", faults=frozenset({"strimzi-null-value-stored-as-text"}))  # type: ignore[operator]
    client.post("/topics/conformance-p1", json={"records": [{"value": None}]}, headers=V1_BIN)
    r = client.get("/topics/conformance-p1/partitions/0/messages?offset=0", headers=V1_READ)
    assert r.json()[0]["value"] == "null"  # the 3 bytes 9e e9 65, as Strimzi reads them back
