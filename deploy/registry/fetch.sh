#!/usr/bin/env bash
# Fetches Apicurio Registry from Maven Central into .registry/app, once: a
# later run finds it there and returns at once. Its "all" assembly
# (io.apicurio:apicurio-registry-app, classifier all, a tar.gz) is the built
# Quarkus application with every jar inside: unpacked, it runs as it is.
# It is fetched as one file (dependency:get, not transitive): Maven Central
# lacks the parent POM of 3.0.9, which resolving it as a dependency would
# read. 3.0.9 is the newest 3.x whose classes run on Java 17, the JVM the
# brokers use here; 3.1 and later are compiled for Java 21.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=${REGISTRY_VERSION:-3.0.9}
app="$root/.registry/app"
if [ -f "$app/.complete-$version" ]; then
  exit 0
fi
echo "fetching Apicurio Registry $version with Maven into .registry/app"
rm -rf "$app" "$root/.registry/download"
mkdir -p "$app" "$root/.registry/download"
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:2.8:get -Dtransitive=false \
  "-Dartifact=io.apicurio:apicurio-registry-app:$version:tar.gz:all" -Ddest="$root/.registry/download/"
tar -xzf "$root/.registry/download/apicurio-registry-app-$version-all.tar.gz" -C "$app"
rm -rf "$root/.registry/download"
touch "$app/.complete-$version"
