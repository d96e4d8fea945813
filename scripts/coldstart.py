#!/usr/bin/env python3
"""Cold starts, side by side: each Lambda package beside a hello-world
`lambda_runtime` function built the same way (bench/hello) and beside the
message function's job written in Node.js 20 with AWS SDK v3
(bench/node-lambda). A Runtime API stand-in on loopback starts each one and
records:

- init: from starting the process to its first `GET .../invocation/next`
  (config, SDK clients, warm-up requests);
- first call: from handing it its first event to its response;
- warm call: the same for a second event.

The stand-in is also the functions' API Gateway Management API
(`CHITTER_CALLBACK_URL`): it takes their pushes, and a call counts only
if it did its whole job: the message function's `accepted` ack and
persist's `persisted` ack must reach the stand-in during the call,
`$connect` must leave its connection in the table, and crud's list must
hold the seeded conversation.

Run inside scripts/with-standins.sh after scripts/packages.sh (and the
hello package), so SDK requests reach moto on loopback:

    scripts/with-standins.sh python3 scripts/coldstart.py [--json FILE]
    scripts/with-standins.sh python3 scripts/coldstart.py DIR DIR

The processes run in turn, round after round, so noise falls on all alike;
the script prints medians and each one's ratios. Given two directories of
packages (`{function}/bootstrap.zip`), it compares the two builds
instead, A B A B ...: init, and init + first call (what a caller waiting
on a cold start sees), each with the median of the pairwise ratios B/A.
COLDSTART_RUNS sets the rounds (default 20). The functions are told their
init is `on-demand`, as Lambda tells them when an invocation waits on it;
COLDSTART_INIT_TYPE=provisioned-concurrency measures an init that runs
ahead instead (warm-ups finish within init).
"""

import base64
import json
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("COLDSTART_RUNS", "20"))
FUNCTIONS = ["connect", "message", "persist", "crud"]
NODE_DIR = os.path.join(ROOT, "bench/node-lambda")
CONVERSATION = "0190a7a4-0000-7000-8000-0000000000c1"


class Invocations:
    """What the stand-in hands out, and when things happened."""

    def __init__(self, events):
        self.events = list(events)
        self.cv = threading.Condition()
        self.polls = []
        self.sent = {}
        self.done = {}
        # request id -> ("response" or "error", the body posted)
        self.answers = {}
        # (connection id, frame) for each push, in order
        self.pushes = []
        # request id -> (its event, how many pushes came before it)
        self.handed = {}

    def next_event(self):
        with self.cv:
            self.polls.append(time.perf_counter())
            self.cv.notify_all()
            if not self.events:
                return None
            rid = str(uuid.uuid4())
            self.sent[rid] = time.perf_counter()
            event = self.events.pop(0)
            self.handed[rid] = (event, len(self.pushes))
            return rid, event

    def pushed(self, connection, body):
        with self.cv:
            self.pushes.append((connection, body))

    def finish(self, rid, kind, body):
        with self.cv:
            self.done[rid] = time.perf_counter()
            self.answers[rid] = (kind, body)
            self.cv.notify_all()

    def wait(self, predicate, timeout):
        with self.cv:
            return self.cv.wait_for(predicate, timeout)


current = None


class RuntimeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: with Nagle's algorithm the
    # body would wait for the client's delayed ACK (up to 40 ms), and that
    # wait would be timed as the function's.
    disable_nagle_algorithm = True

    def do_GET(self):
        if "/@connections/" in self.path:
            # GetConnection: no connection is live here.
            return self.reply(410, b'{"message":"Gone"}')
        if not self.path.endswith("/runtime/invocation/next"):
            return self.reply(404, b"{}")
        state = current
        got = state.next_event() if state else None
        if got is None:
            # Hold the poll: the function stays idle, as between invocations.
            time.sleep(5)
            return self.reply(204, b"")
        rid, event = got
        body = json.dumps(event).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:coldstart")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if "/@connections/" in self.path:
            # PostToConnection, as API Gateway answers it.
            connection = urllib.parse.unquote(self.path.rsplit("/@connections/", 1)[1])
            state = current
            if state:
                state.pushed(connection, body)
            return self.reply(200, b"")
        parts = self.path.split("/")
        if len(parts) >= 2 and parts[-1] in ("response", "error") and current:
            current.finish(parts[-2], parts[-1], body)
        self.reply(202, b"{}")

    def do_DELETE(self):
        self.reply(204 if "/@connections/" in self.path else 404, b"")

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass

    def handle(self):
        # A process killed while its poll is held leaves a broken pipe.
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


def uuid7():
    b = bytearray(uuid.uuid4().bytes)
    b[0:6] = int(time.time() * 1000).to_bytes(6, "big")
    b[6] = 0x70 | (b[6] & 0x0F)
    return str(uuid.UUID(bytes=bytes(b)))


# What `seed` made: a user with a direct conversation, who sends (message
# and persist events), and a user outside it, who connects (connect
# events), so the connections that piles up reach no one persist delivers to.
SEED = {}


def ws_event(route, event_type, user="user_id", handle="handle", **extra):
    now = int(time.time() * 1000)
    e = {
        "requestContext": {
            "routeKey": route,
            "eventType": event_type,
            # API Gateway's shape (12 bytes in base64), without '/'.
            "connectionId": base64.b64encode(os.urandom(12), altchars=b"+-").decode(),
            "connectedAt": now,
            "requestTimeEpoch": now,
            "requestId": str(uuid.uuid4()),
            "domainName": "127.0.0.1",
            "stage": "prod",
            "apiId": "coldstart",
            "messageDirection": "IN",
            "identity": {"sourceIp": "127.0.0.1"},
            # What the authorizer passed on for the seeded user.
            "authorizer": {"user_id": SEED.get(user, ""), "handle": SEED.get(handle, "")},
        },
        "isBase64Encoded": False,
    }
    e.update(extra)
    return e


def event_for(name):
    """A real-shaped event for each function, doing its real work against
    the stand-ins: `$connect` registers a connection for the seeded user
    (checked in the table afterwards),
    `send` checks membership, appends to the stream and pushes `accepted`,
    persist stores a message, crud lists the sender's conversations."""
    if name == "connect":
        return ws_event("$connect", "CONNECT", "visitor_id", "visitor_handle",
                        queryStringParameters={"ticket": "spent-by-the-authorizer"})
    if name in ("message", "node-message"):
        frame = {"action": "send", "id": f"c-{uuid.uuid4()}", "conversation_id": SEED.get("conversation_id", CONVERSATION), "text": "Hello"}
        return ws_event("$default", "MESSAGE", body=json.dumps(frame))
    if name == "persist":
        data = {
            "type": "message",
            "message_id": uuid7(),
            "conversation_id": SEED.get("conversation_id", CONVERSATION),
            "sender_id": SEED.get("user_id", "0190a7a4-0000-7000-8000-000000000001"),
            "client_msg_id": f"c-{uuid.uuid4()}",
            "text": "Hello",
            "sent_at": "2026-11-24T09:15:09.433Z",
            # The sender's socket, which hears `persisted`.
            "origin": base64.b64encode(os.urandom(12), altchars=b"+-").decode(),
        }
        seq = str(int(time.time() * 1e6))
        return {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": SEED.get("conversation_id", CONVERSATION),
                        "sequenceNumber": seq,
                        "data": base64.b64encode(json.dumps(data).encode()).decode(),
                        "approximateArrivalTimestamp": round(time.time(), 3),  # as Kinesis sends it
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"shardId-000000000000:{seq}",
                    "eventName": "aws:kinesis:record",
                    "awsRegion": "us-east-1",
                    "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/coldstart",
                }
            ]
        }
    if name == "crud":
        # The sender's conversation list: a token check, then store reads.
        return {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/api/conversations",
            "rawQueryString": "",
            "headers": {"authorization": f"Bearer {SEED.get('token', '')}", "host": "127.0.0.1"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "coldstart",
                "domainName": "127.0.0.1",
                "domainPrefix": "coldstart",
                "http": {"method": "GET", "path": "/api/conversations", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "coldstart"},
                "requestId": str(uuid.uuid4()),
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Dec/2026:00:00:00 +0000",
                "timeEpoch": int(time.time() * 1000),
            },
            "isBase64Encoded": False,
        }
    return {"hello": "world"}


