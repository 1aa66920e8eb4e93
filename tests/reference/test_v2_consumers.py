"""v2 consumers (contract.md §2.2 #8–19, §4.5, §4.6, §8.10)."""

from __future__ import annotations

import time

import pytest

from reference.conftest import InProcess
from reference.support import V2_ACCEPT, V2_BIN, V2_JSON, V2_READ, b64, unb64

P1, P3 = "conformance-p1", "conformance-p3"


def _fill(client: InProcess, values: list[bytes], topic: str = P1) -> list[int]:
    r = client.post(f"/topics/{topic}", json={"records": [{"value": b64(v)} for v in values]}, headers=V2_BIN)
    return [e["offset"] for e in r.json()["offsets"]]


def _create(client: InProcess, group: str, **fields: object) -> str:
    body = {"format": "binary", "auto.commit.enable": "false", **fields}
    r = client.post(f"/consumers/{group}", json=body, headers=V2_JSON)
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["base_uri"].endswith(f"/consumers/{group}/instances/{created['instance_id']}")
    return f"/consumers/{group}/instances/{created['instance_id']}"


def _records(client: InProcess, base: str, query: str = "timeout=1000") -> list[dict]:
    r = client.get(f"{base}/records?{query}", headers=V2_READ)
    assert r.status_code == 200, r.text
    return r.json()


def _assign(client: InProcess, base: str, *tps: tuple[str, int]) -> None:
    body = {"partitions": [{"topic": t, "partition": p} for t, p in tps]}
    assert client.post(f"{base}/assignments", json=body, headers=V2_JSON).status_code == 204


def test_subscribe_read_and_subscription_lifecycle(v2: InProcess) -> None:
    _fill(v2, [b"s0", b"s1"])
    base = _create(v2, "gs", **{"auto.offset.reset": "earliest"})
    assert v2.post(f"{base}/subscription", json={"topics": [P1]}, headers=V2_JSON).status_code == 204
    assert v2.get(f"{base}/subscription", headers=V2_ACCEPT).json() == {"topics": [P1]}
    records = _records(v2, base)
    assert [(r["topic"], r["partition"], r["offset"], unb64(r["value"])) for r in records] == [
        (P1, 0, 0, b"s0"),
        (P1, 0, 1, b"s1"),
    ]
    assert all(set(r) == {"topic", "key", "value", "partition", "offset"} for r in records)
    assert v2.get(f"{base}/assignments", headers=V2_ACCEPT).json() == {
        "partitions": [{"topic": P1, "partition": 0}]
    }
    assert v2.delete(f"{base}/subscription", headers=V2_ACCEPT).status_code == 204
    assert v2.get(f"{base}/subscription", headers=V2_ACCEPT).json() == {"topics": []}


def test_pattern_unknown_topic_and_empty_list_subscribe_with_204(v2: InProcess) -> None:
    base = _create(v2, "gp")
    for body in ({"topic_pattern": "conformance-.*"}, {"topics": ["nope"]}, {"topics": []}):
        assert v2.post(f"{base}/subscription", json=body, headers=V2_JSON).status_code == 204
    r = v2.post(f"{base}/subscription", content=b"", headers=V2_JSON)
    assert (r.status_code, r.json()["error_code"]) == (422, 422)


def test_subscribe_and_assign_exclude_each_other(v2: InProcess) -> None:
    subscribed = _create(v2, "gx")
    v2.post(f"{subscribed}/subscription", json={"topics": [P3]}, headers=V2_JSON)
    r = v2.post(
        f"{subscribed}/assignments", json={"partitions": [{"topic": P1, "partition": 0}]}, headers=V2_JSON
    )
    assert (r.status_code, r.json()["error_code"]) == (409, 40903)
    assigned = _create(v2, "gx")
    _assign(v2, assigned, (P1, 0))
    r = v2.post(f"{assigned}/subscription", json={"topics": [P3]}, headers=V2_JSON)
    assert (r.status_code, r.json()["error_code"]) == (409, 40903)


