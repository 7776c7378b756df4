#!/bin/sh
# Prints the Docker stack's console operator token: ORDERFLOW_CONSOLE_TOKEN
# if set, else the one in .run/console-token, made once (32 random hex
# digits, readable only by you). task up passes it to orderflow's container
# as ORDERFLOW_CONSOLE_TOKEN; replaying from the console asks for it.
set -eu
if [ -n "${ORDERFLOW_CONSOLE_TOKEN:-}" ]; then
  printf '%s' "$ORDERFLOW_CONSOLE_TOKEN"
  exit 0
fi
f=.run/console-token
if [ ! -s "$f" ]; then
  mkdir -p .run
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$f"
  chmod 600 "$f"
fi
cat "$f"
