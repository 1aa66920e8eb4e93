#!/usr/bin/env bash
# Install the real third-party Kafka REST clients the reference server is proven against.
set -euo pipefail
cd "$(dirname "$0")/../tests/clients"
if [ -f package.json ] && [ ! -d node_modules ]; then
  npm install --no-audit --no-fund --silent
fi
