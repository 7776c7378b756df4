#!/usr/bin/env bash
# Starts a local Apache Kafka cluster in KRaft mode, without Docker: NODES
# (1 or 3, default 3) combined broker+controller nodes on 127.0.0.1, clients on
# KAFKA_PORT.. (default 9092..9094), controllers 10000 above, JMX (for the
# benchmark's request counts; 127.0.0.1 only, no authentication) 20000 above. Data, logs and
# pids live in KAFKA_STATE (default .kafka/); the jars in .kafka/lib. With
# three nodes: replication factor 3 and min.insync.replicas 2, as in
# docker-compose.yaml.
#   deploy/kafka/up.sh           start all nodes, wait until every one answers
#   deploy/kafka/up.sh node 2    start node 2 again (after `down.sh node 2`)
# SECURE=1 (task kafka:up:secure) makes the clients' listener SASL_SSL instead
# (secure.sh beside this file: certificates, SCRAM users, ACLs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${KAFKA_STATE:-$root/.kafka}
lib="$root/.kafka/lib"
port0=$(( ${KAFKA_PORT:-9092} - 1 ))   # node i listens on port0 + i
nodes=${NODES:-3}
cluster_id=${KAFKA_CLUSTER_ID:-b3JkZXJmbG93LWthZmthIQ}   # a Kafka UUID (base64url of 16 bytes); all nodes share it
heap=${KAFKA_HEAP:-384m}

"$here/fetch.sh"
mkdir -p "$state/logs" "$state/run" "$state/config"

voters=""
for i in $(seq 1 "$nodes"); do
  voters+="${voters:+,}$i@127.0.0.1:$((port0 + 10000 + i))"
done
rf=$(( nodes >= 3 ? 3 : 1 ))
isr=$(( nodes >= 3 ? 2 : 1 ))

secure=${SECURE:-0}
if [ "$secure" = 1 ]; then
  # shellcheck source=secure.sh
  . "$here/secure.sh"
  secure_prepare
fi

write_config() {
  local i=$1
  if [ "$secure" = 1 ]; then
    (umask 077; cat > "$state/config/node$i.properties" <<PROPS
listeners=SASL_SSL://127.0.0.1:$((port0 + i)),CONTROLLER://127.0.0.1:$((port0 + 10000 + i))
advertised.listeners=SASL_SSL://127.0.0.1:$((port0 + i))
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_SSL
$(secure_props)
PROPS
    )
  else
    cat > "$state/config/node$i.properties" <<PROPS
listeners=PLAINTEXT://127.0.0.1:$((port0 + i)),CONTROLLER://127.0.0.1:$((port0 + 10000 + i))
advertised.listeners=PLAINTEXT://127.0.0.1:$((port0 + i))
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
PROPS
  fi
  cat >> "$state/config/node$i.properties" <<PROPS
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
log.dirs=$state/data/node$i
num.partitions=12
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
PROPS
}

format_args=()
if [ "$secure" = 1 ]; then read -ra format_args <<<"$(secure_format_args)"; fi   # read: no globbing of [name=…]
java_cmd=(java -Xms128m "-Xmx$heap" -XX:+UseG1GC "-Dlog4j2.configurationFile=$here/log4j2.yaml" -cp "$lib/*")

start_node() {
  local i=$1
  local pidfile="$state/run/node$i.pid"
  # Running: alive and not a zombie (a SIGKILLed node not yet reaped).
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null \
    && ! grep -q '^State:[[:space:]]*Z' "/proc/$(cat "$pidfile")/status" 2>/dev/null; then
    echo "node $i already running (pid $(cat "$pidfile"))"
    return
  fi
  write_config "$i"
  if [ ! -f "$state/data/node$i/meta.properties" ]; then
    "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id "$cluster_id" \
      --config "$state/config/node$i.properties" --ignore-formatted "${format_args[@]}" >>"$state/logs/node$i.log" 2>&1
  fi
  local jmx=$((port0 + 20000 + i))
  # The broker outlives this script: it keeps none of its caller's files
  # open (a lock the caller holds, a pipe a CI step waits on).
  nohup "${java_cmd[@]}" -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.host=127.0.0.1 \
    "-Dcom.sun.management.jmxremote.port=$jmx" "-Dcom.sun.management.jmxremote.rmi.port=$jmx" -Djava.rmi.server.hostname=127.0.0.1 \
    -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false \
    kafka.Kafka "$state/config/node$i.properties" >>"$state/logs/node$i.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  echo $! > "$pidfile"
  echo "node $i starting (pid $!), client port $((port0 + i)), log $state/logs/node$i.log"
}

wait_node() {
  local i=$1 port=$((port0 + i)) deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$(cat "$state/run/node$i.pid")" 2>/dev/null; then
      echo "node $i died while starting; its log:" >&2
      tail -n 40 "$state/logs/node$i.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "node $i did not open port $port in time; its log:" >&2
      tail -n 40 "$state/logs/node$i.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "node $i ready on 127.0.0.1:$port"
}

if [ "${1:-}" = node ]; then
  start_node "$2"
  wait_node "$2"
  exit 0
fi

# All nodes together: one voter of three never becomes ready alone.
for i in $(seq 1 "$nodes"); do start_node "$i"; done
for i in $(seq 1 "$nodes"); do wait_node "$i"; done
brokers=$(for i in $(seq 1 "$nodes"); do printf '127.0.0.1:%d,' $((port0 + i)); done)
if [ "$secure" = 1 ]; then
  secure_acls "${brokers%,}"
  secure_exports "${brokers%,}"
else
  echo "Kafka cluster up: export KAFKA_BROKERS=${brokers%,}"
fi
