#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) on 127.0.0.1.
# The official org.apache.kafka:kafka_2.13 jars and their runtime dependencies come from Maven Central
# (deploy/local/kafka/pom.xml) into a cache outside the repository; data and logs live in var/kafka.
#   deploy/local/kafka.sh up | down | status | fetch
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=ports.sh
. "$here/ports.sh"
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")
cache=${ADUAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aduan}/kafka-$version
libs=$cache/libs
port=${ADUAN_KAFKA_PORT:-9092}
controller_port=${ADUAN_KAFKA_CONTROLLER_PORT:-$((port + 1))}
state=$root/var/kafka
pidfile=$state/kafka.pid
java=${JAVA_HOME:+$JAVA_HOME/bin/}java

log() { echo "[kafka] $*" >&2; }

# Java 17 and Maven come from the OS packages when the machine lacks them.
ensure_tools() {
  local missing=()
  command -v "$java" >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null || { log "missing ${missing[*]} and no apt-get: install them"; exit 1; }
  log "installing ${missing[*]} from the OS packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
}

fetch() {
  ensure_tools
  if [ -f "$libs/kafka_2.13-$version.jar" ] && [ -f "$cache/complete" ]; then return; fi
  log "resolving org.apache.kafka:kafka_2.13:$version and its dependencies from Maven Central"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$cache/complete"
}

# running: the pid file names a live process that is this checkout's broker (not a reused pid)
running() { [ -f "$pidfile" ] && pid_alive "$(cat "$pidfile")" "kafka.Kafka $state/server.properties"; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

up() {
  if running; then log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return; fi
  if [ -f "$pidfile" ]; then log "removing the pid file a killed broker left behind"; rm -f "$pidfile"; fi
  port_check "$port" kafka ADUAN_KAFKA_PORT "$root" || exit $?
  port_check "$controller_port" kafka ADUAN_KAFKA_CONTROLLER_PORT "$root" || exit $?
  fetch
  mkdir -p "$state/data" "$state/logs"
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
# topics are declared in shared/topics.py and created from there; a typo must not create a topic
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  if [ ! -f "$state/data/meta.properties" ]; then
    "$java" -cp "$libs/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml" -Dkafka.logs.dir="$state/logs" \
      kafka.tools.StorageTool format --standalone -t "$("$java" -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
      -c "$state/server.properties" >"$state/logs/format.log" 2>&1 || { cat "$state/logs/format.log" >&2; exit 1; }
  fi
  log "starting Kafka $version on 127.0.0.1:$port …"
  (cd / && exec nohup "$java" -Xms256m -Xmx"${ADUAN_KAFKA_HEAP:-768m}" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml" -Dkafka.logs.dir="$state/logs" \
    -cp "$libs/*" kafka.Kafka "$state/server.properties" >"$state/logs/stdout.log" 2>&1) &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if answers; then return; fi
    running || { log "broker exited; see $state/logs"; tail -20 "$state/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  log "broker did not answer within 60 s; see $state/logs"; exit 1
}

down() {
  if ! running; then log "not running"; rm -f "$pidfile"; return; fi
  pid=$(cat "$pidfile"); kill "$pid"
  for _ in $(seq 1 60); do pid_alive "$pid" || break; sleep 0.5; done
  if pid_alive "$pid"; then kill -9 "$pid"; fi
  rm -f "$pidfile"; log "stopped"
}

status() {
  if running; then echo "kafka: running (pid $(cat "$pidfile")) on 127.0.0.1:$port, version $version"
  else echo "kafka: stopped"; fi
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;; fetch) fetch ;;
  *) echo "usage: $0 up|down|status|fetch" >&2; exit 2 ;;
esac
