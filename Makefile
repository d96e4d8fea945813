# Chitter: `make run` starts everything on http://localhost:3000;
# `make test` installs what the tests need and runs every test.

ARGS ?=

.PHONY: run test lint packages template bench coldstart

## Start chitter-local with the embedded store (data in ./.chitter).
run:
	cargo run -p chitter-local -- $(ARGS)

## Everything CI runs: lints, unit, handler, conformance and end-to-end
## tests (against both backends), template checks, Lambda packages.
test:
	scripts/test.sh

## Formatting and clippy only.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings

## Build the four Lambda packages and print their sizes.
packages:
	scripts/packages.sh

## Validate template.yaml with both SAM and cfn-lint.
template:
	scripts/template.sh

## chitter-local under load on loopback: latencies, throughput, memory.
bench:
	cargo bench -p chitter-local --bench gateway

## Each Lambda package's init time (process start to first runtime poll).
coldstart: packages
	scripts/with-standins.sh python3 scripts/coldstart.py
