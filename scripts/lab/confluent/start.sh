#!/usr/bin/env bash
# Start the Confluent REST Proxy built by build.sh, with its Apache Kafka broker and ZooKeeper, all on
# 127.0.0.1. Idempotent: whatever is already running (by its recorded PID) is left alone.
#
# Usage: scripts/lab/confluent/start.sh 5.5.0|7.5.0 [topic:partitions ...]
#   5.5.0: ZooKeeper 3.5.7, Apache Kafka 2.5.0 (broker id 0, chroot /kafka-2.5.0), kafka-rest 5.5.0
#   7.5.0: ZooKeeper 3.5.7, Apache Kafka 3.5.0 (broker id 1, chroot /kafka-3.5.0), kafka-rest 7.5.0
#   Topics given as name:partitions are (re)created fresh with Kafka's own TopicCommand (topics.sh).
# Prints "component PID" lines on stdout; logs go to stderr and to $KRC_CONFLUENT_RUN/<component>/.
#
# Env: KRC_LAB_CACHE ($HOME/.cache/krc-lab), KRC_CONFLUENT_RUN ($KRC_LAB_CACHE/confluent-run),
#      KRC_ZK_PORT (22181), KRC_KAFKA25_PORT (29092), KRC_KAFKA35_PORT (39092),
#      KRC_PROXY55_PORT (28082), KRC_PROXY75_PORT (28083),
#      KRC_DEAD_REGISTRY_PORT (28081: nothing may listen there; binary never calls the registry),
#      KRC_BROKER_HEAP (512m), KRC_PROXY_HEAP (512m), KRC_ZK_HEAP (256m).
# A fresh ZooKeeper (not running yet) wipes all scratch data of the lab: brokers then start empty.
set -euo pipefail

V="${1:?usage: start.sh 5.5.0|7.5.0 [topic:partitions ...]}"; shift
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
RUN="${KRC_CONFLUENT_RUN:-$CACHE/confluent-run}"
ZK_PORT="${KRC_ZK_PORT:-22181}"
DEAD_REG="${KRC_DEAD_REGISTRY_PORT:-28081}"
case "$V" in
  5.5.0) KV=2.5.0; BROKER_ID=0; KPORT="${KRC_KAFKA25_PORT:-29092}"; PPORT="${KRC_PROXY55_PORT:-28082}" ;;
  7.5.0) KV=3.5.0; BROKER_ID=1; KPORT="${KRC_KAFKA35_PORT:-39092}"; PPORT="${KRC_PROXY75_PORT:-28083}" ;;
  *) echo "unsupported version $V" >&2; exit 2 ;;
esac
ZLIB="$CACHE/zookeeper-3.5.7/lib"
KLIB="$CACHE/apache-kafka-$KV/lib"
PLIB="$CACHE/confluent-$V/lib"
for d in "$ZLIB" "$KLIB" "$PLIB"; do
  [ -d "$d" ] || { echo "[confluent-lab] missing $d: run build.sh $V first" >&2; exit 1; }
