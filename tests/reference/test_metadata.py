"""Metadata endpoints (contract.md §2.1 #1–5, #12–13; §2.2 #1–6, #20)."""

from __future__ import annotations

from reference.conftest import InProcess
from reference.support import V1_ACCEPT, V1_BIN, V2_ACCEPT, V2_BIN, b64


def test_v1_topics_topic_partitions_brokers_root(v1: InProcess) -> None:
    assert v1.get("/topics", headers=V1_ACCEPT).json() == ["conformance-p1", "conformance-p3"]
    topic = v1.get("/topics/conformance-p3", headers=V1_ACCEPT).json()
    assert topic["name"] == "conformance-p3" and isinstance(topic["configs"], dict)
    assert [p["partition"] for p in topic["partitions"]] == [0, 1, 2]
    replicas = topic["partitions"][0]["replicas"]
    assert replicas == [{"broker": 0, "leader": True, "in_sync": True}]
    assert len(v1.get("/topics/conformance-p3/partitions", headers=V1_ACCEPT).json()) == 3
    assert v1.get("/topics/conformance-p3/partitions/2", headers=V1_ACCEPT).json()["partition"] == 2
    assert v1.get("/brokers", headers=V1_ACCEPT).json() == {"brokers": [0]}
    root = v1.get("/", headers=V1_ACCEPT)
    assert (root.status_code, root.json(), root.headers["content-type"]) == (
        200,
        {},
        "application/vnd.kafka.v1+json",
    )


def test_v1_unknown_topic_and_partition(v1: InProcess) -> None:
    for path in ("/topics/nope", "/topics/nope/partitions", "/topics/nope/partitions/0"):
        r = v1.get(path, headers=V1_ACCEPT)
        assert (r.status_code, r.json()["error_code"]) == (404, 40401)
        assert r.headers["content-type"] == "application/vnd.kafka.v1+json"
    r = v1.get("/topics/conformance-p3/partitions/3", headers=V1_ACCEPT)
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)


def test_non_integer_partition_is_404_404_with_the_negotiated_type(v1: InProcess, v2: InProcess) -> None:
    r = v1.get("/topics/conformance-p3/partitions/abc", headers=V1_ACCEPT)
    assert (r.status_code, r.json(), r.headers["content-type"]) == (
        404,
        {"error_code": 404, "message": "HTTP 404 Not Found"},
        "application/vnd.kafka.v1+json",
    )
    r = v2.get("/topics/conformance-p3/partitions/abc", headers=V2_ACCEPT)
    assert (r.status_code, r.json()["error_code"]) == (404, 404)


def test_v2_unknown_topic_is_40403_as_on_7_5(v2: InProcess) -> None:
    for path in ("/topics/nope", "/topics/nope/partitions", "/topics/nope/partitions/0/offsets"):
        r = v2.get(path, headers=V2_ACCEPT)
        assert (r.status_code, r.json()["error_code"]) == (404, 40403)
    r = v2.get("/topics/conformance-p3/partitions/7/offsets", headers=V2_ACCEPT)
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)


def test_v2_partition_offsets_follow_the_log(v2: InProcess) -> None:
    path = "/topics/conformance-p1/partitions/0/offsets"
    assert v2.get(path, headers=V2_ACCEPT).json() == {"beginning_offset": 0, "end_offset": 0}
    body = {"records": [{"value": b64(b"x")}, {"value": b64(b"y")}]}
    assert v2.post("/topics/conformance-p1", json=body, headers=V2_BIN).status_code == 200
    assert v2.get(path, headers=V2_ACCEPT).json() == {"beginning_offset": 0, "end_offset": 2}


def test_framework_errors_have_a_json_body_and_no_content_type(v1: InProcess, v2: InProcess) -> None:
    for client, accept in ((v1, V1_ACCEPT), (v2, V2_ACCEPT)):
        unknown = client.get("/no-such-path", headers=accept)
        assert (unknown.status_code, unknown.json()["error_code"]) == (404, 404)
        assert "content-type" not in unknown.headers
        for method, path in (("PUT", "/topics"), ("DELETE", "/topics/conformance-p3")):
            r = client.request(method, path, headers=accept)
            assert (r.status_code, r.json()["error_code"]) == (405, 405)
            assert "content-type" not in r.headers


def test_v1_only_paths_are_unknown_on_v2(v2: InProcess) -> None:
    r = v2.get("/topics/conformance-p1/partitions/0/messages?offset=0", headers=V2_ACCEPT)
    assert r.status_code == 404 and "content-type" not in r.headers


def test_cap_drops_oldest_records_and_advances_log_start(make: object) -> None:
    client = make("v2", max_records_per_partition=3)  # type: ignore[operator]
    records = [{"value": b64(bytes([i]))} for i in range(5)]
    assert client.post("/topics/conformance-p1", json={"records": records}, headers=V2_BIN).status_code == 200
    offsets = client.get("/topics/conformance-p1/partitions/0/offsets", headers=V2_ACCEPT).json()
    assert offsets == {"beginning_offset": 2, "end_offset": 5}


def test_v1_cap_makes_dropped_offsets_out_of_range(make: object) -> None:
    client = make("v1", max_records_per_partition=2)  # type: ignore[operator]
    records = [{"value": b64(bytes([i]))} for i in range(4)]
    client.post("/topics/conformance-p1", json={"records": records}, headers=V1_BIN)
    old = client.get("/topics/conformance-p1/partitions/0/messages?offset=0", headers=V1_ACCEPT)
    assert (old.status_code, old.json()["error_code"]) == (500, 50002)
    kept = client.get("/topics/conformance-p1/partitions/0/messages?offset=2&count=5", headers=V1_ACCEPT)
    assert [r["offset"] for r in kept.json()] == [2, 3]


def test_byte_cap_drops_oldest_records_too(make: object) -> None:
    client = make("v2", max_bytes_per_partition=250)  # type: ignore[operator]
    records = [{"value": b64(bytes(100))} for _ in range(4)]
    assert client.post("/topics/conformance-p1", json={"records": records}, headers=V2_BIN).status_code == 200
    offsets = client.get("/topics/conformance-p1/partitions/0/offsets", headers=V2_ACCEPT).json()
    assert offsets == {"beginning_offset": 2, "end_offset": 4}
