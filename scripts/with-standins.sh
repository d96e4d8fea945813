#!/usr/bin/env bash
# Runs a command with the AWS stand-ins up on free loopback ports: moto
# (DynamoDB, Kinesis) and s3s-fs (S3, with real SigV4 checks). Exports the
# SDK's endpoint variables for them, and stops them when the command ends.
#   scripts/with-standins.sh cargo test --workspace
# CHITTER_S3=moto serves S3 from moto as well, for runs that only need a
# bucket to exist (`make bench`, `make coldstart`): s3s-fs, which takes
# minutes to build the first time, is then not needed.
set -euo pipefail

s3=${CHITTER_S3:-s3s-fs}
case $s3 in
  moto) tools=$("$(dirname "$0")/tools.sh" moto) ;;
  s3s-fs) tools=$("$(dirname "$0")/tools.sh" moto s3s-fs) ;;
  *) echo "with-standins: CHITTER_S3 is moto or s3s-fs, not $s3" >&2; exit 2 ;;
esac
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # url name
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "with-standins: $2 did not start; its log:" >&2
  cat "$work/$2.log" >&2
  exit 1
}

moto_port=$(free_port)
# moto's server, one request at a time, so that its transactions are
# atomic as DynamoDB's are (see the script).
"$tools/moto/bin/python" "$(dirname "$0")/../infra/tools/moto_serial.py" 127.0.0.1 "$moto_port" \
  >"$work/moto.log" 2>&1 &
pids+=($!)

s3_port=$moto_port
if [ "$s3" = s3s-fs ]; then
  s3_port=$(free_port)
  mkdir -p "$work/s3"
  "$tools/bin/s3s-fs" --host 127.0.0.1 --port "$s3_port" \
    --access-key standin --secret-key standin-secret "$work/s3" >"$work/s3s-fs.log" 2>&1 &
  pids+=($!)
fi

wait_http "http://127.0.0.1:$moto_port/moto-api/" moto
[ "$s3" = moto ] || wait_http "http://127.0.0.1:$s3_port/" s3s-fs

export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=standin
export AWS_SECRET_ACCESS_KEY=standin-secret
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$moto_port"
export AWS_ENDPOINT_URL_KINESIS="http://127.0.0.1:$moto_port"
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$s3_port"
export CHITTER_REQUIRE_STANDINS=1
echo "with-standins: moto on :$moto_port, S3 ($s3) on :$s3_port" >&2

"$@"
