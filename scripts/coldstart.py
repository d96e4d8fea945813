#!/usr/bin/env python3
"""Cold start of each Lambda package: the time from starting its `bootstrap`
to its first `GET /runtime/invocation/next`, i.e. the whole init (config,
SDK clients, warm-up requests). A tiny Runtime API stand-in on loopback
records that moment. Run inside scripts/with-standins.sh after
scripts/packages.sh, so the warm-up requests reach moto:

    scripts/with-standins.sh python3 scripts/coldstart.py [DIR [DIR]]

DIR holds `{function}/bootstrap.zip` (default `target/lambda`). Given two,
the packages run in turn, A B A B ..., and the script prints each median and
the median of the pairwise ratios B/A: on a noisy machine, compare two
builds that way rather than by absolute figures from different runs.
"""

import os
import stat
import statistics
import subprocess
import sys
import threading
import tempfile
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RUNS = int(os.environ.get("COLDSTART_RUNS", "10"))
FUNCTIONS = ["connect", "message", "persist", "crud"]
first_poll = threading.Event()


class RuntimeApi(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            first_poll.set()
            # Hold the poll: the function stays idle, as between invocations.
            time.sleep(5)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


def unpack(package, into):
    if not os.path.exists(package):
        sys.exit(f"{package} is missing: run scripts/packages.sh first")
    # Exactly what Lambda runs: the package's bootstrap.
    binary = zipfile.ZipFile(package).extract("bootstrap", into)
    os.chmod(binary, os.stat(binary).st_mode | stat.S_IEXEC)
    return binary


def init_time(binary, env, name):
    """Milliseconds from starting the bootstrap to its first poll."""
    first_poll.clear()
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not first_poll.wait(10):
        proc.kill()
        sys.exit(f"{name} did not reach its first poll")
    elapsed = (time.perf_counter() - start) * 1000
    proc.kill()
    proc.wait()
    return elapsed


def main():
    dirs = sys.argv[1:] or ["target/lambda"]
    if len(dirs) > 2:
        sys.exit("usage: coldstart.py [DIR [DIR]]")
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env.update(
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_port}",
        AWS_LAMBDA_FUNCTION_NAME="coldstart",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/coldstart",
        AWS_LAMBDA_LOG_STREAM_NAME="coldstart",
        CHITTER_TABLE="coldstart",
        CHITTER_STREAM="coldstart",
        CHITTER_BUCKET="coldstart",
        # Any live endpoint: the warm-up only needs an answer.
        CHITTER_CALLBACK_URL=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"),
        CHITTER_JWT_SECRET="x" * 32,
    )
    env.setdefault("AWS_REGION", "us-east-1")
    unpacked = tempfile.mkdtemp()
    if len(dirs) == 1:
        print(f"{'function':<10} {'median':>10} {'min':>10} {'max':>10}   (ms, {RUNS} runs)")
    else:
        print(f"A = {dirs[0]}, B = {dirs[1]}; runs in turn, A B A B ...")
        print(f"{'function':<10} {'A median':>10} {'B median':>10} {'B/A':>8}   (ms, {RUNS} pairs)")
    for name in FUNCTIONS:
        binaries = [
            unpack(os.path.join(d, name, "bootstrap.zip"), os.path.join(unpacked, str(i), name))
            for i, d in enumerate(dirs)
        ]
        times = [[] for _ in binaries]
        for _ in range(RUNS):
            for i, binary in enumerate(binaries):
                times[i].append(init_time(binary, env, name))
        if len(dirs) == 1:
            t = times[0]
            print(f"{name:<10} {statistics.median(t):>10.1f} {min(t):>10.1f} {max(t):>10.1f}")
        else:
            ratio = statistics.median(b / a for a, b in zip(times[0], times[1]))
            print(
                f"{name:<10} {statistics.median(times[0]):>10.1f} "
                f"{statistics.median(times[1]):>10.1f} {ratio:>8.2f}"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
