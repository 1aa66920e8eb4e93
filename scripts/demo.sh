#!/usr/bin/env bash
# The main job: install, then run the conformance suite against the embedded reference server.
# Extra arguments go to `kafka-rest-conformance run` (e.g. --api-version v2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/kafka-rest-conformance run "$@"
