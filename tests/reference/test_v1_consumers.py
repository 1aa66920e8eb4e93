"""v1 read by offset and v1 consumer instances (contract.md §2.1 #7–11, §4.4, §4.5, §8.8, §8.9)."""

from __future__ import annotations

import time

import pytest

from reference.conftest import InProcess
from reference.support import V1_ACCEPT, V1_BIN, V1_READ, b64, unb64

TOPIC = "conformance-p1"
MESSAGES = f"/topics/{TOPIC}/partitions/0/messages"


def _fill(client: InProcess, values: list[bytes], topic: str = TOPIC) -> list[int]:
    body = {"records": [{"value": b64(v)} for v in values]}
    r = client.post(f"/topics/{topic}", json=body, headers=V1_BIN)
    return [e["offset"] for e in r.json()["offsets"]]


def test_read_by_offset(v1: InProcess) -> None:
    _fill(v1, [b"a", b"b", b"c", b"d"])
    assert [r["value"] for r in v1.get(f"{MESSAGES}?offset=1", headers=V1_READ).json()] == [b64(b"b")]
    three = v1.get(f"{MESSAGES}?offset=1&count=3", headers=V1_READ).json()
    assert [(r["offset"], unb64(r["value"])) for r in three] == [(1, b"b"), (2, b"c"), (3, b"d")]
    assert len(v1.get(f"{MESSAGES}?offset=0&count=1000", headers=V1_READ).json()) == 4
    assert v1.get(f"{MESSAGES}?offset=4", headers=V1_READ).json() == []


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?offset=104", 500, 50002),
        ("?offset=-1", 500, 50002),
        ("", 400, 400),
        ("?offset=abc", 404, 404),
        ("?offset=0&count=abc", 404, 404),
    ],
)
def test_read_by_offset_errors(v1: InProcess, query: str, status: int, code: int) -> None:
    _fill(v1, [b"a"])
    r = v1.get(MESSAGES + query, headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (status, code)
    assert r.headers["content-type"] == "application/vnd.kafka.binary.v1+json"


def test_read_unknown_topic_partition(v1: InProcess) -> None:
    r = v1.get("/topics/nope/partitions/0/messages?offset=0", headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (404, 40401)
    r = v1.get(f"/topics/{TOPIC}/partitions/5/messages?offset=0", headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)


def _create(client: InProcess, group: str, body: object) -> dict:
    r = client.post(f"/consumers/{group}", json=body, headers=V1_BIN)
    assert r.status_code == 200, r.text
    return r.json()


def _read_until(client: InProcess, base: str, topic: str, want: int) -> list[dict]:
    got: list[dict] = []
    for _ in range(10):
        r = client.get(f"{base}/topics/{topic}", headers=V1_READ)
        assert r.status_code == 200, r.text
        got += r.json()
        if len(got) >= want:
            break
    return got


def test_create_read_commit_delete_resume(v1: InProcess) -> None:
    _fill(v1, [b"r0", b"r1", b"r2"])
    created = _create(v1, "g1", {"name": "a", "format": "binary", "auto.offset.reset": "smallest"})
    assert created["instance_id"] == "a"
    assert created["base_uri"] == "http://reference.test/consumers/g1/instances/a"
    base = "/consumers/g1/instances/a"
    records = _read_until(v1, base, TOPIC, 3)
    assert [unb64(r["value"]) for r in records] == [b"r0", b"r1", b"r2"]
    assert v1.get(f"{base}/topics/{TOPIC}", headers=V1_READ).json() == []
    commit = v1.post(f"{base}/offsets", headers=V1_BIN)
    assert commit.json() == [{"topic": TOPIC, "partition": 0, "consumed": 2, "committed": 2}]
    deleted = v1.delete(base, headers=V1_ACCEPT)
    assert (deleted.status_code, deleted.content) == (204, b"")
    for r in (
        v1.delete(base, headers=V1_ACCEPT),
        v1.get(f"{base}/topics/{TOPIC}", headers=V1_READ),
        v1.post(f"{base}/offsets", headers=V1_BIN),
    ):
        assert (r.status_code, r.json()["error_code"]) == (404, 40403)
    _fill(v1, [b"r3"])
    _create(v1, "g1", {"name": "b", "auto.offset.reset": "smallest"})
    resumed = _read_until(v1, "/consumers/g1/instances/b", TOPIC, 1)
    assert [r["offset"] for r in resumed] == [3]


def test_default_reset_is_largest(v1: InProcess) -> None:
    _fill(v1, [b"old"])
    created = _create(v1, "fresh", {})
    assert created["instance_id"].startswith("rest-consumer-")
    base = "/consumers/fresh/instances/" + created["instance_id"]
    assert v1.get(f"{base}/topics/{TOPIC}", headers=V1_READ).json() == []
    _fill(v1, [b"new"])
    assert [unb64(r["value"]) for r in _read_until(v1, base, TOPIC, 1)] == [b"new"]


def test_creation_rules(v1: InProcess) -> None:
    assert _create(v1, "g", {"id": "x1", "name": "y1"})["instance_id"] == "x1"  # deprecated id wins
    assert _create(v1, "g", {"format": "BINARY"})["instance_id"]
    assert v1.post("/consumers/g", content=b"", headers=V1_BIN).status_code == 200
    duplicate = v1.post("/consumers/g", json={"name": "x1"}, headers=V1_BIN)
    assert (duplicate.status_code, duplicate.json()["error_code"]) == (409, 40902)
    for body, code in (
        ({"auto.offset.reset": "earliest"}, 42204),
        ({"auto.offset.reset": "latest"}, 42204),
        ({"auto.offset.reset": "none"}, 42204),
        ({"auto.offset.reset": "bogus"}, 42204),
        ({"format": "xml"}, 422),
        ({"format": ""}, 422),
        ({"foo": "bar"}, 422),
    ):
        r = v1.post("/consumers/g", json=body, headers=V1_BIN)
        assert (r.status_code, r.json()["error_code"]) == (422, code), body


def test_second_topic_unknown_topic_and_format_mismatch(v1: InProcess) -> None:
    base = "/consumers/g/instances/" + _create(v1, "g", {"name": "c"})["instance_id"]
    assert v1.get(f"{base}/topics/{TOPIC}", headers=V1_READ).status_code == 200
    r = v1.get(f"{base}/topics/conformance-p3", headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (409, 40901)
    fresh = "/consumers/g/instances/" + _create(v1, "g", {})["instance_id"]
    r = v1.get(f"{fresh}/topics/nope", headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (404, 40401)
    json_consumer = "/consumers/gj/instances/" + _create(v1, "gj", {"format": "json"})["instance_id"]
    for headers in (V1_READ, {"Accept": "*/*"}, {}):
        r = v1.get(f"{json_consumer}/topics/{TOPIC}", headers=headers)
        assert (r.status_code, r.json()["error_code"]) == (406, 40601)
        assert r.headers["content-type"] == "application/vnd.kafka.binary.v1+json"


def test_max_bytes_stops_before_a_record_that_does_not_fit(v1: InProcess) -> None:
    v1.post(
        f"/topics/{TOPIC}",
        json={"records": [{}, {"key": "", "value": ""}, {"value": b64(b"big")}]},
        headers=V1_BIN,
    )
    base = "/consumers/gm/instances/" + _create(v1, "gm", {"auto.offset.reset": "smallest"})["instance_id"]
    first = v1.get(f"{base}/topics/{TOPIC}?max_bytes=1", headers=V1_READ).json()
    assert [r["offset"] for r in first] == [0, 1]
    assert v1.get(f"{base}/topics/{TOPIC}?max_bytes=1", headers=V1_READ).json() == []
    assert [r["offset"] for r in v1.get(f"{base}/topics/{TOPIC}", headers=V1_READ).json()] == [2]


def test_idle_instances_expire(make: object) -> None:
    client = make("v1", consumer_instance_timeout_s=0.05)  # type: ignore[operator]
    base = "/consumers/ge/instances/" + _create(client, "ge", {"name": "idle"})["instance_id"]
    time.sleep(0.1)
    r = client.get(f"{base}/topics/{TOPIC}", headers=V1_READ)
    assert (r.status_code, r.json()["error_code"]) == (404, 40403)


def test_read_returns_as_soon_as_records_arrive(make: object) -> None:
    client = make("v1", consumer_request_timeout_ms=10_000)  # type: ignore[operator]
    _fill(client, [b"ready"])
    base = (
        "/consumers/gq/instances/" + _create(client, "gq", {"auto.offset.reset": "smallest"})["instance_id"]
    )
    started = time.monotonic()
    assert len(client.get(f"{base}/topics/{TOPIC}", headers=V1_READ).json()) == 1
    assert time.monotonic() - started < 5  # not held for the 10 s wait
