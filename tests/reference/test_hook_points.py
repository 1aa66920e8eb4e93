"""Every hook point of the fault mechanism is called where its docstring says (faults/model.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.reference.faults import BOTH, Answer, Call, Fault, ProduceItem
from reference.conftest import ContractRecorder, InProcess
from reference.support import V1_ACCEPT, V1_BIN, V1_READ, V2_ACCEPT, V2_BIN, V2_JSON, b64


def _fault(**hooks: Any) -> Fault:
    return Fault("test-hook", "produce", "a hook under test", BOTH, ("P1",), hooks=hooks)


def test_request_hook_can_rewrite_the_request(make: Any) -> None:
    async def to_p3(call: Call) -> Answer | None:
        call.path = call.path.replace("conformance-p1", "conformance-p3")
        return None

    client: InProcess = make("v1", extra_faults=[_fault(request=to_p3)])
    r = client.get("/topics/conformance-p1", headers=V1_ACCEPT)
    assert r.json()["name"] == "conformance-p3"


def test_request_hook_can_answer_early(make: Any, recorder: ContractRecorder) -> None:
    recorder.allow("GET", "/topics", 418, "a deliberately non-conformant answer from a test hook")

    async def teapot(call: Call) -> Answer | None:
        return Answer(418, {"content-type": "text/plain"}, b"short and stout")

    client: InProcess = make("v2", extra_faults=[_fault(request=teapot)])
    r = client.get("/topics", headers=V2_ACCEPT)
    assert (r.status_code, r.text) == (418, "short and stout")


def test_produce_record_hook_changes_bytes_and_can_drop(make: Any) -> None:
    def hook(call: Call, item: ProduceItem) -> ProduceItem | None:
        if item.index == item.count - 1:
            return None  # the last record of a batch silently dropped
        item.value = (item.value or b"") + b"!"
        return item

    client: InProcess = make("v1", extra_faults=[_fault(produce_record=hook)])
    body = {"records": [{"value": b64(b"a")}, {"value": b64(b"b")}, {"value": b64(b"c")}]}
    offsets = client.post("/topics/conformance-p1", json=body, headers=V1_BIN).json()["offsets"]
    assert [e["offset"] for e in offsets] == [0, 1]
    read = client.get("/topics/conformance-p1/partitions/0/messages?offset=0&count=9", headers=V1_READ).json()
    assert [r["value"] for r in read] == [b64(b"a!"), b64(b"b!")]


def test_read_records_hook_sees_the_source(make: Any, recorder: ContractRecorder) -> None:
    seen: list[str] = []

    def hook(call: Call, source: str, records: list[dict]) -> list[dict]:
        seen.append(source)
        return [{**r, "offset": str(r["offset"])} for r in records]

    client: InProcess = make("v2", extra_faults=[_fault(read_records=hook)])
    client.post("/topics/conformance-p1", json={"records": [{"value": "eA=="}]}, headers=V2_BIN)
    created = client.post("/consumers/g", json={"auto.offset.reset": "earliest"}, headers=V2_JSON).json()
    base = f"/consumers/g/instances/{created['instance_id']}"
    recorder.allow("GET", f"{base}/records", 200, "offsets rendered as strings by the hook under test")
    client.post(
        f"{base}/assignments",
        json={"partitions": [{"topic": "conformance-p1", "partition": 0}]},
        headers=V2_JSON,
    )
    records = client.get(
        f"{base}/records?timeout=100", headers={"Accept": "application/vnd.kafka.binary.v2+json"}
    )
    assert records.json()[0]["offset"] == "0" and seen == ["v2-records"]


def test_consumer_created_and_response_hooks(make: Any) -> None:
    def relative(call: Call, instance: Any, body: dict) -> dict:
        instance.reset = "earliest"
        return {**body, "base_uri": body["base_uri"].split("reference.test", 1)[1]}

    def stamp(call: Call, answer: Answer) -> Answer:
        answer.headers["x-stamped"] = call.route or "-"
        return answer

    client: InProcess = make("v2", extra_faults=[_fault(consumer_created=relative, response=stamp)])
    r = client.post("/consumers/g", json={}, headers=V2_JSON)
    assert r.json()["base_uri"].startswith("/consumers/g/instances/")
    assert r.headers["x-stamped"] == "create_consumer"
    assert int(r.headers["content-length"]) == len(json.dumps(r.json(), separators=(",", ":")))


def test_commit_offset_hook_decides_what_is_stored(make: Any) -> None:
    def plus_ten(call: Call, group: str, topic: str, partition: int, stored: int) -> int:
        return stored + 10

    client: InProcess = make("v1", extra_faults=[_fault(commit_offset=plus_ten)])
    client.post("/topics/conformance-p1", json={"records": [{"value": "eA=="}]}, headers=V1_BIN)
    base = (
        "/consumers/g/instances/"
        + client.post("/consumers/g", json={"auto.offset.reset": "smallest"}, headers=V1_BIN).json()[
            "instance_id"
        ]
    )
    client.get(f"{base}/topics/conformance-p1", headers=V1_READ)
    assert client.post(f"{base}/offsets", headers=V1_BIN).json()[0]["committed"] == 10


def test_an_exception_while_answering_is_recorded(make: Any) -> None:
    """A crashing hook answers 500, which would pass for a caught fault: the server keeps a record
    of it, which the run reports and the selftest refuses (commands/selftest.py)."""

    def broken(call: Call, answer: Answer) -> Answer:
        raise KeyError("records")

    client: InProcess = make("v2", extra_faults=[_fault(response=broken)])
    with pytest.raises(KeyError):  # ASGITransport re-raises what the app raised; HTTP clients see a 500
        client.get("/topics", headers=V2_ACCEPT)
    assert client.app.state.reference.crashes == ["KeyError: 'records' (GET /topics)"]
