# Chitter: `make run` starts everything on http://localhost:3000;
# `make test` installs what the tests need and runs every test.

ARGS ?=

.PHONY: run web test lint packages template bench coldstart faults fuzz soak

## Build the web client, then start chitter-local with the embedded store
## (data in ./.chitter) serving it on http://localhost:3000.
run: web
	cargo run -p chitter-local -- $(ARGS)

## Build the web client into web/dist (installs its npm packages once).
web:
	scripts/web.sh

## Everything CI runs: lints, unit, handler, conformance and end-to-end
## tests (against both backends), template checks, Lambda packages.
test:
	scripts/test.sh

## Formatting, clippy, and the web client's type check and linter.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	scripts/web.sh >/dev/null && cd web && npm run -s check

## Build the four Lambda packages and print their sizes.
packages:
	scripts/packages.sh

## Validate template.yaml with both SAM and cfn-lint.
template:
	scripts/template.sh

## chitter-local beside a Socket.IO server, and each Lambda package beside
## a hello-world one, in one run: builds what it measures, runs every
## scenario and writes docs/performance.md. `scripts/bench.sh --quick` is a
## two-minute smoke run that writes nothing.
bench:
	scripts/bench.sh

## Each Lambda package's cold start beside a hello-world Rust function and
## a Node.js one: init, first call and warm call, medians of 20.
coldstart:
	scripts/coldstart.sh

## The counted fault runs at full size, one at a time: 1,000 messages a run
## on both backends (`make test` runs 200 on the stand-ins).
faults:
	CHITTER_FAULT_MESSAGES=1000 scripts/with-standins.sh cargo test -p chitter-local --test faults -- --nocapture --test-threads 1

## Coverage-guided fuzzing of every parser, five minutes each (`make test`
## runs ten seconds each).
fuzz:
	FUZZ_SECONDS=300 scripts/fuzz.sh

## The soak at full size: 20,000 connections churning through the embedded
## backend in waves of 250, memory and sockets sampled (`make test` runs
## 2,000, and 100 on the stand-ins).
soak:
	CHITTER_SOAK_CONNECTIONS=20000 cargo test -p chitter-local --test soak embedded -- --nocapture
