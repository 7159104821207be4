#!/usr/bin/env bash
# A local single-node Kafka like kafka.sh's, but with authentication and authorization as on Strimzi:
# SASL/SCRAM-SHA-512 on the client listener and KRaft's StandardAuthorizer (no ACL, no access).
# Users, topics and ACLs come from the declaration (shared/kafka_access.py via aduan/kafka_acl.py);
# every user's local password is <user>-local, the admin is `admin`.
#   deploy/local/kafka-sasl.sh up | down | status
# Environment: ADUAN_KAFKA_SASL_PORT (9192), ADUAN_KAFKA_SASL_CONTROLLER_PORT (9193),
# ADUAN_KAFKA_SASL_STATE (var/kafka-sasl), ADUAN_PYTHON (.venv/bin/python), ADUAN_KAFKA_HEAP.
# The Kafka install is kafka.sh's (`kafka.sh fetch`); this script never touches kafka.sh's broker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")
libs=${ADUAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aduan}/kafka-$version/libs
port=${ADUAN_KAFKA_SASL_PORT:-9192}
controller_port=${ADUAN_KAFKA_SASL_CONTROLLER_PORT:-9193}
state=${ADUAN_KAFKA_SASL_STATE:-$root/var/kafka-sasl}
python=${ADUAN_PYTHON:-$root/.venv/bin/python}
pidfile=$state/kafka.pid
java=${JAVA_HOME:+$JAVA_HOME/bin/}java

log() { echo "[kafka-sasl] $*" >&2; }
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

up() {
  if running; then log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"; return; fi
  if answers; then log "something else already listens on 127.0.0.1:$port; set ADUAN_KAFKA_SASL_PORT"; exit 1; fi
  "$here/kafka.sh" fetch
  mkdir -p "$state/data" "$state/logs"
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=SASL_PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-local";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
# the controller listener (loopback, PLAINTEXT) is the node talking to itself
super.users=User:admin;User:ANONYMOUS
log.dirs=$state/data
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$state/data/meta.properties" ]; then
    mapfile -t scram < <("$python" -m aduan.kafka_acl scram-args)
    "$java" -cp "$libs/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml" -Dkafka.logs.dir="$state/logs" \
      kafka.tools.StorageTool format --standalone \
      -t "$("$java" -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
      -c "$state/server.properties" "${scram[@]}" >"$state/logs/format.log" 2>&1 \
      || { cat "$state/logs/format.log" >&2; exit 1; }
  fi
  log "starting Kafka $version with SASL/SCRAM and the StandardAuthorizer on 127.0.0.1:$port"
  nohup "$java" -Xms128m -Xmx${ADUAN_KAFKA_HEAP:-512m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml" -Dkafka.logs.dir="$state/logs" \
    -cp "$libs/*" kafka.Kafka "$state/server.properties" >"$state/logs/stdout.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 180); do
    if answers; then break; fi
    running || { log "broker exited; see $state/logs"; tail -20 "$state/logs/stdout.log" >&2; exit 1; }
    sleep 0.5
  done
  answers || { log "broker did not answer within 90 s; see $state/logs"; exit 1; }
  # topics and ACLs from the declaration, as the admin (retried while the broker finishes starting)
  for attempt in $(seq 1 20); do
    if "$python" -m aduan.kafka_acl apply --bootstrap "127.0.0.1:$port" >"$state/logs/acl.log" 2>&1; then
      log "$(tail -1 "$state/logs/acl.log")"; log "ready"; return
    fi
    sleep 1
  done
  cat "$state/logs/acl.log" >&2; log "could not apply the ACLs (attempt $attempt)"; exit 1
}

down() {
  if ! running; then log "not running"; rm -f "$pidfile"; return; fi
  pid=$(cat "$pidfile"); kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"; log "stopped"
}

status() {
  if running; then echo "kafka-sasl: running (pid $(cat "$pidfile")) on 127.0.0.1:$port, version $version"
  else echo "kafka-sasl: stopped"; fi
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
