"""Time a full `--budget quick` run against the embedded reference server, for v1 and v2.

    .venv/bin/python benchmarks/run_bench.py [--repeat N]

Each run is the real command line in a fresh process (`kafka-rest-conformance run --budget quick`),
so the figure includes start-up, the reference server, preflight, every check and the four
reports, as a user would see it. Aim (issue 8): under 15 s per run on the development machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIM_S = 15.0


def one_run(version: str, seed: int) -> tuple[float, int, dict[str, int], float]:
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable, "-m", "conformance", "run", "--api-version", version, "--budget", "quick",
                "--seed", str(seed), "--report-dir", tmp,
            ],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        wall = time.perf_counter() - began
        doc = json.loads((Path(tmp) / "results.json").read_text())
    return wall, proc.returncode, doc["summary"]["counts"], doc["duration"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    worst = 0.0
    for version in ("v1", "v2"):
        walls = []
        for n in range(args.repeat):
            wall, code, counts, inner = one_run(version, args.seed + n)
            walls.append(wall)
            tally = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            print(
                f"{version} run {n + 1}: {wall:.2f} s wall ({inner:.2f} s in the run itself), exit {code}: {tally}"
            )
        worst = max(worst, max(walls))
        print(
            f"{version}: median {statistics.median(walls):.2f} s, max {max(walls):.2f} s over {len(walls)} runs"
        )
    print(f"aim: under {AIM_S:.0f} s per run: {'met' if worst < AIM_S else 'NOT met'} (worst {worst:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
