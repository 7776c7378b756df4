#!/usr/bin/env bash
# Starts a local Apicurio Registry without Docker: the Quarkus application
# from Maven Central (fetch.sh) on the JVM, on REGISTRY_HOST:REGISTRY_PORT
# (default 127.0.0.1:8085), its storage in memory (SQL storage on an
# in-memory H2 database: every schema is gone when it stops; the registry for
# tests and local runs). Its log and pid live in REGISTRY_STATE (default
# .registry/). Waits until /health/ready answers UP, then prints the URL of
# the Confluent-compatible API orderflow's schemas.registry_url takes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${REGISTRY_STATE:-$root/.registry}
app="$root/.registry/app"
host=${REGISTRY_HOST:-127.0.0.1}
port=${REGISTRY_PORT:-8085}
base="http://$host:$port"
pidfile="$state/run/registry.pid"
log="$state/logs/registry.log"

"$here/fetch.sh"
mkdir -p "$state/logs" "$state/run"

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "registry already running (pid $(cat "$pidfile")) on $base"
  exit 0
fi
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  echo "$host:$port is taken by another process: set REGISTRY_PORT" >&2
  exit 1
fi

# A small JVM: C1 only and the serial collector start it sooner and leave the
# cores to the brokers and the tests it serves.
runner=("$app"/apicurio-registry-app-*-runner.jar)
nohup java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  "-Dquarkus.http.host=$host" "-Dquarkus.http.port=$port" \
  -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
  -jar "${runner[0]}" >>"$log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
echo $! > "$pidfile"
echo "registry starting (pid $!) on $base, log $log"

deadline=$((SECONDS + ${REGISTRY_START_TIMEOUT:-120}))
until curl -sf -m 2 "$base/health/ready" 2>/dev/null | grep -q '"status": *"UP"'; do
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "the registry died while starting; its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "the registry was not ready in time; its log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "Schema registry up: export ORDERFLOW_SCHEMAS_REGISTRY_URL=$base/apis/ccompat/v7"
