#!/usr/bin/env bash
# Start a single-node Apache Kafka 4.1.1 (KRaft, combined broker+controller) on loopback.
# Usage: scripts/lab/kafka/start.sh [topic:partitions ...]
# Jars come from Maven Central (org.apache.kafka:kafka_2.13:4.1.1 + slf4j-simple) via a throwaway POM.
# Env: KRC_LAB_CACHE (default $HOME/.cache/krc-lab), KRC_KAFKA_DATA (default: $KRC_LAB_CACHE/kafka-run),
#      KRC_KAFKA_PORT (19092), KRC_KAFKA_CONTROLLER_PORT (19093), KRC_KAFKA_HEAP (512m).
set -euo pipefail

KAFKA_VERSION=4.1.1
SLF4J_SIMPLE_VERSION=1.7.36   # matches the slf4j-api 1.7.x that kafka-clients 4.1.1 declares
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
RUN="${KRC_KAFKA_DATA:-$CACHE/kafka-run}"
PORT="${KRC_KAFKA_PORT:-19092}"
CPORT="${KRC_KAFKA_CONTROLLER_PORT:-19093}"
HEAP="${KRC_KAFKA_HEAP:-512m}"
BOOT="127.0.0.1:$PORT"

log() { echo "[kafka-lab] $*" >&2; }

# 1. Resolve runtime jars once (throwaway POM outside the repo).
if [ ! -f "$LIB/.complete" ]; then
  log "resolving kafka_2.13:$KAFKA_VERSION runtime jars into $LIB"
  mkdir -p "$CACHE/kafka-$KAFKA_VERSION"
  cat > "$CACHE/kafka-$KAFKA_VERSION/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.krc</groupId><artifactId>kafka-lab-deps</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_SIMPLE_VERSION</version></dependency>
  </dependencies>
</project>
POM
  t0=$(date +%s)
  (cd "$CACHE/kafka-$KAFKA_VERSION" && mvn -q -B dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIB" >&2)
  # Keep exactly one SLF4J binding: drop log4j/reload4j bindings if any came in transitively.
  rm -f "$LIB"/log4j-slf4j*-impl-*.jar "$LIB"/slf4j-reload4j-*.jar "$LIB"/slf4j-log4j12-*.jar
  touch "$LIB/.complete"
  log "jars resolved in $(( $(date +%s) - t0 )) s ($(ls "$LIB" | wc -l) files, $(du -sh "$LIB" | cut -f1))"
fi
CP="$LIB/*"

# 2. Refuse to start twice.
if [ -f "$RUN/kafka.pid" ] && kill -0 "$(cat "$RUN/kafka.pid")" 2>/dev/null; then
  log "already running, PID $(cat "$RUN/kafka.pid")"; echo "$(cat "$RUN/kafka.pid")"; exit 0
fi

# 3. Fresh scratch storage, formatted for KRaft.
rm -rf "$RUN"; mkdir -p "$RUN/data"
cat > "$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
auto.create.topics.enable=${KRC_KAFKA_AUTO_CREATE:-false}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
CLUSTER_ID=$(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$RUN/server.properties" >"$RUN/format.log" 2>&1

# 4. Start the broker.
t0=$(date +%s.%N)
nohup java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true \
  -cp "$CP" kafka.Kafka "$RUN/server.properties" >"$RUN/kafka.log" 2>&1 &
PID=$!
echo "$PID" > "$RUN/kafka.pid"

# 5. Wait until the broker answers admin requests.
ready=0
for _ in $(seq 1 120); do
  if ! kill -0 "$PID" 2>/dev/null; then log "broker exited; see $RUN/kafka.log"; tail -20 "$RUN/kafka.log" >&2; exit 1; fi
  if java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --list >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
[ "$ready" = 1 ] || { log "broker not ready after 120 s"; exit 1; }
log "ready in $(echo "$(date +%s.%N) - $t0" | bc) s"

# 6. Create topics given as name:partitions.
for spec in "$@"; do
  name="${spec%%:*}"; parts="${spec##*:}"; [ "$parts" = "$spec" ] && parts=1
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor 1 >&2
done
log "RSS $(ps -o rss= -p "$PID" | awk '{printf "%.0f MiB", $1/1024}')"
echo "$PID"
