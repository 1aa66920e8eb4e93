#!/usr/bin/env bash
# Build Confluent's kafka-rest (the REST Proxy) from source, with Apache Kafka from Maven Central in
# place of Confluent's -ccs Kafka builds, plus the matching Apache Kafka broker jars.
#
# Usage: scripts/lab/confluent/build.sh VERSION          VERSION = 5.5.0 (API v1+v2) or 7.5.0 (API v2)
#
# This script fetches no source itself. It needs the four Confluent repositories at tag vVERSION,
# given as unpacked trees in $KRC_CONFLUENT_SRC/{common,rest-utils,schema-registry,kafka-rest}
# (default $KRC_LAB_CACHE/src/confluent-VERSION), or as git directories (clone or bare mirror that
# has the tag) in KRC_GIT_COMMON, KRC_GIT_REST_UTILS, KRC_GIT_SCHEMA_REGISTRY, KRC_GIT_KAFKA_REST;
# missing trees are exported from those with `git archive vVERSION`.
# Packages come only from Maven Central, through mvn, into a private local repository.
#
# Output: $KRC_LAB_CACHE/confluent-VERSION/lib/        kafka-rest jar + its resolved runtime classpath
#         $KRC_LAB_CACHE/apache-kafka-KVERSION/lib/   broker jars (kafka_2.12:KVERSION), also its admin tools
#         $KRC_LAB_CACHE/zookeeper-3.5.7/lib/         ZooKeeper 3.5.7
# Re-running rebuilds the proxy from a fresh copy of the sources (the Kafka and ZooKeeper jars are
# resolved once).
# Env: KRC_LAB_CACHE ($HOME/.cache/krc-lab), KRC_M2 ($KRC_LAB_CACHE/confluent-m2, the local Maven
#      repository), KRC_MVN_HEAP (1g).
set -euo pipefail

V="${1:?usage: build.sh 5.5.0|7.5.0}"
case "$V" in
  5.5.0) KV=2.5.0 ;;
  7.5.0) KV=3.5.0 ;;
  *) echo "unsupported version $V (5.5.0 or 7.5.0)" >&2; exit 2 ;;
esac
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${KRC_LAB_CACHE:-$HOME/.cache/krc-lab}"
SRC="${KRC_CONFLUENT_SRC:-$CACHE/src/confluent-$V}"
OUT="$CACHE/confluent-$V"
WORK="$OUT/build"
M2="${KRC_M2:-$CACHE/confluent-m2}"
export MAVEN_OPTS="-Xmx${KRC_MVN_HEAP:-1g} -XX:+UseSerialGC"
MVN=(nice -n 10 mvn -B -T 1 -Dmaven.repo.local="$M2"
     -Dmaven.test.skip=true -DskipTests -Dcheckstyle.skip=true -Denforcer.skip=true
     -Ddependency.check.skip=true -Dspotbugs.skip=true -Djacoco.skip=true -Dmaven.javadoc.skip=true
     -Dmaven.source.skip=true -Dmaven.buildNumber.skip=true -Dgpg.skip=true -Dspotless.check.skip=true)

log() { echo "[confluent-build $V] $*" >&2; }
T_ALL=$(date +%s)
step() { STEP_NAME="$1"; STEP_T0=$(date +%s); log "== $1"; }
done_step() { log "   $STEP_NAME: $(( $(date +%s) - STEP_T0 )) s"; echo "$STEP_NAME $(( $(date +%s) - STEP_T0 ))" >> "$OUT/timings.txt"; }

mkdir -p "$OUT"; : > "$OUT/timings.txt"

# 1. Sources at tag vVERSION.
step sources
for r in common rest-utils schema-registry kafka-rest; do
  if [ ! -f "$SRC/$r/pom.xml" ]; then
    var="KRC_GIT_$(echo "$r" | tr 'a-z-' 'A-Z_')"
    gd="${!var:-}"
    [ -n "$gd" ] || { log "no source tree $SRC/$r and $var not set"; exit 1; }
    log "exporting $r tag v$V from $gd"
    mkdir -p "$SRC/$r"
    git --git-dir="$gd" archive "v$V" | tar -x -C "$SRC/$r"
  fi
  grep -q "<version>$V</version>" "$SRC/$r/pom.xml" || { log "$SRC/$r is not version $V"; exit 1; }
done
rm -rf "$WORK"; mkdir -p "$WORK"
cp -a "$SRC/common" "$SRC/rest-utils" "$SRC/schema-registry" "$SRC/kafka-rest" "$WORK/"
done_step

# 2. POM patches (see patch_poms.py) and the few source-level changes.
step patch
python3 "$HERE/patch_poms.py" "$V" "$KV" "$WORK/common" "$WORK/rest-utils" "$WORK/schema-registry" "$WORK/kafka-rest" > "$OUT/patch.log"
if [ "$V" = 7.5.0 ]; then
  # protobuf-serializer's test .proto files import Google protos that only the tests need.
  rm -rf "$WORK/schema-registry/protobuf-serializer/src/test/proto"
  # protobuf-types: its Java sources are checked in; protoc-jar (dropped) only regenerated them and
  # added the .proto files to the jar. Keep the .proto files in the jar as resources.
  mkdir -p "$WORK/schema-registry/protobuf-types/src/main/resources"
  cp -a "$WORK/schema-registry/protobuf-types/src/main/proto/." "$WORK/schema-registry/protobuf-types/src/main/resources/"