def pushed_to(event, name):
    """The connection a call must push its ack to (None: no push due)."""
    if name in ("message", "node-message"):
        return event["requestContext"]["connectionId"]
    if name == "persist":
        record = event["Records"][0]["kinesis"]["data"]
        return json.loads(base64.b64decode(record))["origin"]
    return None


def check(name, answer, event, pushes):
    """Fails the run when a function's answer or its pushes show it did not
    do its real work, so a call that stopped early is never timed as a
    call."""
    kind, body = answer
    if name == "hello":
        return
    if kind != "response":
        sys.exit(f"coldstart: {name} reported an error: {body[:300]!r}")
    got = json.loads(body or b"null")
    want = {"connect": 200, "message": 200, "node-message": 200, "crud": 200}
    if name in want and (got or {}).get("statusCode") != want[name]:
        sys.exit(f"coldstart: {name} answered {body[:300]!r}, not status {want[name]}")
    if name == "crud" and SEED.get("conversation_id") and SEED["conversation_id"] not in (got or {}).get("body", ""):
        sys.exit(f"coldstart: crud's list left out the seeded conversation: {body[:300]!r}")
    if name == "connect":
        connection = event["requestContext"]["connectionId"]
        item = stored_item(f"CONN#{connection}", "#")
        if not item or not SEED.get("visitor_id") or item.get("user_id", {}).get("S") != SEED["visitor_id"]:
            sys.exit(f"coldstart: connect answered 200 but stored no connection {connection} for its user: {item!r}")
    if name == "persist" and (got or {}).get("batchItemFailures"):
        sys.exit(f"coldstart: persist failed its record: {body[:300]!r}")
    connection = pushed_to(event, name)
    if connection:
        status = "persisted" if name == "persist" else "accepted"
        try:
            acks = [json.loads(b) for c, b in pushes if c == connection]
        except ValueError:
            sys.exit(f"coldstart: {name} pushed a frame that is not JSON: {pushes!r}")
        if not any(a.get("type") == "ack" and a.get("status") == status for a in acks):
            sys.exit(f"coldstart: {name} pushed no `{status}` ack to its sender (pushes: {acks!r})")


