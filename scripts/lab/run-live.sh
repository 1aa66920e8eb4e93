#!/usr/bin/env bash
# One live run of the suite against a lab server, on two topics created fresh for the run
# (3 partitions and 1 partition), so no run sees another run's records.
#
# Usage: scripts/lab/run-live.sh SERVER REPORT_DIR [more `kafka-rest-conformance run` args]
#   SERVER: confluent-5.5.0-v1 | confluent-5.5.0-v2 | confluent-7.5.0-v2 | karapace-3.16.0
# The server must be running (scripts/lab/confluent/start.sh VERSION, or scripts/lab/kafka/start.sh
# then scripts/lab/karapace/start.sh). Writes the suite's reports plus REPORT_DIR/console.txt and
# REPORT_DIR/run-info.txt (command, exit code, wall seconds, load average); exits with the suite's code.
# Env: KRC (the CLI; default the repo's .venv), KRC_LAB_CACHE, and the port variables of start.sh.
set -uo pipefail
SERVER="${1:?usage: run-live.sh SERVER REPORT_DIR [args]}"; DIR="${2:?usage: run-live.sh SERVER REPORT_DIR [args]}"; shift 2
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
KRC="${KRC:-$REPO/.venv/bin/kafka-rest-conformance}"
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
TAG="$(date -u +%Y%m%d%H%M%S)-$RANDOM"

case "$SERVER" in
  confluent-5.5.0-v1) V=5.5.0; API=v1; URL="http://127.0.0.1:${KRC_PROXY55_PORT:-28082}" ;;
  confluent-5.5.0-v2) V=5.5.0; API=v2; URL="http://127.0.0.1:${KRC_PROXY55_PORT:-28082}" ;;
  confluent-7.5.0-v2) V=7.5.0; API=v2; URL="http://127.0.0.1:${KRC_PROXY75_PORT:-28083}" ;;
  karapace-3.16.0)    V=karapace; API=v2; URL="http://127.0.0.1:${KRC_KARAPACE_PORT:-18082}" ;;
  *) echo "unknown server $SERVER (confluent-5.5.0-v1, confluent-5.5.0-v2, confluent-7.5.0-v2, karapace-3.16.0)" >&2; exit 2 ;;
esac
T3="krc-$TAG-p3"; T1="krc-$TAG-p1"

if [ "$V" = karapace ]; then
  CP="$CACHE/kafka-4.1.1/lib/*"
  for t in "$T3:3" "$T1:1"; do
    java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "127.0.0.1:${KRC_KAFKA_PORT:-19092}" --create --topic "${t%%:*}" \
      --partitions "${t##*:}" --replication-factor 1 >&2 || { echo "topic creation failed" >&2; exit 1; }
  done
  sleep 2  # Karapace's metadata cache learns of new topics within a moment
else
  "$HERE/confluent/topics.sh" "$V" "$T3:3" "$T1:1" || { echo "topic creation failed" >&2; exit 1; }
fi

mkdir -p "$DIR"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s.%N)
"$KRC" run --target "$URL" --api-version "$API" --topic "$T3" --single-partition-topic "$T1" \
  --label "$SERVER" --report-dir "$DIR" "$@" 2>&1 | tee "$DIR/console.txt"
rc=${PIPESTATUS[0]}
wall=$(echo "$(date +%s.%N) - $t0" | bc)
{
  echo "command: kafka-rest-conformance run --target $URL --api-version $API --topic $T3 --single-partition-topic $T1 --label $SERVER --report-dir $DIR $*"
  echo "server: $SERVER"
  echo "exit_code: $rc"
  printf 'wall_s: %.1f\n' "$wall"
  echo "started_utc: $TAG"
  echo "loadavg_at_start: $load0"
  echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$DIR/run-info.txt"
exit "$rc"
