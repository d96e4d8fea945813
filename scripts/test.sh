#!/usr/bin/env bash
# The whole test run: what `make test` and CI do.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "tools (moto, s3s-fs, SAM CLI, cfn-lint, cargo-lambda, schemathesis, cargo-fuzz)"
scripts/tools.sh >/dev/null

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "tests: unit, handler, conformance (embedded and stand-ins), end to end (both backends)"
scripts/with-standins.sh cargo test --workspace --all-features

step "HTTP API against its document: schemathesis"
scripts/schemathesis.sh

step "fuzzing: every parser, ten seconds each"
scripts/fuzz.sh

step "web client: type check, lint, unit tests, Chromium end to end"
scripts/browser-test.sh

step "template: sam validate and cfn-lint"
scripts/template.sh

step "Lambda packages"
scripts/packages.sh
