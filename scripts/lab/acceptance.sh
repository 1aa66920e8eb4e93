#!/usr/bin/env bash
# The live acceptance set of one lab server (issue 15): 5 standard runs, 5 quick runs, one deep
# run, one standard run with --jobs 1 and (Confluent) one with --probe-unknown-topic-produce,
# each on fresh topics with its own seed. Then the flakiness figure over the 5 standard runs.
# Usage: scripts/lab/acceptance.sh SERVER OUT_ROOT [STANDARD_RUNS [QUICK_RUNS]]
set -uo pipefail
SERVER="${1:?usage: acceptance.sh SERVER OUT_ROOT [STANDARD_RUNS [QUICK_RUNS]]}"; OUT="${2:?}"
N_STD="${3:-5}"; N_QUICK="${4:-5}"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
run() { "$HERE/run-live.sh" "$SERVER" "$@" > /dev/null 2>&1; local rc=$?; echo "$SERVER $(basename "$1") exit $rc" >&2; }
for i in $(seq 1 "$N_STD"); do run "$OUT/$SERVER/standard-$i" --budget standard; done
for i in $(seq 1 "$N_QUICK"); do run "$OUT/$SERVER/quick-$i" --budget quick; done
run "$OUT/$SERVER/deep-1" --budget deep
run "$OUT/$SERVER/jobs1-1" --budget standard --jobs 1
case "$SERVER" in confluent-*) run "$OUT/$SERVER/probe-1" --budget standard --probe-unknown-topic-produce ;; esac
"$REPO/.venv/bin/python" "$REPO/benchmarks/flakiness.py" --analyse "$OUT/$SERVER"/standard-* > "$OUT/$SERVER/flakiness-standard.txt"
"$REPO/.venv/bin/python" "$REPO/benchmarks/flakiness.py" --analyse "$OUT/$SERVER"/quick-* > "$OUT/$SERVER/flakiness-quick.txt"
