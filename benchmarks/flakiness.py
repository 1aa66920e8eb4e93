"""Flakiness: run the suite N times against one target and list every check whose outcome changed.

    .venv/bin/python benchmarks/flakiness.py --runs 5 --out reports/flaky-ref [run args ...]
    .venv/bin/python benchmarks/flakiness.py --runs 5 --lab confluent-5.5.0-v1 --out reports/flaky-c55v1 \\
        --budget standard
    .venv/bin/python benchmarks/flakiness.py --analyse reports/flaky-c55v1/run-*

Without `--lab`, each run is `kafka-rest-conformance run` with the extra arguments (no `--target`:
the embedded reference). With `--lab SERVER`, each run is `scripts/lab/run-live.sh SERVER`, which
creates fresh topics for the run. Every run gets its own seed unless the arguments fix one, so the
figure measures what a user sees day to day. `--analyse` reads report directories already written.

Prints one line per run (exit, verdict, counts, wall time) and then every check whose outcome was
not the same in all runs; the flakiness figure is the number of such checks. Exit 0 when no check
changed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAB_RUN = REPO / "scripts" / "lab" / "run-live.sh"


@dataclass(frozen=True)
class Run:
    name: str
    exit_code: int | None
    verdict: str
    seed: int | None
    counts: dict[str, int]
    wall_s: float | None
    outcomes: dict[str, str]  # check id -> outcome
    levels: dict[str, str]  # check id -> level


def load(report_dir: Path, exit_code: int | None = None, wall_s: float | None = None) -> Run:
    doc = json.loads((report_dir / "results.json").read_text())
    info = report_dir / "run-info.txt"
    if info.exists():
        fields = dict(line.split(": ", 1) for line in info.read_text().splitlines() if ": " in line)
        exit_code = exit_code if exit_code is not None else int(fields.get("exit_code", -1))
        wall_s = wall_s if wall_s is not None else float(fields.get("wall_s", "nan"))
    summary = doc["summary"]
    return Run(
        name=report_dir.name,
        exit_code=exit_code if exit_code is not None else summary.get("exit_code"),
        verdict=summary.get("verdict", "?"),
        seed=doc.get("seed"),
        counts=summary.get("counts", {}),
        wall_s=wall_s if wall_s is not None else doc.get("duration"),
        outcomes={c["id"]: c["outcome"] for c in doc["checks"]},
        levels={c["id"]: c.get("level") or "-" for c in doc["checks"]},
    )


def one_run(out: Path, index: int, lab: str | None, args: list[str]) -> Run:
    report_dir = out / f"run-{index}"
    if lab:
        command = ["bash", str(LAB_RUN), lab, str(report_dir), *args]
    else:
        command = [sys.executable, "-m", "conformance", "run", "--report-dir", str(report_dir), *args]
    began = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    wall = time.perf_counter() - began
    (out / f"run-{index}.console.txt").write_text(proc.stdout + proc.stderr)
    if not (report_dir / "results.json").exists():
        raise SystemExit(f"run {index} wrote no results.json (exit {proc.returncode}); see {out}")
    return load(report_dir, proc.returncode, wall)


def changed(runs: list[Run]) -> dict[str, list[str]]:
    ids = sorted({i for r in runs for i in r.outcomes})
    table = {i: [r.outcomes.get(i, "absent") for r in runs] for i in ids}
    return {i: outs for i, outs in table.items() if len(set(outs)) > 1}


def report(runs: list[Run]) -> int:
    width = max(len("run"), *(len(r.name) for r in runs))
    print(f"{'run':<{width}} {'exit':>4}  {'verdict':<16} {'seed':>10} {'wall s':>7}  counts")
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v)
        wall = f"{r.wall_s:.1f}" if r.wall_s is not None else "-"
        print(f"{r.name:<{width}} {r.exit_code!s:>4}  {r.verdict:<16} {r.seed!s:>10} {wall:>7}  {counts}")
    flips = changed(runs)
    total = len({i for r in runs for i in r.outcomes})
    print(f"\nflakiness: {len(flips)} of {total} checks changed outcome over {len(runs)} runs")
    levels = {i: lvl for r in runs for i, lvl in r.levels.items()}
    for check_id, outs in flips.items():
        print(f"  {check_id:<28} {levels.get(check_id, '-'):<6} {' '.join(outs)}")
    return 1 if flips else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="how many runs (default 5)")
    parser.add_argument("--lab", metavar="SERVER", help="a lab server of scripts/lab/run-live.sh")
    parser.add_argument("--out", type=Path, help="where the runs' reports go (default reports/flaky-<time>)")
    parser.add_argument("--analyse", nargs="+", type=Path, metavar="DIR", help="report dirs already written")
    known, rest = parser.parse_known_args()
    if known.analyse:
        return report([load(d) for d in known.analyse])
    if known.runs < 2:
        parser.error("--runs must be at least 2 to compare outcomes")
    out = known.out or REPO / "reports" / f"flaky-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for index in range(1, known.runs + 1):
        runs.append(one_run(out, index, known.lab, rest))
        print(f"run {index}/{known.runs}: exit {runs[-1].exit_code}, {runs[-1].verdict}", file=sys.stderr)
    return report(runs)


if __name__ == "__main__":
    sys.exit(main())