def test_seek_positions_and_unassigned_partition(v2: InProcess) -> None:
    _fill(v2, [b"a", b"b", b"c"])
    base = _create(v2, "gk", **{"auto.offset.reset": "earliest"})
    _assign(v2, base, (P1, 0))
    seek = {"offsets": [{"topic": P1, "partition": 0, "offset": 2}]}
    assert v2.post(f"{base}/positions", json=seek, headers=V2_JSON).status_code == 204
    assert [r["offset"] for r in _records(v2, base)] == [2]
    edge = {"partitions": [{"topic": P1, "partition": 0}]}
    assert v2.post(f"{base}/positions/beginning", json=edge, headers=V2_JSON).status_code == 204
    assert [r["offset"] for r in _records(v2, base)] == [0, 1, 2]
    assert v2.post(f"{base}/positions/end", json=edge, headers=V2_JSON).status_code == 204
    assert _records(v2, base, "timeout=10") == []
    bad = {"offsets": [{"topic": P3, "partition": 2, "offset": 0}]}
    r = v2.post(f"{base}/positions", json=bad, headers=V2_JSON)
    assert (r.status_code, r.json()["error_code"]) == (409, 40903)


def test_subscription_seek_needs_a_first_poll(v2: InProcess) -> None:
    base = _create(v2, "gf")
    v2.post(f"{base}/subscription", json={"topics": [P1]}, headers=V2_JSON)
    seek = {"offsets": [{"topic": P1, "partition": 0, "offset": 0}]}
    assert v2.post(f"{base}/positions", json=seek, headers=V2_JSON).status_code == 409
    _records(v2, base, "timeout=10")
    assert v2.post(f"{base}/positions", json=seek, headers=V2_JSON).status_code == 204


def test_records_without_subscription_is_500(v2: InProcess) -> None:
    r = v2.get(f"{_create(v2, 'gn')}/records?timeout=10", headers=V2_READ)
    assert (r.status_code, r.json()["error_code"]) == (500, 500)


def test_commit_stores_offset_plus_one_and_a_new_member_resumes(v2: InProcess) -> None:
    _fill(v2, [b"c0", b"c1", b"c2", b"c3"])
    base = _create(v2, "gc", **{"auto.offset.reset": "earliest"})
    _assign(v2, base, (P1, 0))
    assert len(_records(v2, base)) == 4
    commit = {"offsets": [{"topic": P1, "partition": 0, "offset": 1}]}
    r = v2.post(f"{base}/offsets", json=commit, headers=V2_JSON)
    assert (r.status_code, r.json()) == (200, [])
    query = {"partitions": [{"topic": P1, "partition": 0}]}
    r = v2.request("GET", f"{base}/offsets", json=query, headers=V2_JSON)
    assert r.json() == {"offsets": [{"topic": P1, "partition": 0, "offset": 2, "metadata": ""}]}
    assert v2.delete(base, headers=V2_ACCEPT).status_code == 204
    member = _create(v2, "gc", **{"auto.offset.reset": "latest"})
    _assign(v2, member, (P1, 0))
    assert [r["offset"] for r in _records(v2, member)] == [2, 3]
    r = v2.post(f"{member}/offsets", content=b"", headers=V2_JSON)  # body-less: last fetched + 1
    assert (r.status_code, r.json()) == (200, [])
    r = v2.request("GET", f"{member}/offsets", json=query, headers=V2_JSON)
    assert r.json()["offsets"][0]["offset"] == 4


def test_commit_and_offsets_quirks(v2: InProcess) -> None:
    base = _create(v2, "gq")
    r = v2.post(f"{base}/offsets", json={}, headers=V2_JSON)
    assert (r.status_code, r.json()["error_code"]) == (500, 500)
    r = v2.get(f"{base}/offsets", headers=V2_ACCEPT)
    assert (r.status_code, r.json()["error_code"]) == (404, 40402)
    query = {"partitions": [{"topic": P1, "partition": 0}]}
    assert v2.request("GET", f"{base}/offsets", json=query, headers=V2_JSON).json() == {"offsets": []}


def test_unknown_instance_and_delete(v2: InProcess) -> None:
    base = _create(v2, "gd", name="d1")
    dup = v2.post("/consumers/gd", json={"name": "d1"}, headers=V2_JSON)
    assert (dup.status_code, dup.json()["error_code"]) == (409, 40902)
    deleted = v2.delete(base, headers=V2_ACCEPT)
    assert (deleted.status_code, deleted.content, deleted.headers.get("content-type")) == (204, b"", None)
    for r in (
        v2.delete(base, headers=V2_ACCEPT),
        v2.get(f"{base}/records?timeout=10", headers=V2_READ),
        v2.post(f"{base}/offsets", json={"offsets": []}, headers=V2_JSON),
        v2.get(f"{base}/subscription", headers=V2_ACCEPT),
    ):
        assert (r.status_code, r.json()["error_code"]) == (404, 40403)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"auto.offset.reset": "earliest"}, 200, None),
        ({"auto.offset.reset": "latest"}, 200, None),
        ({"auto.offset.reset": "none"}, 200, None),
        ({"auto.offset.reset": "smallest"}, 422, 42204),
        ({"auto.offset.reset": "bogus"}, 422, 42204),
        ({"format": "xml"}, 422, 422),
        ({"format": ""}, 422, 422),
        ({"foo": "bar"}, 422, 422),
        ({"enable.auto.commit": False}, 422, 422),
        ({"id": "by-id"}, 200, None),
    ],
)
def test_creation_rules(v2: InProcess, body: dict, status: int, code: int | None) -> None:
    r = v2.post("/consumers/gr", json=body, headers=V2_JSON)
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["error_code"] == code
    if "id" in body:
        assert r.json()["instance_id"] == "by-id"


