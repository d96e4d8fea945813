#!/usr/bin/env bash
# Installs a Node.js package's locked dependencies (npm ci) when its
# package-lock.json changed since the last install:
#   scripts/npm-ci.sh DIR
# A registry hiccup should not fail a whole run: it tries three times, and
# lets npm print its errors.
set -euo pipefail
cd "$1"
if ! command -v npm >/dev/null; then
  echo "npm-ci: npm not found; install Node.js 20 or newer" >&2
  exit 1
fi
stamp=node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)
[ -f "$stamp" ] && exit 0
echo "npm-ci: installing packages in $1" >&2
for attempt in 1 2 3; do
  if npm ci --no-audit --no-fund --loglevel=error; then
    touch "$stamp"
    exit 0
  fi
  echo "npm-ci: npm ci failed (attempt $attempt)" >&2
  [ "$attempt" -lt 3 ] && sleep $((attempt * 5))
done
exit 1
