#!/usr/bin/env bash
# Installs what the tests need beside the Rust toolchain, once, into a cache
# shared by every checkout: moto (DynamoDB and Kinesis stand-in), s3s-fs (S3
# stand-in that checks signatures), SAM CLI, cfn-lint, cargo-lambda,
# schemathesis and cargo-fuzz.
#   scripts/tools.sh [moto|s3s-fs|sam|schemathesis|cargo-fuzz ...]
# installs the ones named, or all of them (what `make test` uses); `make
# bench` needs only three. Prints the tools directory. Re-running is cheap:
# finished steps are kept.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tools=${CHITTER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/chitter/tools}
mkdir -p "$tools"
all="moto s3s-fs sam schemathesis cargo-fuzz"
for name in "$@"; do
  [[ " $all " == *" $name "* ]] || { echo "tools: no tool named $name (one of: $all)" >&2; exit 2; }
done
wanted=" ${*:-$all} "
want() { [[ $wanted == *" $1 "* ]]; }

venv() { # name requirements-file
  local dir="$tools/$1" req="$2" stamp
  stamp="$dir/.installed-$(sha256sum "$req" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "tools: installing $1 ($(grep -v '^#' "$req" | tr '\n' ' '))" >&2
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    touch "$stamp"
  fi
}

want moto && venv moto "$here/infra/tools/requirements-moto.txt"
want sam && venv sam "$here/infra/tools/requirements-sam.txt"
want schemathesis && venv schemathesis "$here/infra/tools/requirements-schemathesis.txt"

s3s_version=0.14.1 # 0.17 needs a newer rustc than the one we build with
if want s3s-fs && { [ ! -x "$tools/bin/s3s-fs" ] || ! "$tools/bin/s3s-fs" --version 2>/dev/null | grep -q "$s3s_version"; }; then
  echo "tools: building s3s-fs $s3s_version" >&2
  cargo install --quiet --root "$tools" s3s-fs --version "$s3s_version" --features binary --locked >&2
fi

# Coverage-guided fuzzing (scripts/fuzz.sh); `-s none` lets it build on the
# stable toolchain.
fuzz_version=0.13.2
if want cargo-fuzz && { [ ! -x "$tools/bin/cargo-fuzz" ] || ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$fuzz_version"; }; then
  echo "tools: building cargo-fuzz $fuzz_version" >&2
  cargo install --quiet --root "$tools" cargo-fuzz --version "$fuzz_version" --locked >&2
fi

echo "$tools"
