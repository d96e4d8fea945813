#!/usr/bin/env bash
# Builds the four functions as Lambda packages with cargo-lambda (plain cargo
# as the compiler, so no zig is needed) and prints their sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh sam)
export PATH="$tools/sam/bin:$PATH"
functions=(connect message persist crud)
bins=()
for f in "${functions[@]}"; do bins+=(--bin "$f"); done
# A Lambda package links no embedded-store code: no function may depend on
# redb or on the embedded adapters.
for f in "${functions[@]}"; do
  deps=$(cargo tree -p "chitter-$f" -e normal --prefix none)
  if grep -Eq '^(redb|chitter-embedded) ' <<<"$deps"; then
    echo "packages: chitter-$f depends on embedded-store code" >&2
    exit 1
  fi
done
start=$(date +%s)
cargo lambda build --release --compiler cargo --output-format zip "${bins[@]}"
echo "built in $(( $(date +%s) - start ))s"
# provided.al2023 has glibc 2.34: a binary needing newer symbols would not
# start there.
max_glibc=2.34
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
printf '%-10s %12s %12s %8s\n' function bootstrap zip glibc
for f in "${functions[@]}"; do
  zip="target/lambda/$f/bootstrap.zip"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' "$zip" "$unpacked/$f"
  raw=$(stat -c %s "$unpacked/$f/bootstrap")
  glibc=$(objdump -T "$unpacked/$f/bootstrap" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V -u | tail -1)
  printf '%-10s %12s %12s %8s\n' "$f" "$raw" "$(stat -c %s "$zip")" "$glibc"
  if [ "$(printf '%s\n%s\n' "$glibc" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
    echo "packages: $f needs glibc $glibc, newer than Lambda's $max_glibc" >&2
    exit 1
  fi
done
