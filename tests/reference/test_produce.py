"""Produce semantics (contract.md §2.1 #3/#6, §2.2 #3/#7, §4.1–§4.4, §4.7, §4.8)."""

from __future__ import annotations

import pytest

from conformance.reference.log import murmur2, partition_for_key
from reference.conftest import InProcess
from reference.support import V1_BIN, V1_READ, V2_ACCEPT, V2_BIN, b64, unb64


def _signed(value: int) -> int:
    return value - 2**32 if value >= 2**31 else value


@pytest.mark.parametrize(
    ("data", "expected"),
    [  # Kafka's own UtilsTest vectors for Utils.murmur2
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_matches_kafka(data: bytes, expected: int) -> None:
    assert _signed(murmur2(data)) == expected


def test_key_partitions_match_the_recorded_confluent_choices() -> None:
    # observed: "same-key" -> 0 on 5.5 and 7.5; "k1" -> 2 on 5.5 v1 (3 partitions)
    assert partition_for_key(b"same-key", 3) == 0
    assert partition_for_key(b"k1", 3) == 2


def _produce(client: InProcess, version: str, body: object, path: str = "/topics/conformance-p3") -> dict:
    r = client.post(path, json=body, headers=V1_BIN if version == "v1" else V2_BIN)
    assert r.status_code == 200, r.text
    return r.json()


def _read(client: InProcess, topic: str, partition: int, offset: int, count: int = 1) -> list[dict]:
    r = client.get(
        f"/topics/{topic}/partitions/{partition}/messages?offset={offset}&count={count}", headers=V1_READ
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_offsets_in_request_order_and_contiguous(make: object, version: str) -> None:
    client = make(version)  # type: ignore[operator]
    body = {"records": [{"value": b64(b"m%d" % i), "partition": p} for i, p in enumerate([2, 0, 1, 0, 0])]}
    answer = _produce(client, version, body)
    assert [(e["partition"], e["offset"]) for e in answer["offsets"]] == [
        (2, 0),
        (0, 0),
        (1, 0),
        (0, 1),
        (0, 2),
    ]
    assert all(e["error_code"] is None and e["error"] is None for e in answer["offsets"])
    assert answer["key_schema_id"] is None and answer["value_schema_id"] is None


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_same_key_same_partition_and_produce_to_partition(make: object, version: str) -> None:
    client = make(version)  # type: ignore[operator]
    answer = _produce(client, version, {"records": [{"key": b64(b"same-key"), "value": b64(b"v")}] * 6})
    assert {e["partition"] for e in answer["offsets"]} == {0}
    answer = _produce(
        client, version, {"records": [{"value": b64(b"a")}] * 3}, "/topics/conformance-p3/partitions/1"
    )
    assert [(e["partition"], e["offset"]) for e in answer["offsets"]] == [(1, 0), (1, 1), (1, 2)]


def test_v1_null_empty_absent_and_all_bytes_round_trip(v1: InProcess) -> None:
    every = bytes(range(256))
    records = [
        {"key": None, "value": None},
        {"key": "", "value": ""},
        {},
        {"key": b64(every), "value": b64(every[::-1])},
    ]
    offsets = [
        e["offset"] for e in _produce(v1, "v1", {"records": records}, "/topics/conformance-p1")["offsets"]
    ]
    back = _read(v1, "conformance-p1", 0, offsets[0], 4)
    assert [(r["key"], r["value"]) for r in back[:3]] == [(None, None), ("", ""), (None, None)]
    assert unb64(back[3]["key"]) == every and unb64(back[3]["value"]) == every[::-1]
    assert [r["offset"] for r in back] == offsets and back[0]["topic"] == "conformance-p1"


@pytest.mark.parametrize(
    ("text", "stored"),
    [  # observed on 5.5 v1 (contract.md §4.1)
        ("myKey", bytes.fromhex("9b229e")),
        ("aGVsbG8", b"hel"),
        ("aGVs bG8=", b"hello"),
        ("aGVsbG8=\n", b"hello"),
        ("-_-_", b""),
        ("!!!!", b""),
        ("a", b""),
    ],
)
def test_v1_base64_is_lenient_like_jaxb(v1: InProcess, text: str, stored: bytes) -> None:
    offset = _produce(v1, "v1", {"records": [{"value": text}]}, "/topics/conformance-p1")["offsets"][0][
        "offset"
    ]
    assert unb64(_read(v1, "conformance-p1", 0, offset)[0]["value"]) == stored


@pytest.mark.parametrize("text", ["aGVsbG8==", "aGVsbG8\u00e9"])
def test_v1_base64_overflowing_padding_and_non_ascii_are_422(v1: InProcess, text: str) -> None:
    r = v1.post("/topics/conformance-p1", json={"records": [{"value": text}]}, headers=V1_BIN)
    assert (r.status_code, r.json()["error_code"]) == (422, 422)


@pytest.mark.parametrize(("text", "ok"), [("aGVsbG8", True), ("aGVsbG8==", True), ("aGVsbG8=", True)])
def test_v2_base64_accepts_missing_and_extra_padding(v2: InProcess, text: str, ok: bool) -> None:
    r = v2.post("/topics/conformance-p1", json={"records": [{"value": text}]}, headers=V2_BIN)
    assert r.status_code == 200


@pytest.mark.parametrize("text", ["!!!!", "-_-_", "aGVs bG8=", "aGVsbG8\u00e9", "myKey", "a"])
def test_v2_base64_rejects_everything_else_with_400(v2: InProcess, text: str) -> None:
    r = v2.post("/topics/conformance-p1", json={"records": [{"value": text}]}, headers=V2_BIN)
    assert (r.status_code, r.json()["error_code"]) == (400, 400)


@pytest.mark.parametrize(
    ("body", "v1", "v2"),
    [
        ({"records": []}, 422, 422),
        ({}, 422, 422),
        (None, 422, 422),
        ({"records": [{"value": "eA=="}], "foo": 1}, 422, 422),
        ({"records": [{"value": "eA==", "foo": 1}]}, 422, 422),
        ({"records": [{"value": "eA==", "headers": []}]}, 422, 422),
        ({"records": {"value": "eA=="}}, 500, 400),
        ({"records": ["x"]}, 500, 400),
        ({"records": [{"value": {"a": 1}}]}, 500, 400),
        ({"records": [{"value": "eA==", "partition": -1}]}, 500, 500),
    ],
)
def test_invalid_produce_bodies(make: object, body: object, v1: int, v2: int) -> None:
    for version, status, headers in (("v1", v1, V1_BIN), ("v2", v2, V2_BIN)):
        client = make(version)  # type: ignore[operator]
        r = client.post("/topics/conformance-p3", json=body, headers=headers)
        assert (r.status_code, r.json()["error_code"]) == (status, status), (version, r.text)


def test_empty_body_is_422(v1: InProcess, v2: InProcess) -> None:
    assert v1.post("/topics/conformance-p3", content=b"", headers=V1_BIN).status_code == 422
    assert v2.post("/topics/conformance-p3", content=b"", headers=V2_BIN).status_code == 422


def test_v1_malformed_json_follows_5_5(v1: InProcess) -> None:
    token = v1.post("/topics/conformance-p3", content=b"{not json", headers=V1_BIN)
    assert token.status_code == 400 and token.headers["content-type"].startswith("text/plain")
    truncated = v1.post("/topics/conformance-p3", content=b'{"records": [', headers=V1_BIN)
    assert (truncated.status_code, truncated.json()["error_code"]) == (500, 500)
    trailing = v1.post(
        "/topics/conformance-p3", content=b'{"records": [{"value": "aGVsbG8="}]} x', headers=V1_BIN
    )
    assert trailing.status_code == 200


def test_v2_malformed_json_is_400_json(v2: InProcess) -> None:
    r = v2.post("/topics/conformance-p3", content=b'{"records":[', headers=V2_BIN)
    assert (r.status_code, r.json()["error_code"]) == (400, 400)


def test_v1_number_value_is_stored_as_its_lenient_text(v1: InProcess) -> None:
    offset = _produce(v1, "v1", {"records": [{"value": 123}]}, "/topics/conformance-p1")["offsets"][0][
        "offset"
    ]
    assert _read(v1, "conformance-p1", 0, offset)[0]["value"] == ""


def test_partition_field_in_partition_produce(v1: InProcess, v2: InProcess) -> None:
    body = {"records": [{"value": "eA==", "partition": 2}]}
    r = v1.post("/topics/conformance-p3/partitions/0", json=body, headers=V1_BIN)
    assert (r.status_code, r.json()["error_code"]) == (422, 422)
    r = v2.post("/topics/conformance-p3/partitions/1", json=body, headers=V2_BIN)
    assert r.json()["offsets"][0]["partition"] == 2  # 7.5: the record's partition overrides


def test_unknown_topic_and_partition_answer_at_once(v1: InProcess, v2: InProcess) -> None:
    body = {"records": [{"value": "eA=="}]}
    for client, headers in ((v1, V1_BIN), (v2, V2_BIN)):
        r = client.post("/topics/nope", json=body, headers=headers)
        assert (r.status_code, r.json()["error_code"]) == (404, 40401)
        r = client.post("/topics/conformance-p3/partitions/9", json=body, headers=headers)
        assert (r.status_code, r.json()["error_code"]) == (404, 40402)
    r = v1.post("/topics/conformance-p3/partitions/-1", json=body, headers=V1_BIN)
    assert (r.status_code, r.json()["error_code"]) == (500, 500)
    r = v1.post("/topics/conformance-p3/partitions/x", json=body, headers=V1_BIN)
    assert (r.status_code, r.json()["error_code"]) == (404, 404)


def test_record_partition_beyond_count_fails_only_that_record(v2: InProcess) -> None:
    body = {"records": [{"value": "eA==", "partition": 9}, {"value": "eA==", "partition": 1}]}
    entries = v2.post("/topics/conformance-p3", json=body, headers=V2_BIN).json()["offsets"]
    assert entries[0]["partition"] is None and entries[0]["offset"] is None
    assert entries[0]["error_code"] == 50003 and isinstance(entries[0]["error"], str)
    assert (entries[1]["partition"], entries[1]["error_code"]) == (1, None)


def test_v2_produce_without_content_type_is_binary(v2: InProcess) -> None:
    r = v2.post("/topics/conformance-p1", content=b'{"records":[{"value":"aGk="}]}', headers=V2_ACCEPT)
    assert r.status_code == 200


def test_a_record_over_1_mib_fails_alone_with_50002(v2: InProcess) -> None:
    big = b64(b"x" * (1024 * 1024 + 1))
    body = {"records": [{"value": big}, {"value": b64(b"small")}]}
    entries = v2.post("/topics/conformance-p1", json=body, headers=V2_BIN).json()["offsets"]
    assert (entries[0]["offset"], entries[0]["error_code"]) == (None, 50002)
    assert (entries[1]["offset"], entries[1]["error_code"]) == (0, None)


def test_v1_fast_base64_path_agrees_with_the_jaxb_emulation() -> None:
    import random

    from conformance.reference.codec import decode_jaxb, decode_lenient

    rng = random.Random(7)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for _ in range(3000):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        text = body + "=" * rng.choice([0, 1, 2])
        text = text[: len(text) - len(text) % 4] if rng.random() < 0.7 else text
        try:
            slow: bytes | Exception = decode_jaxb(text)
        except ValueError as exc:
            slow = exc
        try:
            fast: bytes | Exception = decode_lenient(text)
        except ValueError as exc:
            fast = exc
        assert type(slow) is type(fast) and (not isinstance(slow, bytes) or slow == fast), text
