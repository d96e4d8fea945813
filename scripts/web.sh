#!/usr/bin/env bash
# Builds the web client into web/dist (what chitter-local serves at /).
# Installs its packages first when package-lock.json changed since the last
# install, so a fresh checkout needs only Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-ci.sh web
cd web
npm run -s build
