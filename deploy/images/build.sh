#!/usr/bin/env bash
# Builds offline stand-ins for the base images the Dockerfile and
# docker-compose.yaml name, where those images are neither here nor pullable
# (a machine without an image registry). Each stand-in is built from Debian's
# packages, the Go module proxy and Maven Central, tagged with the exact name
# it stands in for, and labelled org.orderflow.standin=true. A real image is
# never replaced: one that is present is kept, one that can be pulled is
# pulled. README.md beside this file compares each stand-in with its image.
#   deploy/images/build.sh          build what is missing
#   FORCE=1 deploy/images/build.sh  rebuild the stand-ins (never a real image)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/.run/images"
label=org.orderflow.standin
debian=orderflow-standin/debian:trixie   # a private name: no real image has it

log() { printf '[images] %s\n' "$*"; }

# The names, read from the files that use them.
go_version=$(sed -n 's/^ARG GO_VERSION=//p' "$root/Dockerfile")
golang_ref=$(sed -n 's/^FROM \(golang:[^ ]*\).*/\1/p' "$root/Dockerfile" | sed "s/\${GO_VERSION}/$go_version/")
distroless_ref=$(sed -n 's/^FROM \(gcr.io\/distroless\/[^ ]*\).*/\1/p' "$root/Dockerfile")
kafka_ref=$(sed -n 's/^ *image: \(apache\/kafka:[^ ]*\).*/\1/p' "$root/docker-compose.yaml" | head -1)
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/deploy/kafka/pom.xml")
prometheus_ref=$(sed -n 's/^ *image: \(prom\/prometheus:[^ ]*\).*/\1/p' "$root/docker-compose.yaml" | head -1)
registry_ref=$(sed -n 's/^ *image: \(apicurio\/apicurio-registry:[^ ]*\).*/\1/p' "$root/docker-compose.yaml" | head -1)
for v in go_version golang_ref distroless_ref kafka_ref prometheus_ref registry_ref; do
  [ -n "${!v}" ] || { echo "cannot read $v from Dockerfile/docker-compose.yaml" >&2; exit 1; }
done
if [ "${kafka_ref#apache/kafka:}" != "$kafka_version" ]; then
  echo "docker-compose.yaml runs $kafka_ref but deploy/kafka/pom.xml fetches Kafka $kafka_version" >&2
  exit 1
fi

# needed REF: 0 when a stand-in must be built for REF.
needed() {
  local ref=$1 standin
  if standin=$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$ref" 2>/dev/null); then
    if [ "$standin" != true ]; then
      log "$ref: the real image is here; kept"
      return 1
    fi
    if [ "${FORCE:-0}" != 1 ]; then
      log "$ref: stand-in already built (FORCE=1 rebuilds it)"
      return 1
    fi
    return 0
  fi
  if timeout 60 docker pull -q "$ref" >/dev/null 2>&1; then
    log "$ref: pulled the real image"
    return 1
  fi
  log "$ref: not here and cannot be pulled; building a stand-in"
  return 0
}

build() { # build REF CONTEXT [docker build args...]
  local ref=$1 context=$2
  shift 2
  docker build -q --force-rm --label "$label=true" \
    --label "org.opencontainers.image.description=offline stand-in for $ref, built by deploy/images/build.sh" \
    -t "$ref" "$@" "$context" >/dev/null
  log "$ref: stand-in built"
}

# The Debian rootfs every stand-in starts from: Debian's minbase plus the
# packages distroless takes files from.
debian_base() {
  if docker image inspect "$debian" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
    return
  fi
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing: apt-get install mmdebstrap" >&2; exit 1; }
  log "$debian: Debian trixie rootfs with mmdebstrap"
  mkdir -p "$work"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,netbase,tzdata \
    trixie "$work/debian.tar" http://deb.debian.org/debian
  docker import --change 'CMD ["bash"]' "$work/debian.tar" "$debian" >/dev/null
  rm -f "$work/debian.tar"
}

golang() {
  local mod=golang.org/toolchain@v0.0.1-go$go_version.linux-amd64 dir
  log "$golang_ref: Go $go_version from the Go module proxy ($mod)"
  dir=$(GOFLAGS=-mod=mod go mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "go mod download $mod gave no directory" >&2; exit 1; }
  rm -rf "$work/golang" && mkdir -p "$work/golang"
  cp -r "$dir" "$work/golang/go" && chmod -R u+w "$work/golang/go"
  # A module zip keeps no file modes; the go command marks these executable
  # when it installs a toolchain this way, and so does this.
  chmod +x "$work/golang/go/bin/"* "$work/golang/go/pkg/tool/"*/*
  cp "$here/golang/Dockerfile" "$work/golang/"
  # The CAs this host adds to Debian's (a TLS-intercepting egress proxy's, say)
  # are trusted by the build stage too, or `go mod download` fails there.
  mkdir -p "$work/golang/extra-ca"
  find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$work/golang/extra-ca/" \; 2>/dev/null || true
  build "$golang_ref" "$work/golang" --build-arg "BASE=$debian" --build-arg "GO_VERSION=$go_version"
  rm -rf "$work/golang"
}

distroless() {
  build "$distroless_ref" "$here/distroless" --build-arg "BASE=$debian"
}

kafka() {
  log "$kafka_ref: Kafka $kafka_version's jars from Maven Central"
  "$root/deploy/kafka/fetch.sh"
  rm -rf "$work/kafka" && mkdir -p "$work/kafka"
  cp -r "$here/kafka/." "$work/kafka/"
  cp -r "$root/.kafka/lib" "$work/kafka/libs" && rm -f "$work/kafka/libs"/.complete-*
  cp "$root/deploy/kafka/log4j2.yaml" "$root/deploy/kafka/tools-log4j2.yaml" "$work/kafka/docker/"
  build "$kafka_ref" "$work/kafka" --build-arg "BASE=$debian" --build-arg "KAFKA_VERSION=$kafka_version"
  rm -rf "$work/kafka"
}

prometheus() {
  log "$prometheus_ref: Debian's prometheus package"
  build "$prometheus_ref" "$here/prometheus" --build-arg "BASE=$debian"
  local got
  got=$(docker run --rm "$prometheus_ref" --version 2>&1 | sed -n 's/^prometheus, version \([^ +]*\).*/\1/p')
  if [ "v$got" != "${prometheus_ref#prom/prometheus:}" ]; then
    log "$prometheus_ref: note: Debian's package is Prometheus $got (deploy/images/README.md)"
  fi
}

registry() {
  local version=${registry_ref#apicurio/apicurio-registry:}
  log "$registry_ref: Apicurio Registry $version from Maven Central"
  REGISTRY_VERSION=$version "$root/deploy/registry/fetch.sh"
  rm -rf "$work/registry" && mkdir -p "$work/registry"
  cp "$here/registry/Dockerfile" "$work/registry/"
  cp -r "$root/.registry/app" "$work/registry/app" && rm -f "$work/registry/app"/.complete-*
  build "$registry_ref" "$work/registry" --build-arg "BASE=$debian"
  rm -rf "$work/registry"
}

for image in golang distroless kafka prometheus registry; do
  ref_var="${image}_ref"
  if needed "${!ref_var}"; then
    debian_base
    "$image"
  fi
done
log "ready: $golang_ref, $distroless_ref, $kafka_ref, $prometheus_ref, $registry_ref"
