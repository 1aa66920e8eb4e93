#!/usr/bin/env bash
# Stop what start.sh started, by the PIDs it recorded (never by process name).
# Usage: scripts/lab/confluent/stop.sh 5.5.0|7.5.0     the proxy of that version, then its broker
#        scripts/lab/confluent/stop.sh proxy-5.5.0|proxy-7.5.0   only that proxy (start.sh then restarts it)
#        scripts/lab/confluent/stop.sh all             both proxies, both brokers, then ZooKeeper
# Env: KRC_LAB_CACHE, KRC_CONFLUENT_RUN (as start.sh).
set -euo pipefail
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
RUN="${KRC_CONFLUENT_RUN:-$CACHE/confluent-run}"
stop_one() {  # $1 = component dir name
  local pidf="$RUN/$1/pid" pid
  [ -f "$pidf" ] || { echo "[confluent-lab] $1: no PID file" >&2; return 0; }
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then echo "[confluent-lab] $1: PID $pid alive after 30 s; KILL" >&2; kill -9 "$pid"; fi
    echo "[confluent-lab] $1: stopped PID $pid" >&2
  else
    echo "[confluent-lab] $1: PID $pid not running" >&2
  fi
  rm -f "$pidf"
}
case "${1:?usage: stop.sh 5.5.0|7.5.0|proxy-5.5.0|proxy-7.5.0|all}" in
  5.5.0) stop_one kafka-rest-5.5.0; stop_one kafka-2.5.0 ;;
  7.5.0) stop_one kafka-rest-7.5.0; stop_one kafka-3.5.0 ;;
  proxy-5.5.0) stop_one kafka-rest-5.5.0 ;;
  proxy-7.5.0) stop_one kafka-rest-7.5.0 ;;
  all)   stop_one kafka-rest-5.5.0; stop_one kafka-rest-7.5.0; stop_one kafka-2.5.0; stop_one kafka-3.5.0; stop_one zookeeper ;;
  *) echo "usage: stop.sh 5.5.0|7.5.0|proxy-5.5.0|proxy-7.5.0|all" >&2; exit 2 ;;
esac
