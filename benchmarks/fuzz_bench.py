"""Benchmark of the generated layer against the embedded reference server on loopback.

Prints, per API version and budget: the layer's wall time, the generated requests it sent (the
per-operation positive and negative checks) and generated requests per second.

    .venv/bin/python benchmarks/fuzz_bench.py [--budgets quick,standard] [--seed 1]
"""

from __future__ import annotations

import argparse
import re
import time

from conformance.client import TargetClient
from conformance.engine import Outcome, Target, run_check
from conformance.fuzz.checks import checks
from conformance.reference.config import ReferenceConfig
from conformance.reference.server import serve_in_thread

TOPICS = {"conformance-p3": 3, "conformance-p1": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="quick,standard")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'version':8} {'budget':9} {'checks':>6} {'failed':>6} {'requests':>9} {'layer s':>8} {'req/s':>7}"
    )
    for budget in args.budgets.split(","):
        for version in ("v1", "v2"):
            config = ReferenceConfig(api_version=version, topics=dict(TOPICS))
            with serve_in_thread(config) as server:
                client = TargetClient(server.url)
                target = Target(
                    client,
                    version,
                    "conformance-p3",
                    "conformance-p1",
                    dict(TOPICS),
                    "bench",
                    args.seed,
                    budget,
                )
                started = time.perf_counter()
                generated = 0.0
                gen_requests = 0
                ran = failed = 0
                for check in checks:
                    if check.requirement.level(version) is None:
                        continue
                    t0 = time.perf_counter()
                    result = run_check(check, target)
                    ran += 1
                    if result.outcome is not Outcome.PASS:
                        failed += 1
                        print(
                            f"  {version} {budget} {check.id}: {result.outcome.value} {result.message[:400]}"
                        )
                    for obs in result.observations:
                        m = re.search(r"(\d+) generated requests", obs)
                        if m:
                            gen_requests += int(m.group(1))
                            generated += time.perf_counter() - t0
                elapsed = time.perf_counter() - started
                client.close()
            rate = gen_requests / generated if generated else 0.0
            print(f"{version:8} {budget:9} {ran:6d} {failed:6d} {gen_requests:9d} {elapsed:8.2f} {rate:7.0f}")


if __name__ == "__main__":
    main()
