#!/usr/bin/env bash
# The web client: its type check and linter, its unit tests (Vitest), then
# its end-to-end tests in a real Chromium (Debian's package, driven by
# playwright-core; no browser download) against the chitter-local debug
# binary, which `cargo test` has built.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
  echo "browser-test: installing Chromium (Debian package)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# The same build as `cargo test --workspace --all-features`, so nothing is
# rebuilt when the tests ran first.
cargo test --workspace --all-features --no-run --quiet
scripts/web.sh
cd web
npm run -s check
npm test --silent
CHITTER_LOCAL_BIN="$PWD/../target/debug/chitter-local" CHROMIUM="$(command -v chromium)" npm run -s test:e2e
