#!/usr/bin/env bash
# Stops the local Kafka cluster started by up.sh: SIGTERM, then SIGKILL after
# a grace period. Data stays in KAFKA_STATE (default .kafka/) unless PURGE=1.
#   deploy/kafka/down.sh           stop every node
#   deploy/kafka/down.sh node 2    stop node 2 only (a broker loss)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${KAFKA_STATE:-$(cd "$here/../.." && pwd)/.kafka}

stop_node() {
  local pidfile=$1 pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped $(basename "$pidfile" .pid) (pid $pid)"
  fi
  rm -f "$pidfile"
}

if [ "${1:-}" = node ]; then
  stop_node "$state/run/node$2.pid"
  exit 0
fi
for f in "$state"/run/node*.pid; do
  [ -e "$f" ] && stop_node "$f"
done
if [ "${PURGE:-0}" = 1 ]; then
  rm -rf "$state/data" "$state/config"
  echo "purged $state/data"
fi
exit 0
