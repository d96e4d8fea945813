#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser (cargo-fuzz and libFuzzer; no
# sanitizer, so it builds on the stable toolchain: Rust's own checks, debug
# assertions and overflow checks are what find bugs). Each target in
# fuzz/fuzz_targets (or each named in FUZZ_TARGETS) runs for FUZZ_SECONDS
# (default 10) from its seeds in fuzz/corpus, which it reads and leaves as
# they are, and prints how many inputs it ran. A crash, a panic or a hang
# (one input over 10 s) fails the run and keeps the input in
# fuzz/artifacts/<target>/; replay it with
#   scripts/fuzz.sh <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# An input to replay, named from where the script was called.
[ $# -eq 2 ] && input=$(realpath "$2")
tools=$("$root/scripts/tools.sh" cargo-fuzz)
export PATH="$tools/bin:$PATH"
seconds=${FUZZ_SECONDS:-10}
cd "$root/fuzz"
build=(-s none --target-dir "$root/target/fuzz")

if [ $# -eq 2 ]; then # replay one input
  exec cargo fuzz run "${build[@]}" "$1" "$input"
fi

cargo fuzz build "${build[@]}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
[ -n "$targets" ] || { echo "fuzz: no targets found" >&2; exit 1; }
for target in $targets; do
  mkdir -p "$work/$target" "artifacts/$target"
  # New inputs go to the first folder (a scratch one); the seeds are read.
  if ! cargo fuzz run "${build[@]}" "$target" "$work/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" >"$work/$target.log" 2>&1; then
    tail -n 40 "$work/$target.log" >&2
    echo "fuzz: $target failed; its input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  cov=$(grep -o 'cov: [0-9]*' "$work/$target.log" | tail -n 1 || true)
  printf 'fuzz: %-16s %10s inputs in %s s, %s, no crash\n' "$target" "$runs" "$seconds" "$cov"
done