fi
log "   $(wc -l < "$OUT/patch.log") POMs patched (see $OUT/patch.log)"
done_step

# 3. io.confluent dependencies into the private local repository.
case "$V" in
  5.5.0) COMMON_MODULES=.,assembly-plugin-boilerplate,build-tools,metrics,config,utils,parent
         SR_MODULES=client,schema-serializer,avro-serializer,json-serializer,json-schema-provider,json-schema-serializer,protobuf-provider,protobuf-serializer ;;
  7.5.0) COMMON_MODULES=.,assembly-plugin-boilerplate,build-tools,metrics,config,utils,parent
         SR_MODULES=client,schema-serializer,avro-serializer,json-serializer,json-schema-provider,json-schema-serializer,protobuf-types,protobuf-provider,protobuf-serializer ;;
esac
step common
(cd "$WORK/common" && "${MVN[@]}" -pl "$COMMON_MODULES" install) > "$OUT/mvn-common.log" 2>&1 \
  || { tail -40 "$OUT/mvn-common.log" >&2; exit 1; }
done_step
step rest-utils
(cd "$WORK/rest-utils" && "${MVN[@]}" -N install && "${MVN[@]}" -pl core install) > "$OUT/mvn-rest-utils.log" 2>&1 \
  || { tail -40 "$OUT/mvn-rest-utils.log" >&2; exit 1; }
done_step
step schema-registry
(cd "$WORK/schema-registry" && "${MVN[@]}" -N install && "${MVN[@]}" -pl "$SR_MODULES" install) > "$OUT/mvn-schema-registry.log" 2>&1 \
  || { tail -40 "$OUT/mvn-schema-registry.log" >&2; exit 1; }
done_step

# 4. kafka-rest itself, then its resolved runtime classpath (the distribution archive leaves out
#    rest-utils and common, which Confluent ships as separate packages).
step kafka-rest
(cd "$WORK/kafka-rest" && "${MVN[@]}" install) > "$OUT/mvn-kafka-rest.log" 2>&1 \
  || { tail -40 "$OUT/mvn-kafka-rest.log" >&2; exit 1; }
rm -rf "$OUT/lib"; mkdir -p "$OUT/lib"
(cd "$WORK/kafka-rest/kafka-rest" && "${MVN[@]}" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$OUT/lib") > "$OUT/mvn-classpath.log" 2>&1 || { tail -40 "$OUT/mvn-classpath.log" >&2; exit 1; }
cp "$WORK/kafka-rest/kafka-rest/target/kafka-rest-$V.jar" "$OUT/lib/"
cp "$WORK/kafka-rest/config/log4j.properties" "$OUT/log4j.properties"
log "   $(ls "$OUT/lib" | wc -l) jars, $(du -sh "$OUT/lib" | cut -f1)"
done_step

# 5. Apache Kafka broker (and ZooKeeper, a dependency of kafka_2.12) jars.
step "apache-kafka-$KV"
KLIB="$CACHE/apache-kafka-$KV/lib"
if [ ! -f "$KLIB/.complete" ]; then
  mkdir -p "$CACHE/apache-kafka-$KV"
  case "$KV" in
    2.5.*) LOGDEP='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId><version>1.7.30</version></dependency>' ;;
    *)     LOGDEP='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>' ;;
  esac
  cat > "$CACHE/apache-kafka-$KV/pom.xml" <<POM
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.krc</groupId><artifactId>apache-kafka-lab</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.12</artifactId><version>$KV</version></dependency>
    $LOGDEP
  </dependencies>
</project>
POM
  rm -rf "$KLIB"
  (cd "$CACHE/apache-kafka-$KV" && "${MVN[@]}" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KLIB") \
    > "$CACHE/apache-kafka-$KV/mvn.log" 2>&1 || { tail -40 "$CACHE/apache-kafka-$KV/mvn.log" >&2; exit 1; }
  touch "$KLIB/.complete"
fi
log "   $(ls "$KLIB" | wc -l) jars"
done_step

# 6. ZooKeeper 3.5.7 (the version Kafka 2.5.0 ships with), run on its own for both brokers.
step zookeeper-3.5.7
ZLIB="$CACHE/zookeeper-3.5.7/lib"
if [ ! -f "$ZLIB/.complete" ]; then
  mkdir -p "$CACHE/zookeeper-3.5.7"
  cat > "$CACHE/zookeeper-3.5.7/pom.xml" <<POM
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.krc</groupId><artifactId>zookeeper-lab</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>3.5.7</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$ZLIB"
  (cd "$CACHE/zookeeper-3.5.7" && "${MVN[@]}" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$ZLIB") \
    > "$CACHE/zookeeper-3.5.7/mvn.log" 2>&1 || { tail -40 "$CACHE/zookeeper-3.5.7/mvn.log" >&2; exit 1; }
  touch "$ZLIB/.complete"
fi
log "   $(ls "$ZLIB" | wc -l) jars"
done_step

log "done in $(( $(date +%s) - T_ALL )) s; timings in $OUT/timings.txt"
