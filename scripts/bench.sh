#!/usr/bin/env bash
# `make bench`: installs and builds what it measures (the Lambda packages
# and a hello-world one, the web client, the Socket.IO peer and the Node.js
# function; scripts/bench.py builds chitter-local, the load generator and
# persist's benchmark with the speed profile), then runs scripts/bench.py
# under the stand-ins, which writes docs/performance.md. Of the tools
# `make test` installs it needs only moto (serving S3 too) and cargo-lambda.
#   scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]} (Debian packages)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
scripts/npm-ci.sh bench/peer
scripts/web.sh >/dev/null
scripts/coldstart.sh --build-only
exec env CHITTER_S3=moto scripts/with-standins.sh python3 scripts/bench.py "$@"
