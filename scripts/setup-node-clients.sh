#!/usr/bin/env bash
# Install the real third-party Kafka REST clients the reference server is proven against:
# tests/clients/package.json, pinned by its package-lock.json (tests/reference/test_clients.py).
# Idempotent: reinstalls only when the lockfile changed since the last install. `npm ci` with a
# lockfile (exact versions, clean tree), `npm install` only when there is none. Retries once,
# because a registry hiccup should not fail CI.
set -euo pipefail
cd "$(dirname "$0")/../tests/clients"
[ -f package.json ] || exit 0
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "setup-node-clients: node/npm not found; the real-client tests will be skipped" >&2
  exit 0
fi
stamp=node_modules/.kafka-rest-conformance-lock
want=$(sha256sum package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-64)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
install() {
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --silent
  else
    npm install --no-audit --no-fund --silent
  fi
}
install || { echo "setup-node-clients: npm failed, retrying once" >&2; sleep 3; install; }
echo "$want" > "$stamp"
