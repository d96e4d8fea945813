#!/usr/bin/env bash
# Builds the web client into web/dist (what chitter-local serves at /).
# Installs its packages first when package-lock.json changed since the last
# install, so a fresh checkout needs only Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
  echo "web: npm not found; install Node.js 20 or newer" >&2
  exit 1
fi
stamp=node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "web: installing packages (npm ci)" >&2
  # A registry hiccup should not fail a whole run: try three times, and
  # let npm print its errors.
  for attempt in 1 2 3; do
    if npm ci --no-audit --no-fund --loglevel=error; then
      touch "$stamp"
      break
    fi
    if [ "$attempt" -eq 3 ]; then
      echo "web: npm ci failed three times" >&2
      exit 1
    fi
    echo "web: npm ci failed (attempt $attempt); retrying" >&2
    sleep $((attempt * 5))
  done
fi
npm run -s build