def stored_item(pk, sk):
    """One item of the table, read straight from the DynamoDB stand-in
    (None when it is not there): what a call left behind."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not endpoint:
        sys.exit("coldstart: run inside scripts/with-standins.sh (no DynamoDB endpoint)")
    body = json.dumps({"TableName": "coldstart", "Key": {"pk": {"S": pk}, "sk": {"S": sk}}, "ConsistentRead": True}).encode()
    region = os.environ.get("AWS_REGION", "us-east-1")
    headers = {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.GetItem",
        # The stand-in reads the region from the scope and checks no signature.
        "authorization": f"AWS4-HMAC-SHA256 Credential=standin/20260101/{region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    }
    req = urllib.request.Request(endpoint, body, headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r).get("Item")


def unpack(package, into):
    if not os.path.exists(package):
        sys.exit(f"{package} is missing: run scripts/packages.sh first")
    # Exactly what Lambda runs: the package's bootstrap.
    binary = zipfile.ZipFile(package).extract("bootstrap", into)
    os.chmod(binary, os.stat(binary).st_mode | stat.S_IEXEC)
    return binary


def start_once(argv, env, name, events, cwd=None):
    """Starts one process; returns (init, [call times]) in milliseconds."""
    global current
    state = Invocations(events)
    current = state
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        want = len(events) + 1
        if not state.wait(lambda: len(state.polls) >= want, 20):
            sys.exit(f"coldstart: {name} stopped after {len(state.polls)} of {want} polls")
        init = (state.polls[0] - start) * 1000
        order = sorted(state.sent, key=state.sent.get)
        for i, r in enumerate(order):
            event, before = state.handed[r]
            until = state.handed[order[i + 1]][1] if i + 1 < len(order) else len(state.pushes)
            check(name, state.answers[r], event, state.pushes[before:until])
        calls = [(state.done[r] - state.sent[r]) * 1000 for r in order]
        return init, calls
    finally:
        proc.kill()
        proc.wait()
        current = None


def environment(server):
    env = dict(os.environ)
    env.update(
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_port}",
        AWS_LAMBDA_FUNCTION_NAME="coldstart",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/coldstart",
        AWS_LAMBDA_LOG_STREAM_NAME="coldstart",
        # What Lambda sets when an invocation waits on this init.
        AWS_LAMBDA_INITIALIZATION_TYPE=os.environ.get("COLDSTART_INIT_TYPE", "on-demand"),
        CHITTER_TABLE="coldstart",
        CHITTER_STREAM="coldstart",
        CHITTER_BUCKET="coldstart",
        # The stand-in answers pushes too (RuntimeApi).
        CHITTER_CALLBACK_URL=f"http://127.0.0.1:{server.server_port}",
        CHITTER_JWT_SECRET="x" * 32,
    )
    env.setdefault("AWS_REGION", "us-east-1")
    return env


def provision(env):
    """The table and stream the functions use, made by chitter-local's own
    provisioning against the stand-ins, then seeded through its HTTP API
    (SEED)."""
    local = os.environ.get("CHITTER_LOCAL_BIN") or os.path.join(ROOT, "target/speed/chitter-local")
    if not os.path.exists(local):
        local = os.path.join(ROOT, "target/debug/chitter-local")
    if not os.path.exists(local):
        sys.exit("coldstart: chitter-local provisions the stand-ins; build it first (cargo build -p chitter-local)")
    data = tempfile.mkdtemp()
    argv = [local, "--backend", "aws", "--provision", "--port", "0", "--data-dir", data,
            "--table", "coldstart", "--stream", "coldstart", "--bucket", "coldstart", "--s3-path-style"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            if "listening on " in line:
                seed(line.split("listening on ", 1)[1].strip())
                return
        sys.exit("coldstart: could not provision the table and stream")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def seed(base):
    def call(path, body, token=None):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        req = urllib.request.Request(base + path, json.dumps(body).encode(), headers, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    suffix = uuid.uuid4().hex[:8]
    a = call("/api/auth/signup", {"handle": f"cold_a_{suffix}", "password": "correct horse battery"})
    b = call("/api/auth/signup", {"handle": f"cold_b_{suffix}", "password": "correct horse battery"})
    v = call("/api/auth/signup", {"handle": f"cold_v_{suffix}", "password": "correct horse battery"})
    c = call("/api/conversations", {"kind": "direct", "user_id": b["user"]["user_id"]}, a["access_token"])
    SEED.update(user_id=a["user"]["user_id"], handle=a["user"]["handle"], conversation_id=c["conversation_id"],
                visitor_id=v["user"]["user_id"], visitor_handle=v["user"]["handle"], token=a["access_token"])


def side_by_side(server, json_out):
    env = environment(server)
    provision(env)
    unpacked = tempfile.mkdtemp()
    subjects = []
    for name in ["hello"] + FUNCTIONS:
        binary = unpack(os.path.join(ROOT, "target/lambda", name, "bootstrap.zip"), os.path.join(unpacked, name))
        subjects.append((name, [binary], None))
    if shutil.which("node") and os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        subjects.append(("node-message", ["node", "bootstrap.mjs"], NODE_DIR))
    times = {name: {"init": [], "first": [], "warm": []} for name, _, _ in subjects}
    for _ in range(RUNS):
        for name, argv, cwd in subjects:
            init, (first, warm) = start_once(argv, env, name, [event_for(name), event_for(name)], cwd)
            times[name]["init"].append(init)
            times[name]["first"].append(first)
            times[name]["warm"].append(warm)
    shutil.rmtree(unpacked, ignore_errors=True)
    hello = statistics.median(times["hello"]["init"])
    rows = []
    for name, _, _ in subjects:
        t = times[name]
        init, first, warm = (statistics.median(t[k]) for k in ("init", "first", "warm"))
        # What a caller waiting on a cold start sees: init, then the call.
        cold = statistics.median(i + f for i, f in zip(t["init"], t["first"]))
        rows.append({
            "function": name, "init_ms": init, "init_min_ms": min(t["init"]), "init_max_ms": max(t["init"]),
            "first_ms": first, "warm_ms": warm, "init_vs_hello": init / hello, "first_vs_warm": first / warm,
            "cold_ms": cold,
        })
    print(f"{'function':<13} {'init':>8} {'÷hello':>7} {'first':>8} {'warm':>8} {'÷warm':>7} {'init+first':>11}   (ms, medians of {RUNS})")
    for r in rows:
        print(f"{r['function']:<13} {r['init_ms']:>8.1f} {r['init_vs_hello']:>7.2f} {r['first_ms']:>8.1f} {r['warm_ms']:>8.1f} {r['first_vs_warm']:>7.2f} {r['cold_ms']:>11.1f}")
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"runs": RUNS, "rows": rows}, f, indent=1)
    return rows


def compare(server, dirs):
    # Each pair sends two messages as the one seeded sender, one after the
    # other: more than 30 pairs would pass the send limit (60 per 10 s).
    if RUNS > 30:
        sys.exit("coldstart: comparing takes at most 30 pairs (COLDSTART_RUNS)")
    env = environment(server)
    provision(env)
    unpacked = tempfile.mkdtemp()
    print(f"A = {dirs[0]}, B = {dirs[1]}; runs in turn, A B A B ...")
    print(f"{'function':<10} {'init A':>8} {'init B':>8} {'B/A':>6}   {'init+first A':>13} {'init+first B':>13} {'B/A':>6}   (ms, {RUNS} pairs)")
    for name in FUNCTIONS:
        binaries = [
            unpack(os.path.join(d, name, "bootstrap.zip"), os.path.join(unpacked, str(i), name))
            for i, d in enumerate(dirs)
        ]
        init = [[] for _ in binaries]
        cold = [[] for _ in binaries]
        for _ in range(RUNS):
            for i, binary in enumerate(binaries):
                # One call each (see the limit above).
                t, (first,) = start_once([binary], env, name, [event_for(name)])
                init[i].append(t)
                cold[i].append(t + first)
        ratio = lambda xs: statistics.median(b / a for a, b in zip(xs[0], xs[1]))  # noqa: E731
        med = statistics.median
        print(
            f"{name:<10} {med(init[0]):>8.1f} {med(init[1]):>8.1f} {ratio(init):>6.2f}   "
            f"{med(cold[0]):>13.1f} {med(cold[1]):>13.1f} {ratio(cold):>6.2f}"
        )
    shutil.rmtree(unpacked, ignore_errors=True)


def main():
    args = sys.argv[1:]
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i : i + 2]
    if len(args) not in (0, 2):
        sys.exit("usage: coldstart.py [--json FILE] | coldstart.py DIR DIR")
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        if args:
            compare(server, args)
        else:
            side_by_side(server, json_out)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
