#!/usr/bin/env bash
# Create (or delete) topics on the lab broker of a proxy version, with Kafka's own TopicCommand
# (the same class as bin/kafka-topics.sh), run from the broker's jars.
# Usage: scripts/lab/confluent/topics.sh 5.5.0|7.5.0 name:partitions ...        create (fails if it exists)
#        scripts/lab/confluent/topics.sh 5.5.0|7.5.0 --delete name ...          delete
#        scripts/lab/confluent/topics.sh 5.5.0|7.5.0 --list | --describe name
# Env: KRC_LAB_CACHE, KRC_KAFKA25_PORT (29092), KRC_KAFKA35_PORT (39092).
set -euo pipefail
V="${1:?usage: topics.sh 5.5.0|7.5.0 ...}"; shift
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
case "$V" in
  5.5.0) KV=2.5.0; KPORT="${KRC_KAFKA25_PORT:-29092}" ;;
  7.5.0) KV=3.5.0; KPORT="${KRC_KAFKA35_PORT:-39092}" ;;
  *) echo "unsupported version $V" >&2; exit 2 ;;
esac
KLIB="$CACHE/apache-kafka-$KV/lib"
LOGCFG="$CACHE/apache-kafka-$KV/tools-log4j.properties"
[ -f "$LOGCFG" ] || printf 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' > "$LOGCFG"
topics() {
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$LOGCFG" \
    -cp "$KLIB/*" kafka.admin.TopicCommand --bootstrap-server "127.0.0.1:$KPORT" "$@"
}
case "${1:-}" in
  --list) topics --list ;;
  --describe) shift; for t in "$@"; do topics --describe --topic "$t"; done ;;
  --delete) shift; for t in "$@"; do topics --delete --topic "$t"; echo "[confluent-lab] deleted $t" >&2; done ;;
  *)
    for spec in "$@"; do
      name="${spec%%:*}"; parts="${spec##*:}"; [ "$parts" = "$spec" ] && parts=1
      topics --create --topic "$name" --partitions "$parts" --replication-factor 1 >&2
    done
    # Wait until the broker reports every partition with a leader.
    for spec in "$@"; do
      name="${spec%%:*}"; parts="${spec##*:}"; [ "$parts" = "$spec" ] && parts=1
      for _ in $(seq 1 30); do
        n=$(topics --describe --topic "$name" 2>/dev/null | grep -c 'Leader: [0-9]' || true)
        [ "$n" -ge "$parts" ] && break; sleep 1
      done
      echo "[confluent-lab] topic $name: $parts partition(s), $n with a leader" >&2
    done ;;
esac
