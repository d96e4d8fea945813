#!/usr/bin/env bash
# Builds the four functions as Lambda packages with cargo-lambda (plain cargo
# as the compiler, so no zig is needed) and prints their sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh)
export PATH="$tools/sam/bin:$PATH"
functions=(connect message persist crud)
bins=()
for f in "${functions[@]}"; do bins+=(--bin "$f"); done
start=$(date +%s)
cargo lambda build --release --compiler cargo --output-format zip "${bins[@]}"
echo "built in $(( $(date +%s) - start ))s"
printf '%-10s %12s %12s\n' function bootstrap zip
for f in "${functions[@]}"; do
  zip="target/lambda/$f/bootstrap.zip"
  raw=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).getinfo("bootstrap").file_size)' "$zip")
  printf '%-10s %12s %12s\n' "$f" "$raw" "$(stat -c %s "$zip")"
done
