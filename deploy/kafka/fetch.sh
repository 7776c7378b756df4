#!/usr/bin/env bash
# Fetches Apache Kafka's broker jars from Maven Central into .kafka/lib, once:
# a later run finds them there and returns at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
lib="$root/.kafka/lib"
if [ -f "$lib/.complete-$version" ]; then
  exit 0
fi
echo "fetching Apache Kafka $version and its dependencies with Maven into .kafka/lib"
rm -rf "$lib"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib"
touch "$lib/.complete-$version"