done
log() { echo "[confluent-lab] $*" >&2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
JAVA_COMMON=(-XX:+UseG1GC -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true)

log4j_props() {  # $1 = file, $2 = log file
  cat > "$1" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
}

wait_for() {  # $1 = what, $2 = pid file, $3 = seconds, $4... = test command
  local what="$1" pidf="$2" secs="$3"; shift 3
  local t0; t0=$(date +%s.%N)
  for _ in $(seq 1 "$secs"); do
    alive "$pidf" || { log "$what exited; see its log"; return 1; }
    if "$@"; then log "$what ready in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s (PID $(cat "$pidf"))"; return 0; fi
    sleep 1
  done
  log "$what not ready after $secs s"; return 1
}

# 1. ZooKeeper 3.5.7 (shared by both brokers).
mkdir -p "$RUN"
if ! alive "$RUN/zookeeper/pid"; then
  if listening "$ZK_PORT"; then log "port $ZK_PORT is taken by something else"; exit 1; fi
  log "fresh ZooKeeper: wiping $RUN"
  for f in "$RUN"/*/pid; do
    [ -f "$f" ] && alive "$f" && { log "$(dirname "$f") still running (PID $(cat "$f")); run stop.sh all first"; exit 1; }
  done
  rm -rf "$RUN"; mkdir -p "$RUN/zookeeper/data"
  cat > "$RUN/zookeeper/zoo.cfg" <<CFG
dataDir=$RUN/zookeeper/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
tickTime=2000
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
CFG
  log4j_props "$RUN/zookeeper/log4j.properties" "$RUN/zookeeper/zookeeper.log"
  nohup java -Xms"${KRC_ZK_HEAP:-256m}" -Xmx"${KRC_ZK_HEAP:-256m}" "${JAVA_COMMON[@]}" \
    -Dlog4j.configuration="file:$RUN/zookeeper/log4j.properties" -Dzookeeper.jmx.log4j.disable=true \
    -cp "$ZLIB/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$RUN/zookeeper/zoo.cfg" \
    > "$RUN/zookeeper/stdout.log" 2>&1 &
  echo $! > "$RUN/zookeeper/pid"
  zk_ok() { local r; r=$( { exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf ruok >&3 && head -c 4 <&3; } 2>/dev/null ) || true; [ "$r" = imok ]; }
  wait_for "ZooKeeper 3.5.7 on 127.0.0.1:$ZK_PORT" "$RUN/zookeeper/pid" 60 zk_ok
fi
echo "zookeeper $(cat "$RUN/zookeeper/pid")"

# 2. Apache Kafka broker, ZooKeeper mode, auto-create off.
KRUN="$RUN/kafka-$KV"
if ! alive "$KRUN/pid"; then
  if listening "$KPORT"; then log "port $KPORT is taken by something else"; exit 1; fi
  mkdir -p "$KRUN/data"
  cat > "$KRUN/server.properties" <<PROPS
broker.id=$BROKER_ID
listeners=PLAINTEXT://127.0.0.1:$KPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT
zookeeper.connect=127.0.0.1:$ZK_PORT/kafka-$KV
log.dirs=$KRUN/data
num.partitions=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  log4j_props "$KRUN/log4j.properties" "$KRUN/kafka.log"
  nohup java -Xms"${KRC_BROKER_HEAP:-512m}" -Xmx"${KRC_BROKER_HEAP:-512m}" "${JAVA_COMMON[@]}" \
    -Dlog4j.configuration="file:$KRUN/log4j.properties" \
    -cp "$KLIB/*" kafka.Kafka "$KRUN/server.properties" > "$KRUN/stdout.log" 2>&1 &
  echo $! > "$KRUN/pid"
  kafka_ok() { grep -q "\[KafkaServer id=$BROKER_ID\] started" "$KRUN/kafka.log" 2>/dev/null && listening "$KPORT"; }
  wait_for "Apache Kafka $KV on 127.0.0.1:$KPORT" "$KRUN/pid" 120 kafka_ok
fi
echo "kafka-$KV $(cat "$KRUN/pid")"

# 3. The REST Proxy: only id, listeners, bootstrap.servers, (5.5.0) zookeeper.connect for the v1
#    consumer, and schema.registry.url at a dead loopback port. Everything else at its default.
PRUN="$RUN/kafka-rest-$V"
if ! alive "$PRUN/pid"; then
  if listening "$PPORT"; then log "port $PPORT is taken by something else"; exit 1; fi
  if listening "$DEAD_REG"; then log "port $DEAD_REG (the dead schema registry) has a listener; pick another KRC_DEAD_REGISTRY_PORT"; exit 1; fi
  mkdir -p "$PRUN"
  {
    echo "id=kafka-rest-conformance"
    echo "listeners=http://127.0.0.1:$PPORT"
    echo "bootstrap.servers=PLAINTEXT://127.0.0.1:$KPORT"
    [ "$V" = 5.5.0 ] && echo "zookeeper.connect=127.0.0.1:$ZK_PORT/kafka-$KV"
    echo "schema.registry.url=http://127.0.0.1:$DEAD_REG"
  } > "$PRUN/kafka-rest.properties"
  log4j_props "$PRUN/log4j.properties" "$PRUN/kafka-rest.log"
  nohup java -Xms"${KRC_PROXY_HEAP:-512m}" -Xmx"${KRC_PROXY_HEAP:-512m}" "${JAVA_COMMON[@]}" \
    -Dlog4j.configuration="file:$PRUN/log4j.properties" \
    -cp "$PLIB/*" io.confluent.kafkarest.KafkaRestMain "$PRUN/kafka-rest.properties" > "$PRUN/stdout.log" 2>&1 &
  echo $! > "$PRUN/pid"
  proxy_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PPORT/topics")" = 200 ]; }
  wait_for "kafka-rest $V on http://127.0.0.1:$PPORT" "$PRUN/pid" 120 proxy_ok
fi
echo "kafka-rest-$V $(cat "$PRUN/pid")"

# 4. Topics.
[ "$#" -gt 0 ] && "$HERE/topics.sh" "$V" "$@"
exit 0
