"""Benchmark of the reference server on loopback (issue 3). Not a timed test: run it by hand.

    .venv/bin/python benchmarks/reference_bench.py [--seconds 3] [--clients 4] [--api-version v1]

Starts `kafka-rest-conformance serve` as a subprocess (the server has its own process, as in
real use) and measures from this process over keep-alive HTTP connections:

- single-record produce latency, p50 and p99 (sequential requests);
- produce throughput in records/s for batches of 1 and of 100 (`--clients` concurrent clients);
- consume throughput in records/s (v1: read by offset, count=1000; v2: assign + records).

Aim (issue 3): p50 under 2 ms, batched produce above 20,000 records/s.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import statistics
import threading
import time
from collections.abc import Callable

import httpx

from conformance.reference import serve_subprocess

TOPIC = "bench"
RETAINED = 200_000  # --max-records of the served process
VALUE = base64.b64encode(b"x" * 100).decode()


def _headers(version: str) -> dict[str, str]:
    return {
        "Content-Type": f"application/vnd.kafka.binary.{version}+json",
        "Accept": f"application/vnd.kafka.{version}+json",
    }


def _body(n: int) -> bytes:
    records = ",".join(f'{{"value":"{VALUE}"}}' for _ in range(n))
    return f'{{"records":[{records}]}}'.encode()


def latency(url: str, version: str, requests: int) -> tuple[float, float]:
    body, headers = _body(1), _headers(version)
    samples = []
    with httpx.Client(base_url=url) as client:
        for _ in range(50):  # warm up the connection and the server
            client.post(f"/topics/{TOPIC}", content=body, headers=headers)
        for _ in range(requests):
            started = time.perf_counter()
            response = client.post(f"/topics/{TOPIC}", content=body, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def concurrent(clients: int, seconds: float, work: Callable[[httpx.Client], int], url: str) -> float:
    """Records per second that `clients` threads achieve, each calling work() in a loop."""
    counts = [0] * clients
    stop = time.perf_counter() + seconds

    def run(index: int) -> None:
        with httpx.Client(base_url=url) as client:
            while time.perf_counter() < stop:
                counts[index] += work(client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def produce_rate(url: str, version: str, batch: int, clients: int, seconds: float) -> float:
    body, headers = _body(batch), _headers(version)

    def work(client: httpx.Client) -> int:
        response = client.post(f"/topics/{TOPIC}", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return batch

    return concurrent(clients, seconds, work, url)


def consume_rate_v1(url: str, clients: int, seconds: float) -> float:
    accept = {"Accept": "application/vnd.kafka.binary.v1+json"}
    with httpx.Client(base_url=url) as client:
        end = client.post(f"/topics/{TOPIC}", content=_body(1), headers=_headers("v1")).json()["offsets"][0][
            "offset"
        ]
    # Stay inside what --max-records retains: older offsets answer 500/50002, as Kafka's would.
    first = max(0, end - RETAINED // 2)
    offsets = itertools.cycle(range(first, max(first + 1, end - 1000), 997))

    def work(client: httpx.Client) -> int:
        offset = next(offsets)
        response = client.get(
            f"/topics/{TOPIC}/partitions/0/messages?offset={offset}&count=1000", headers=accept
        )
        assert response.status_code == 200, response.text
        return len(response.json())

    return concurrent(clients, seconds, work, url)


def consume_rate_v2(url: str, clients: int, seconds: float) -> float:
    json_headers = {
        "Content-Type": "application/vnd.kafka.v2+json",
        "Accept": "application/vnd.kafka.v2+json",
    }
    local = threading.local()

    def work(client: httpx.Client) -> int:
        if not hasattr(local, "base"):
            created = client.post(f"/consumers/bench-{threading.get_ident()}", json={}, headers=json_headers)
            local.base = f"/consumers/bench-{threading.get_ident()}/instances/{created.json()['instance_id']}"
            partitions = {"partitions": [{"topic": TOPIC, "partition": 0}]}
            client.post(f"{local.base}/assignments", json=partitions, headers=json_headers)
        client.post(
            f"{local.base}/positions/beginning",
            json={"partitions": [{"topic": TOPIC, "partition": 0}]},
            headers=json_headers,
        )
        response = client.get(
            f"{local.base}/records?timeout=100&max_bytes=150000",
            headers={"Accept": "application/vnd.kafka.binary.v2+json"},
        )
        assert response.status_code == 200, response.text
        return len(response.json())

    return concurrent(clients, seconds, work, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads for throughput")
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests for latency")
    parser.add_argument("--api-version", choices=("v1", "v2"), default="v1")
    args = parser.parse_args()
    version = args.api_version
    serve_args = ["--api-version", version, "--topic", f"{TOPIC}:1", "--max-records", str(RETAINED)]
    with serve_subprocess(serve_args) as served:
        print(
            f"reference server {served.url} (API {version}); {args.clients} clients, {args.seconds:g} s per run"
        )
        p50, p99 = latency(served.url, version, args.requests)
        print(f"single-record produce latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({args.requests} requests)")
        for batch in (1, 100):
            rate = produce_rate(served.url, version, batch, args.clients, args.seconds)
            print(f"produce throughput, batches of {batch:>3}: {rate:,.0f} records/s")
        rate = (consume_rate_v1 if version == "v1" else consume_rate_v2)(
            served.url, args.clients, args.seconds
        )
        what = "read by offset, count=1000" if version == "v1" else "assign + records"
        print(f"consume throughput ({what}): {rate:,.0f} records/s")


if __name__ == "__main__":
    main()
