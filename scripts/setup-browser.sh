#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the real-browser test of report.html
# (tests/runner/test_report_browser.py). Idempotent. Never fatal: without a browser that test
# skips and says why.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-browser: not root and no sudo; the browser test will skip" >&2; exit 0; }
  as_root=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2; do
  if "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null; then
    exit 0
  fi
  echo "setup-browser: apt-get failed (attempt $attempt)" >&2
  sleep 5
done
echo "setup-browser: chromium not installed; the browser test will skip" >&2
exit 0
