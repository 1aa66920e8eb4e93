"""Content negotiation (contract.md §1, §8.5, §8.6): q first, then qs; 406 without Content-Type."""

from __future__ import annotations

import pytest

from conformance import media as mt
from conformance.reference.negotiation import Offer, negotiate
from reference.conftest import ContractRecorder, InProcess

BODY = b'{"records":[{"value":"eA=="}]}'
V1_MIX = "application/vnd.kafka.v1+json;q=0.8, application/vnd.kafka+json;q=0.9, application/json;q=0.7"


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/topics", None, mt.V1),
        ("/topics", "*/*", mt.V1),
        ("/topics", mt.JSON, mt.JSON),
        ("/topics", mt.KAFKA_DEFAULT, mt.KAFKA_DEFAULT),
        ("/topics", V1_MIX, mt.KAFKA_DEFAULT),
        ("/topics", mt.BINARY_V1, 406),
        ("/topics", mt.TEXT_PLAIN, 406),
        ("/topics", mt.OCTET_STREAM, 406),
        ("/brokers", mt.BINARY_V1, 406),
        ("/topics/conformance-p3/partitions/0", mt.BINARY_V1, mt.BINARY_V1),
        ("/topics/conformance-p1/partitions/0/messages?offset=0", None, mt.BINARY_V1),
        ("/topics/conformance-p1/partitions/0/messages?offset=0", "*/*", mt.BINARY_V1),
        ("/topics/conformance-p1/partitions/0/messages?offset=0", mt.JSON, mt.JSON),
        ("/topics/conformance-p1/partitions/0/messages?offset=0", mt.V1, mt.V1),
        ("/topics/conformance-p1/partitions/0/messages?offset=0", mt.TEXT_PLAIN, 406),
    ],
)
def test_v1_get_accept(v1: InProcess, path: str, accept: str | None, expected: str | int) -> None:
    headers = {"Accept": accept} if accept else {}
    r = v1.get(path, headers=headers)
    if expected == 406:
        assert r.status_code == 406 and "content-type" not in r.headers
        assert r.json() == {"error_code": 406, "message": "HTTP 406 Not Acceptable"}
    else:
        assert (r.status_code, r.headers["content-type"]) == (200, expected)


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/topics/conformance-p1", None, mt.V1),
        ("/topics/conformance-p1", mt.JSON, mt.JSON),
        ("/topics/conformance-p1", f"{mt.BINARY_V1};q=0.1, {mt.JSON};q=0.9", mt.JSON),
        ("/topics/conformance-p1", mt.BINARY_V1, 406),  # the §1.2 asymmetry
        ("/topics/conformance-p1/partitions/0", mt.BINARY_V1, mt.BINARY_V1),
    ],
)
def test_v1_produce_accept(v1: InProcess, path: str, accept: str | None, expected: str | int) -> None:
    headers = {"Content-Type": mt.BINARY_V1, **({"Accept": accept} if accept else {})}
    r = v1.post(path, content=BODY, headers=headers)
    if expected == 406:
        assert r.status_code == 406 and "content-type" not in r.headers
    else:
        assert (r.status_code, r.headers["content-type"]) == (200, expected)


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (mt.BINARY_V1, 200),
        (mt.V1, 200),
        (mt.KAFKA_DEFAULT, 200),
        (mt.JSON, 200),
        (mt.OCTET_STREAM, 200),
        (None, 200),
        (mt.TEXT_PLAIN, 415),
        (mt.JSON_V1, 415),  # binary only (contract.md §6)
        (mt.AVRO_V1, 415),
    ],
)
def test_v1_produce_content_type(v1: InProcess, content_type: str | None, status: int) -> None:
    headers = {"Accept": mt.V1, **({"Content-Type": content_type} if content_type else {})}
    r = v1.post("/topics/conformance-p1", content=BODY, headers=headers)
    assert r.status_code == status
    if status == 415:
        assert r.json()["error_code"] == 415 and r.headers["content-type"] == mt.V1


def test_v1_content_type_on_a_get_is_negotiated(v1: InProcess, recorder: ContractRecorder) -> None:
    recorder.allow(
        "GET", "/topics", 415, "contract.md §8 N8: a Content-Type on a body-less GET is never sent"
    )
    assert v1.get("/topics", headers={"Content-Type": mt.TEXT_PLAIN, "Accept": mt.V1}).status_code == 415
    assert v1.get("/topics", headers={"Content-Type": mt.JSON, "Accept": mt.V1}).status_code == 200


@pytest.mark.parametrize(
    ("content_type", "accept", "status"),
    [
        (mt.BINARY_V2, mt.V2, 200),
        (None, mt.V2, 200),
        (mt.BINARY_V2, None, 200),
        (mt.BINARY_V2, "*/*", 200),
        (mt.JSON, mt.V2, 415),
        (mt.OCTET_STREAM, mt.V2, 415),
        (mt.V2, mt.V2, 415),
        (mt.BINARY_V1, mt.V2, 415),
        (mt.TEXT_PLAIN, mt.V2, 415),
        (mt.JSON_V2, mt.V2, 415),
        (mt.AVRO_V2, mt.V2, 415),
        (mt.BINARY_V2, mt.JSON, 406),
        (mt.BINARY_V2, mt.BINARY_V2, 406),
        (mt.BINARY_V2, mt.TEXT_PLAIN, 406),
    ],
)
def test_v2_produce_negotiation(
    v2: InProcess, content_type: str | None, accept: str | None, status: int
) -> None:
    headers = {
        **({"Content-Type": content_type} if content_type else {}),
        **({"Accept": accept} if accept else {}),
    }
    r = v2.post("/topics/conformance-p1", content=BODY, headers=headers)
    assert r.status_code == status
    if status == 200:
        assert r.headers["content-type"] == mt.V2
    if status == 406:
        assert "content-type" not in r.headers


@pytest.mark.parametrize(
    ("accept", "status"), [(None, 200), ("*/*", 200), (mt.JSON, 406), (mt.BINARY_V2, 406)]
)
def test_v2_metadata_accept(v2: InProcess, accept: str | None, status: int) -> None:
    r = v2.get("/topics", headers={"Accept": accept} if accept else {})
    assert r.status_code == status


def test_v2_consumer_creation_content_types(v2: InProcess) -> None:
    for content_type, status in ((mt.V2, 200), (None, 200), (mt.JSON, 415), (mt.TEXT_PLAIN, 415)):
        headers = {"Accept": mt.V2, **({"Content-Type": content_type} if content_type else {})}
        assert v2.post("/consumers/g-ct", content=b"{}", headers=headers).status_code == status


def test_negotiate_prefers_client_q_then_server_qs() -> None:
    offers = (Offer(mt.V1, 0.9), Offer(mt.KAFKA_DEFAULT, 0.8), Offer(mt.JSON, 0.5))
    choice = negotiate(V1_MIX, offers)
    assert choice is not None and choice.content_type == mt.KAFKA_DEFAULT
    assert negotiate("text/plain, */*;q=0", offers) is None
    echoed = negotiate(f"{mt.BINARY_V2}; charset=utf-8", (Offer(mt.BINARY_V2, 1.0),))
    assert echoed is not None and echoed.content_type == f"{mt.BINARY_V2};charset=utf-8"