def test_create_without_body(v2: InProcess) -> None:
    assert v2.post("/consumers/gb", content=b"", headers=V2_ACCEPT).status_code == 200


def test_format_mismatch_and_records_accept(v2: InProcess) -> None:
    _fill(v2, [b"x"])
    json_consumer = _create(v2, "gj", format="json")
    _assign(v2, json_consumer, (P1, 0))
    r = v2.get(f"{json_consumer}/records?timeout=10", headers=V2_READ)
    assert (r.status_code, r.json()["error_code"]) == (406, 40601)
    binary = _create(v2, "gj", **{"auto.offset.reset": "earliest"})
    _assign(v2, binary, (P1, 0))
    for accept, status in (
        ("application/vnd.kafka.binary.v2+json; charset=utf-8", 200),
        ("*/*", 200),
        ("application/vnd.kafka.v2+json", 200),
        ("application/json", 406),
        ("text/plain", 406),
    ):
        v2.post(
            f"{binary}/positions/beginning",
            json={"partitions": [{"topic": P1, "partition": 0}]},
            headers=V2_JSON,
        )
        r = v2.get(f"{binary}/records?timeout=10", headers={"Accept": accept})
        assert r.status_code == status, accept


def test_max_bytes_below_the_next_record_returns_nothing_and_loses_nothing(v2: InProcess) -> None:
    _fill(v2, [b"x" * 512])
    base = _create(v2, "gm", **{"auto.offset.reset": "earliest"})
    _assign(v2, base, (P1, 0))
    for _ in range(3):
        assert _records(v2, base, "timeout=1000&max_bytes=10") == []
    assert [r["offset"] for r in _records(v2, base)] == [0]


def test_timeout_is_capped_at_the_request_timeout(make: object) -> None:
    client = make("v2", consumer_request_timeout_ms=300)  # type: ignore[operator]
    base = _create(client, "gt", **{"auto.offset.reset": "earliest"})
    _assign(client, base, (P1, 0))
    started = time.monotonic()
    assert _records(client, base, "timeout=60000") == []
    # Capped at consumer.request.timeout.ms (300 ms), far from the 60 s asked; loose upper bound
    # so a loaded CI machine does not make it flaky.
    assert 0.25 < time.monotonic() - started < 10


def test_records_return_as_soon_as_available(make: object) -> None:
    client = make("v2", consumer_request_timeout_ms=10_000)  # type: ignore[operator]
    base = _create(client, "ge", **{"auto.offset.reset": "earliest"})
    _assign(client, base, (P1, 0))
    _fill(client, [b"now"])
    started = time.monotonic()
    assert len(_records(client, base, "timeout=10000")) == 1
    assert time.monotonic() - started < 5  # not held for the 10 s wait (D22 is INFO)


def test_auto_commit_on_by_default_and_group_resume(v2: InProcess) -> None:
    _fill(v2, [b"a0", b"a1"])
    r = v2.post("/consumers/ga", json={"name": "m1", "auto.offset.reset": "earliest"}, headers=V2_JSON)
    base = "/consumers/ga/instances/" + r.json()["instance_id"]
    v2.post(f"{base}/subscription", json={"topics": [P1]}, headers=V2_JSON)
    assert len(_records(v2, base)) == 2
    v2.delete(base, headers=V2_ACCEPT)
    _fill(v2, [b"a2"])
    member = _create(v2, "ga", **{"auto.offset.reset": "earliest"})
    v2.post(f"{member}/subscription", json={"topics": [P1]}, headers=V2_JSON)
    assert [r["offset"] for r in _records(v2, member)] == [2]


def test_non_integer_query_parameters_are_404(v2: InProcess) -> None:
    base = _create(v2, "gi")
    for query in ("timeout=abc", "max_bytes=abc"):
        r = v2.get(f"{base}/records?{query}", headers=V2_READ)
        assert (r.status_code, r.json()["error_code"]) == (404, 404)
