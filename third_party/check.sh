#!/usr/bin/env bash
# Checks that third_party/watermill is Watermill's release with
# watermill.patch applied and nothing else (README.md here says why it is
# there): task lint runs it.
set -euo pipefail
cd "$(dirname "$0")"
version=v1.5.1
src=$(go mod download -json "github.com/ThreeDotsLabs/watermill@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/watermill"
chmod -R u+w "$tmp/watermill"
# What the copy leaves out of the release: docs, examples and release tooling.
(cd "$tmp/watermill" && rm -rf .github docs _examples dev netlify.toml codecov.yml RELEASE-PROCEDURE.md UPGRADE-* Makefile)
patchfile=$PWD/watermill.patch
(cd "$tmp/watermill" && git apply -p1 "$patchfile")
if ! diff -r "$tmp/watermill" watermill; then
  echo "third_party/watermill is not Watermill $version with third_party/watermill.patch applied" >&2
  exit 1
fi
echo "third_party/watermill: Watermill $version + watermill.patch"
