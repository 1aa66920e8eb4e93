#!/usr/bin/env bash
# Start Karapace 3.16.0's REST proxy (Confluent API v2 dialect) on loopback, against the lab Kafka.
# Usage: scripts/lab/karapace/start.sh            (prints the PID on stdout; logs go to stderr)
# First run installs Karapace from source into its own venv (about 40 s); later runs only start it.
#
# Source: the tag 3.16.0 of Aiven-Open/karapace (GitHub; Karapace is not on PyPI). Give it as ONE of
#   KRC_KARAPACE_SRC      an unpacked source tree of tag 3.16.0 (default: $KRC_LAB_CACHE/src/karapace-3.16.0)
#   KRC_KARAPACE_GIT_DIR  a git directory (clone or bare mirror) that has the tag 3.16.0; it is exported into
#                         KRC_KARAPACE_SRC if that does not exist yet
# Env: KRC_LAB_CACHE (default $HOME/.cache/krc-lab), KRC_PYTHON (python3.11), KRC_KARAPACE_PORT (18082),
#      KRC_KAFKA_PORT (19092), KRC_KARAPACE_DEAD_REGISTRY_PORT (18081: nothing may listen there; the REST
#      proxy only needs the registry for avro/protobuf/jsonschema formats, never for binary),
#      KRC_KARAPACE_LOG_LEVEL (INFO).
set -euo pipefail

KARAPACE_VERSION=3.16.0
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
SRC="${KRC_KARAPACE_SRC:-$CACHE/src/karapace-$KARAPACE_VERSION}"
VENV="$CACHE/karapace-$KARAPACE_VERSION-venv"
RUN="$CACHE/karapace-run"
PY="${KRC_PYTHON:-python3.11}"
PORT="${KRC_KARAPACE_PORT:-18082}"
KPORT="${KRC_KAFKA_PORT:-19092}"
DEAD_REG="${KRC_KARAPACE_DEAD_REGISTRY_PORT:-18081}"

log() { echo "[karapace-lab] $*" >&2; }

# 1. Source tree.
if [ ! -f "$SRC/setup.py" ]; then
  [ -n "${KRC_KARAPACE_GIT_DIR:-}" ] || { log "no source at $SRC; set KRC_KARAPACE_SRC or KRC_KARAPACE_GIT_DIR (see README.md)"; exit 1; }
  log "exporting tag $KARAPACE_VERSION from $KRC_KARAPACE_GIT_DIR into $SRC"
  mkdir -p "$SRC"
  # Only the paths the install needs (website/ is not needed, and a partial mirror may lack its blobs).
  git --git-dir="$KRC_KARAPACE_GIT_DIR" archive "$KARAPACE_VERSION" -- \
      karapace requirements setup.py version.py README.rst pyproject.toml LICENSE MANIFEST.in | tar -x -C "$SRC"
fi

# 2. Venv with the pinned dependencies (requirements/requirements.txt), except that the avro fork
#    (a git archive URL, not installable here) is replaced by avro 1.11.3 from PyPI.
if [ ! -f "$VENV/.complete" ]; then
  t0=$(date +%s)
  log "creating $VENV with $PY"
  rm -rf "$VENV"; "$PY" -m venv "$VENV"
  sed -e 's|^avro @ .*|avro==1.11.3|' "$SRC/requirements/requirements.txt" > "$VENV/requirements-lab.txt"
  nice -n 10 "$VENV/bin/pip" install -q -r "$VENV/requirements-lab.txt" >&2
  # KARAPACE_VERSION stops version.py from asking git (the export has no .git).
  (cd "$SRC" && KARAPACE_VERSION="$KARAPACE_VERSION" nice -n 10 "$VENV/bin/pip" install -q --no-deps . >&2)
  touch "$VENV/.complete"
  log "installed in $(( $(date +%s) - t0 )) s: $("$VENV/bin/python" -c 'import karapace.version as v; print(v.__version__)')"
fi

# 3. Refuse to start twice.
if [ -f "$RUN/karapace.pid" ] && kill -0 "$(cat "$RUN/karapace.pid")" 2>/dev/null; then
  log "already running, PID $(cat "$RUN/karapace.pid")"; cat "$RUN/karapace.pid"; exit 0
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$DEAD_REG") 2>/dev/null; then
  log "something listens on 127.0.0.1:$DEAD_REG; choose a free KRC_KARAPACE_DEAD_REGISTRY_PORT"; exit 1
fi

# 4. Config: REST proxy only, everything else Karapace's defaults.
mkdir -p "$RUN"
cat > "$RUN/karapace.config.json" <<JSON
{
  "karapace_rest": true,
  "karapace_registry": false,
  "bootstrap_uri": "127.0.0.1:$KPORT",
  "host": "127.0.0.1",
  "port": $PORT,
  "advertised_hostname": "127.0.0.1",
  "advertised_port": $PORT,
  "registry_host": "127.0.0.1",
  "registry_port": $DEAD_REG,
  "statsd_host": "127.0.0.1",
  "log_level": "${KRC_KARAPACE_LOG_LEVEL:-INFO}"
}
JSON

# 5. Start and wait for the first HTTP answer.
t0=$(date +%s.%N)
nohup "$VENV/bin/karapace" "$RUN/karapace.config.json" >"$RUN/karapace.log" 2>&1 &
PID=$!
echo "$PID" > "$RUN/karapace.pid"
ready=0
for _ in $(seq 1 120); do
  if ! kill -0 "$PID" 2>/dev/null; then log "karapace exited; see $RUN/karapace.log"; tail -20 "$RUN/karapace.log" >&2; exit 1; fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/topics")" = 200 ]; then ready=1; break; fi
  sleep 0.25
done
[ "$ready" = 1 ] || { log "no 200 from GET /topics after 30 s; see $RUN/karapace.log"; exit 1; }
log "ready on http://127.0.0.1:$PORT in $(echo "$(date +%s.%N) - $t0" | bc) s (GET /topics 200); log $RUN/karapace.log"
log "RSS $(ps -o rss= -p "$PID" | awk '{printf "%.0f MiB", $1/1024}')"
echo "$PID"
