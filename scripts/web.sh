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
  npm ci --no-audit --no-fund --silent
  touch "$stamp"
fi
npm run -s build
