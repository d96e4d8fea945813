#!/usr/bin/env bash
# `make coldstart`: builds the four Lambda packages, a hello-world one
# (bench/hello) and the Node.js function's packages (bench/node-lambda),
# then runs scripts/coldstart.py under the stand-ins with these arguments.
# With --build-only it stops after building (scripts/bench.sh uses that).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh sam)
scripts/npm-ci.sh bench/node-lambda
start=$(date +%s)
scripts/packages.sh >/dev/null
PATH="$tools/sam/bin:$PATH" cargo lambda build --release --compiler cargo --output-format zip --bin hello
echo "coldstart: packages built in $(( $(date +%s) - start )) s" >&2
[ "${1:-}" = "--build-only" ] && exit 0
exec env CHITTER_S3=moto scripts/with-standins.sh python3 scripts/coldstart.py "$@"
