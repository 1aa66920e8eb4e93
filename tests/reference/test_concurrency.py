"""Safe under concurrent requests: offsets stay unique and contiguous, nothing is lost."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import httpx

from conformance.reference import ReferenceConfig, serve_in_thread

HEADERS = {"Content-Type": "application/vnd.kafka.binary.v2+json", "Accept": "application/vnd.kafka.v2+json"}


def test_concurrent_producers_get_distinct_contiguous_offsets() -> None:
    with serve_in_thread(ReferenceConfig(api_version="v2")) as server:

        def produce(worker: int) -> list[tuple[int, bytes]]:
            out = []
            with httpx.Client(base_url=server.url, timeout=10) as client:
                for batch in range(10):
                    values = [f"w{worker}-b{batch}-r{i}".encode() for i in range(5)]
                    body = {"records": [{"value": base64.b64encode(v).decode()} for v in values]}
                    offsets = client.post("/topics/conformance-p1", json=body, headers=HEADERS).json()[
                        "offsets"
                    ]
                    batch_offsets = [e["offset"] for e in offsets]
                    assert batch_offsets == list(range(batch_offsets[0], batch_offsets[0] + 5))  # P3
                    out += list(zip(batch_offsets, values, strict=True))
            return out

        with ThreadPoolExecutor(8) as pool:
            written = [pair for result in pool.map(produce, range(8)) for pair in result]
        offsets = sorted(o for o, _ in written)
        assert offsets == list(range(400))
        # Every record reads back at its reported offset (P4), through an assigned consumer.
        with httpx.Client(base_url=server.url, timeout=10) as client:
            json_headers = {
                "Content-Type": "application/vnd.kafka.v2+json",
                "Accept": "application/vnd.kafka.v2+json",
            }
            created = client.post(
                "/consumers/c", json={"auto.offset.reset": "earliest"}, headers=json_headers
            ).json()
            base = f"/consumers/c/instances/{created['instance_id']}"
            client.post(
                f"{base}/assignments",
                json={"partitions": [{"topic": "conformance-p1", "partition": 0}]},
                headers=json_headers,
            )
            read: dict[int, bytes] = {}
            while len(read) < 400:
                records = client.get(
                    f"{base}/records?timeout=200", headers={"Accept": "application/vnd.kafka.binary.v2+json"}
                )
                assert records.status_code == 200 and records.json(), "records stopped before all 400 arrived"
                read.update({r["offset"]: base64.b64decode(r["value"]) for r in records.json()})
        assert read == dict(written)
