#!/usr/bin/env bash
# The whole test suite: install everything it needs, lint, type-check, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-node-clients.sh
bash scripts/setup-browser.sh
echo "== ruff"
.venv/bin/ruff check conformance tests benchmarks
.venv/bin/ruff format --check conformance tests benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
# pytest's 5 means "no tests collected": that is a failure of this script, not a pass.
exit $status
