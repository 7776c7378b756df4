#!/usr/bin/env bash
# Stops the local schema registry started by up.sh: SIGTERM, then SIGKILL
# after a grace period. Its schemas were in memory: they are gone.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${REGISTRY_STATE:-$(cd "$here/../.." && pwd)/.registry}
pidfile="$state/run/registry.pid"
pid=$(cat "$pidfile" 2>/dev/null) || exit 0
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "stopped the registry (pid $pid)"
fi
rm -f "$pidfile"
exit 0
