#!/usr/bin/env python3
"""`make bench`: chitter-local measured beside a Socket.IO 4.8 server doing
the same work per message (bench/peer), in one run, on loopback, and the
results written to docs/performance.md (and a summary into the README).

Each server runs pinned to CPU 0 and the load generator (target/speed/
chitter-bench) to CPU 1, one server at a time, each started fresh for each
scenario with its own temporary data directory. Figures in one run are
compared as ratios: absolute figures on a shared machine drift between runs.

    scripts/bench.py [--quick | --render]

--quick runs small sizes (a smoke test of the whole pipeline, about two
minutes) and writes nothing unless BENCH_OUT is set. --render measures
nothing: it writes the document again from the last run's raw results
(target/bench-results.json), as after a change to how they are shown. Environment:
BENCH_OUT (default docs/performance.md; `-` prints it), BENCH_PEER_FSYNC
(group or each, default group: chitter-local's stream also commits every
append that queued during the previous commit in one).
"""

import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL = os.path.join(ROOT, "target/speed/chitter-local")
GEN = os.path.join(ROOT, "target/speed/chitter-bench")
# One build for everything measured here, so features unify once.
BUILD = ["cargo", "build", "--profile", "speed", "-p", "chitter-local", "-p", "chitter-bench", "-p", "chitter-persist",
         "--bin", "chitter-local", "--bin", "chitter-bench", "--bench", "batch"]
PEER = os.path.join(ROOT, "bench/peer")
QUICK = "--quick" in sys.argv
# A quick run keeps its results apart, so --render never shows them.
RAW = os.path.join(ROOT, "target/bench-results-quick.json" if QUICK else "target/bench-results.json")
PEER_FSYNC = os.environ.get("BENCH_PEER_FSYNC", "group")
TWO_CPUS = (os.cpu_count() or 1) >= 2 and shutil.which("taskset")

if QUICK:
    LOAD = ["--sockets", "40", "--rates", "200,400", "--seconds", "2", "--rooms", "10,40", "--fanout-seconds", "2"]
    COUNTS = "100,400"
else:
    LOAD = []
    COUNTS = "1000,10000"


def pinned(cpu, argv):
    return (["taskset", "-c", str(cpu)] if TWO_CPUS else []) + argv


class Server:
    """One server process on a free port, pinned to CPU 0."""

    def __init__(self, kind):
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix=f"bench-{kind}-")
        if kind == "chitter":
            argv = [LOCAL, "--port", "0", "--data-dir", self.dir, "--rate-limits", "false"]
            ready = re.compile(r"chitter-local listening on (http://\S+)")
        else:
            argv = ["node", "server.mjs", "--port", "0", "--log", self.dir, "--fsync", PEER_FSYNC]
            ready = re.compile(r"listening (\d+)")
        env = dict(os.environ, RUST_LOG="warn", CHITTER_FAULTS="")
        self.proc = subprocess.Popen(
            pinned(0, argv),
            cwd=PEER if kind == "peer" else ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 60
        self.url = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = ready.search(line)
            if m:
                self.url = m.group(1) if kind == "chitter" else f"http://127.0.0.1:{m.group(1)}"
                break
        if not self.url:
            self.stop()
            sys.exit(f"bench: {kind} did not start")

    def run(self, *args):
        """Runs the generator against this server; returns its JSON lines."""
        protocol = "chitter" if self.kind == "chitter" else "socketio"
        argv = pinned(1, [GEN, "--protocol", protocol, "--url", self.url, "--server-pid", str(self.proc.pid), *args])
        out = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=900)
        if out.returncode != 0:
            self.stop()
            sys.exit(f"bench: the generator failed against {self.kind} ({' '.join(args)})")
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(kind, *args):
    server = Server(kind)
    try:
        return server.run(*args)
    finally:
        server.stop()


def first_line(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    with open(os.path.join(PEER, "node_modules/socket.io/package.json")) as f:
        sio = json.load(f)["version"]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": f"{mem:.0f} GiB",
        "kernel": platform.release(),
        "rustc": first_line(["rustc", "--version"]),
        "node": first_line(["node", "--version"]),
        "socket.io": sio,
        "fsync (8 KiB appends, 10 s)": fsync_probe(),
    }


def fsync_probe(seconds=2 if QUICK else 10):
    """The disk both servers sync to: 8 KiB appends, each fdatasync'd, in
    the same temp folder as their data. Its stalls set the floor of every
    p99 below, for either server."""
    folder = tempfile.mkdtemp(prefix="bench-fsync-")
    lat = []
    try:
        fd = os.open(os.path.join(folder, "probe"), os.O_WRONLY | os.O_CREAT)
        try:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                os.write(fd, b"x" * 8192)
                t = time.perf_counter()
                os.fdatasync(fd)
                lat.append((time.perf_counter() - t) * 1000)
        finally:
            os.close(fd)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    stalls = sum(1 for x in lat if x > 50)
    return (f"p50 {q(0.5):.2f} ms, p99.9 {q(0.999):.2f} ms, max {lat[-1]:.0f} ms; "
            f"{stalls} over 50 ms in {len(lat):,} syncs")


def fmt(x, digits=2):
    return "–" if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def highest(steps):
    """The highest rate a ladder kept up at (None if none)."""
    kept = [s["rate"] for s in steps if s["kept_up"]]
    return max(kept) if kept else None


def step_row(s):
    if s is None:
        return "– | – | – | –"
    ok = "yes" if s["kept_up"] else f"**no** ({s['unfinished']} late)" if s["unfinished"] else "**no**"
    if s.get("attempts", 1) > 1:
        ok += ", 2nd try"
    p, l = s["persisted"], s["last_recipient"]
    return f"{fmt(p['p50'])} / {fmt(p['p99'])} | {fmt(l['p50'])} / {fmt(l['p99'])} / {fmt(l['p999'])} | {ok} | {s['errors'] + s['closed']}"


def build():
    """Builds what runs natively here; returns the persist benchmark's path."""
    out = subprocess.run(BUILD + ["--message-format=json-render-diagnostics"], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    for line in out.stdout.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "batch" and m.get("executable"):
            return m["executable"]
    sys.exit("bench: no persist benchmark was built")


def persist_cpu(batch):
    """Persist's work per record: instructions from callgrind (a batch of
    1,000 less a batch of none, over 1,000), and time from Criterion."""
    print("bench: persist under callgrind", file=sys.stderr)
    records = 100 if QUICK else 1000
    counts = {}
    for n in (0, records):
        # The baseline builds the same batch and persists none of it.
        env = dict(os.environ, PERSIST_RECORDS=str(records))
        if n == 0:
            env["PERSIST_SKIP"] = "1"
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", batch],
            env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
        )
        m = re.search(r"Collected : (\d+)", run.stderr)
        if not m:
            sys.exit("bench: callgrind printed no count")
        counts[n] = int(m.group(1))
    print("bench: persist under Criterion", file=sys.stderr)
    crit = subprocess.run(
        [batch, "--bench", "--warm-up-time", "1", "--measurement-time", "3" if QUICK else "8", "--noplot"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True,
    ).stdout
    m = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+)", crit)
    unit = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
    per_batch_ms = float(m.group(1)) * unit[m.group(2)] if m else None
    return {
        "records": records,
        "instructions_per_record": (counts[records] - counts[0]) / records,
        "batch_of_100_ms": per_batch_ms,
    }


def web():
    """The web client: bundle size, and its figures in Chromium."""
    import gzip

    dist = os.path.join(ROOT, "web/dist")
    sizes = {"js": [0, 0], "css": [0, 0]}
    for folder, _, files in os.walk(dist):
        for name in files:
            kind = name.rsplit(".", 1)[-1]
            if kind in sizes:
                with open(os.path.join(folder, name), "rb") as f:
                    data = f.read()
                sizes[kind][0] += len(data)
                sizes[kind][1] += len(gzip.compress(data, 9))
    chromium = shutil.which("chromium")
    figures = None
    if chromium:
        print("bench: web client in Chromium", file=sys.stderr)
        run = subprocess.run(
            ["node", "e2e/perf.bench.mjs"], cwd=os.path.join(ROOT, "web"),
            env=dict(os.environ, CHITTER_LOCAL_BIN=LOCAL, CHROMIUM=chromium),
            stdout=subprocess.PIPE, text=True, timeout=300,
        )
        if run.returncode != 0:
            sys.exit("bench: the web client's figures failed")
        figures = json.loads(run.stdout.strip().splitlines()[-1])
    return {"bundle": sizes, "figures": figures}


def main():
    if "--render" in sys.argv:
        try:
            with open(RAW) as f:
                raw = json.load(f)
            args = raw["machine"], raw["results"], raw["run"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"bench: no full run's results to render ({e}): run make bench")
        write(render(*args))
        return
    building = time.monotonic()
    print("bench: building (speed profile)", file=sys.stderr)
    batch = build()
    started = time.monotonic()
    info = machine()
    results = {}
    for kind in ["chitter", "peer"]:
        print(f"bench: {kind}: load (pairs, then rooms)", file=sys.stderr)
        results[kind] = {"load": measure(kind, *(["load"] + LOAD))}
        print(f"bench: {kind}: connections", file=sys.stderr)
        results[kind]["connections"] = measure(kind, "connections", "--counts", COUNTS)
    print("bench: chitter: limits", file=sys.stderr)
    results["chitter"]["limits"] = measure("chitter", "limits")
    results["coldstart"] = coldstarts()
    results["persist"] = persist_cpu(batch) if shutil.which("valgrind") else None
    results["web"] = web()
    run = {
        "at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        # Measuring only; building the speed profile apart (none when it is up to date).
        "seconds": time.monotonic() - started,
        "build_seconds": started - building,
    }
    with open(RAW, "w") as f:
        json.dump({"machine": info, "results": results, "run": run}, f, indent=1)
    write(render(info, results, run))
    print(f"bench: built for {run['build_seconds']:.0f} s, measured for {run['seconds']:.0f} s", file=sys.stderr)
    check(results)


def write(doc):
    out = os.environ.get("BENCH_OUT", "" if QUICK else os.path.join(ROOT, "docs/performance.md"))
    if out == "-" or not out:
        print(doc)
        return
    with open(out, "w") as f:
        f.write(doc)
    print(f"bench: wrote {os.path.relpath(out, ROOT)}", file=sys.stderr)
    if os.path.samefile(out, os.path.join(ROOT, "docs/performance.md")):
        summarise(doc)


def coldstarts():
    """Cold starts side by side (scripts/coldstart.py), when the stand-ins
    are up (scripts/bench.sh runs this under scripts/with-standins.sh)."""
    if not os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"):
        print("bench: no stand-ins; skipping cold starts", file=sys.stderr)
        return None
    print("bench: cold starts", file=sys.stderr)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import coldstart
    from http.server import ThreadingHTTPServer
    import threading

    if QUICK:
        coldstart.RUNS = 3
    server = ThreadingHTTPServer(("127.0.0.1", 0), coldstart.RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return {"runs": coldstart.RUNS, "rows": coldstart.side_by_side(server, None)}
    finally:
        server.shutdown()


def summarise(doc):
    """Copies the ratios table into the README, between its markers."""
    table = doc.split("## Ratios against the targets\n", 1)[1].split("\n## ", 1)[0].strip()
    readme = os.path.join(ROOT, "README.md")
    with open(readme) as f:
        text = f.read()
    start, end = "<!-- bench-summary:start -->", "<!-- bench-summary:end -->"
    if start not in text or end not in text:
        sys.exit("bench: README.md has no bench-summary markers")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(readme, "w") as f:
        f.write(f"{head}{start}\n{table}\n{end}{tail}")


def check(results):
    """A run whose own checks failed is not a measurement."""
    bad = [l["case"] for l in results["chitter"]["limits"] if not l["ok"]]
    if bad:
        sys.exit(f"bench: limits not as documented: {bad}")


def pick(lines, scenario):
    return [l for l in lines if l["scenario"] == scenario]


def render(info, results, run):
    c, p = results["chitter"], results["peer"]
    out = []
    w = out.append
    w("# Performance\n")
    w("Generated by `make bench` (`scripts/bench.py`); do not edit by hand. Figures are")
    w("from one run on the machine below, chitter-local and the Socket.IO peer measured")
    w("one after the other with the same generator, schedules and payloads. Absolute")
    w("figures on a shared machine drift from run to run; the ratios within one run are")
    w("what to compare.\n")
    w("## Machine and method\n")
    w("| | |\n|---|---|")
    for k, v in info.items():
        w(f"| {k} | {v} |")
    # Under a minute means cargo found nothing to build.
    built = run.get("build_seconds")
    built = "" if built is None else f", after {built / 60:.1f} building" if built >= 60 else ", its builds already done"
    w(f"| run | {run['at']}, {run['seconds'] / 60:.1f} minutes measuring{built} |")
    w("")
    w("- **Servers**: chitter-local (embedded backend, `--rate-limits false`, built with")
    w("  the `speed` profile) and `bench/peer/server.mjs` (Socket.IO over WebSocket only,")
    w(f"  no compression, fsync policy `{PEER_FSYNC}`). Each runs alone, pinned to CPU 0 with")
    w("  `taskset`, started fresh per scenario with an empty data directory.")
    w("- **Load**: `chitter-bench` (`bench/`, Rust, tokio-tungstenite, hdrhistogram),")
    w("  pinned to CPU 1, loopback only. It is *open loop*: each message has a time it is")
    w("  due, and latency counts from that time, so a server that falls behind shows as")
    w("  latency rather than as a lower rate. Sends due in a step's first second warm up")
    w("  and are not recorded. A step *keeps up* when every message reaches every")
    w("  recipient within 10 s of the step's end, with no error and p99 to the last")
    w("  recipient under 100 ms, over at least 20 recorded messages. Pair steps last 5 s;")
    w("  room steps 4 s, or long enough for 20 recorded publishes at a low rate. A step")
    w("  that does not keep up runs once more once the server is idle (\"2nd try\"), so")
    w("  one stall of this shared machine, which strikes either server alike, does not")
    w("  end a ladder; the table shows the second try. Ladders stop at the first step")
    w("  that fails twice. The fsync row above shows how often this disk stalls: both")
    w("  servers sync every message before `persisted`, so a stall over 100 ms during")
    w("  a step can fail it for either.")
    w("- **Messages**: 256 bytes of text. On chitter-local, `accepted` means in the")
    w("  durable stream and `persisted` means stored with its sequence number; the peer")
    w("  acks on receipt and emits `persisted` once the message is in its log and")
    w("  fdatasync'd. Both deliver to recipients after `persisted`.\n")

    # Ack round trip.
    ca, pa = pick(c["load"], "ack"), pick(p["load"], "ack")
    w("## Pairs: send → persisted → recipient\n")
    sockets = ca[0]["sockets"] if ca else "?"
    w(f"{sockets} sockets in pairs, each sending to its partner; total rate fixed per step.")
    w("Milliseconds; persisted p50 / p99, last recipient p50 / p99 / p99.9.\n")
    w("| rate msg/s | server | achieved msg/s | accepted p50 / p99 | persisted p50 / p99 | recipient p50 / p99 / p99.9 | kept up | errors | server CPU ms per msg |")
    w("|---:|---|---:|---|---|---|---|---:|---:|")
    rates = sorted({s["rate"] for s in ca + pa})
    for rate in rates:
        for name, steps in [("chitter-local", ca), ("Socket.IO peer", pa)]:
            s = next((x for x in steps if x["rate"] == rate), None)
            if s is None:
                w(f"| {rate:,.0f} | {name} | – | – | – | – | not run (an earlier step fell behind) | – | – |")
                continue
            acc = s["accepted"]
            cpu = s.get("server_cpu_s")
            per = fmt(cpu * 1000 / s["sent"], 3) if cpu is not None and s["sent"] else "–"
            w(f"| {rate:,.0f} | {name} | {fmt(s['achieved'], 0)} | {fmt(acc['p50'])} / {fmt(acc['p99'])} | {step_row(s)} | {per} |")
    w("")
    hc, hp = highest(ca), highest(pa)
    w(f"Highest rate kept up: chitter-local **{fmt(hc, 0)}** msg/s, the peer **{fmt(hp, 0)}** msg/s ({ratio(hc, hp)}).")
    w("A ladder that ends on a second failed try at a low rate, with p50 still low and")
    w("p99 far above it, ended on stalls, not on what the server can carry: compare")
    w("several runs before reading a highest-rate ratio.\n")
    both = [r for r in rates if any(s["rate"] == r and s["kept_up"] for s in ca) and any(s["rate"] == r and s["kept_up"] for s in pa)]
    # p99 send → persisted at each rate both kept up.
    persisted = []
    for r in both:
        sc = next(s for s in ca if s["rate"] == r)
        sp = next(s for s in pa if s["rate"] == r)
        persisted.append((r, sc["persisted"]["p99"], sp["persisted"]["p99"]))
        w(f"- At {r:,.0f} msg/s: p99 send → persisted {fmt(sc['persisted']['p99'])} ms against {fmt(sp['persisted']['p99'])} ms ({ratio(sc['persisted']['p99'], sp['persisted']['p99'])}); send → recipient {fmt(sc['last_recipient']['p99'])} ms against {fmt(sp['last_recipient']['p99'])} ms ({ratio(sc['last_recipient']['p99'], sp['last_recipient']['p99'])}).")
    w("")

    # Fan-out.
    cf, pf = pick(c["load"], "fanout"), pick(p["load"], "fanout")
    w("## Rooms: publish → last recipient\n")
    w("One member publishes to a room whose members each have one socket open; the")
    w("publish rate doubles per step. Milliseconds to the *last* of the room's other")
    w("members.\n")
    w("| members | rate msg/s | deliveries/s | server | persisted p50 / p99 | last recipient p50 / p99 / p99.9 | kept up | errors |")
    w("|---:|---:|---:|---|---|---|---|---:|")
    sizes = sorted({s["members"] for s in cf + pf})
    fan_summary = []
    for m in sizes:
        mc = [s for s in cf if s["members"] == m]
        mp = [s for s in pf if s["members"] == m]
        for rate in sorted({s["rate"] for s in mc + mp}):
            for name, steps in [("chitter-local", mc), ("Socket.IO peer", mp)]:
                s = next((x for x in steps if x["rate"] == rate), None)
                if s is None:
                    continue
                w(f"| {m:,} | {rate:,.0f} | {rate * (m - 1):,.0f} | {name} | {step_row(s)} |")
        fan_summary.append((m, highest(mc), highest(mp)))
    w("")
    w("Highest publish rate kept up (p99 under 100 ms):\n")
    w("| members | chitter-local msg/s | peer msg/s | ratio |")
    w("|---:|---:|---:|---:|")
    for m, a, b in fan_summary:
        w(f"| {m:,} | {fmt(a, 0)} | {fmt(b, 0)} | {ratio(a, b)} |")
    w("")

    # Connections.
    cc, pc = pick(c["connections"], "connections"), pick(p["connections"], "connections")
    w("## Connections: storm and idle memory\n")
    w("Sockets opened 32 at a time (on chitter-local each first takes a ticket over")
    w("HTTP, then upgrades; on the peer, the upgrade then Engine.IO's and Socket.IO's")
    w("handshakes), then held idle. Memory is the server's resident set above its")
    w("baseline before the first socket.\n")
    w("| open sockets | server | opened/s | handshake p50 / p99 ms | RSS MiB | KiB per idle socket |")
    w("|---:|---|---:|---|---:|---:|")
    for cs, ps in zip(cc, pc):
        for name, s in [("chitter-local", cs), ("Socket.IO peer", ps)]:
            h = s["handshake"]
            w(f"| {s['count']:,} | {name} | {fmt(s['per_second'], 0)} | {fmt(h['p50'])} / {fmt(h['p99'])} | {fmt(s['rss_mib'], 1)} | {fmt(s['kib_per_socket'], 1)} |")
    w("")
    mem_ratios = [(cs["count"], cs["kib_per_socket"], ps["kib_per_socket"]) for cs, ps in zip(cc, pc)]
    storms = [(cs["count"], cs["per_second"], ps["per_second"]) for cs, ps in zip(cc, pc)]

    # Sign-ups and memory under load.
    su = pick(c["load"], "signups")
    ce, pe = pick(c["load"], "end"), pick(p["load"], "end")
    w("## Memory under load\n")
    if su:
        s = su[0]
        w(f"chitter-local: {s['users']:,} sign-ups (argon2id; the client sends 8 at a time, the server hashes one per core) took {fmt(s['seconds'], 1)} s; resident memory {fmt(s['rss_before_mib'], 1)} MiB before, {fmt(s['rss_after_mib'], 1)} MiB after.")
    if ce and pe:
        w(f"At the end of the load run (sockets still open): chitter-local {fmt(ce[0]['rss_mib'], 1)} MiB, the peer {fmt(pe[0]['rss_mib'], 1)} MiB.\n")

    # Limits.
    w("## Limits\n")
    w("| case | expected | got |")
    w("|---|---|---|")
    for l in c["limits"]:
        w(f"| {l['case']} | {l['expected']} | {l['outcome']} |")
    w("")

    # Cold starts.
    cs = results.get("coldstart")
    if cs:
        w("## Cold starts\n")
        w(f"Each Lambda package beside a hello-world `lambda_runtime` function built the")
        w("same way (`bench/hello`) and beside the message function's job in Node.js 20")
        w("with AWS SDK v3 (`bench/node-lambda`), each started by the same Runtime API")
        w("stand-in (`scripts/coldstart.py`) with its AWS clients pointed at the")
        w("stand-ins, so client construction and warm-up requests are real. Each is told")
        w("its init is `on-demand` (an invocation waits on it), as Lambda does. *Init* is")
        w("process start to the first poll for an invocation; *first* and *warm* are the")
        w("first and second invocations, event handed over to response posted; *init +")
        w("first* is what a caller waiting on a cold start sees. Each event")
        w("does its function's real work on a table seeded through chitter-local's API:")
        w("`$connect` with the authorizer's context registers the connection (its item must")
        w("then be in the table, under the authorizer's user); `send` checks")
        w("membership, appends to the stream and pushes `accepted` to the sender; persist")
        w("stores a message, pushes `persisted` to the sender and looks up whom to deliver")
        w("it to; crud lists the sender's conversations (a token check, then store reads),")
        w("and the list must hold the seeded conversation.")
        w("The stand-in is also the management API the pushes go to. A call that answers")
        w("otherwise, or whose ack does not reach the stand-in during the call, stops the run.")
        w(f"Medians of {cs['runs']} rounds, all processes in turn.\n")
        w("| function | init ms | init ÷ hello | first call ms | warm call ms | first ÷ warm | init + first ms |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for r in cs["rows"]:
            cold = fmt(r["cold_ms"], 1) if "cold_ms" in r else "–"
            w(f"| {r['function']} | {fmt(r['init_ms'], 1)} | {r['init_vs_hello']:.2f}× | {fmt(r['first_ms'], 1)} | {fmt(r['warm_ms'], 1)} | {r['first_vs_warm']:.2f}× | {cold} |")
        w("")

    # Persist's CPU per record.
    pc = results.get("persist")
    if pc:
        w("## Persist: work per record\n")
        w("The persist function over the embedded store (`functions/persist/benches/batch.rs`):")
        w("a direct conversation of two users, each with a connection, fed new 256-byte")
        w("messages (decode, dedupe, sequence, store, ack and deliver). Instructions come")
        w(f"from `valgrind --tool=callgrind`: a batch of {pc['records']:,} records persisted, less the same")
        w("batch built and not persisted, over the record count, which a noisy machine does")
        w("not move. Time comes from")
        w("Criterion, batches of 100 back to back.\n")
        w("| measure | figure |")
        w("|---|---:|")
        w(f"| instructions per record (callgrind) | {pc['instructions_per_record']:,.0f} |")
        if pc["batch_of_100_ms"]:
            w(f"| time per batch of 100 (Criterion, median) | {pc['batch_of_100_ms']:.2f} ms |")
            w(f"| time per record | {pc['batch_of_100_ms'] * 10:.1f} µs |")
        w("")

    # The web client.
    wb = results.get("web")
    if wb:
        w("## The web client\n")
        js, css = wb["bundle"]["js"], wb["bundle"]["css"]
        w(f"Bundle (`web/dist`): JavaScript {js[0] / 1024:.1f} KiB, {js[1] / 1024:.1f} KiB gzipped; CSS {css[0] / 1024:.1f} KiB, {css[1] / 1024:.1f} KiB gzipped.\n")
        f = wb.get("figures")
        if f:
            load, first, scroll = f["load"], f["first_message"], f["scroll"]
            w("Measured in headless Chromium (software rendering) against chitter-local on")
            w("loopback by `web/e2e/perf.bench.mjs`:\n")
            w("| measure | figure |")
            w("|---|---:|")
            w(f"| cold load to the sign-in form: first contentful paint | {fmt(load['first_contentful_paint_ms'], 0)} ms |")
            w(f"| cold load: DOMContentLoaded / load | {fmt(load['dom_content_loaded_ms'], 0)} / {fmt(load['load_ms'], 0)} ms |")
            w(f"| bytes transferred on a cold load | {load['transferred_bytes']:,} |")
            w(f"| pressing Sign in → conversation list shown | {fmt(first['sign_in_to_list_ms'], 0)} ms |")
            w(f"| opening a chat of 200 new messages → first message on screen | {fmt(first['open_to_first_message_ms'], 0)} ms |")
            w(f"| opening it → all 200 on screen (its older pages loaded to the \"New messages\" line) | {fmt(first['open_to_all_messages_ms'], 0)} ms |")
            w(f"| opening it: frames meanwhile, longest, and how many over 50 ms | {first['opening_frames']}, {fmt(first['opening_max_frame_ms'], 1)} ms, {first['opening_long_frames']} |")
            w(f"| scrolling it once settled, {scroll['layers']} parallax layers moving: frames over 3 s | {scroll['frames']} |")
            w(f"| scrolling: frame time p50 / p99 / max | {fmt(scroll['p50_ms'], 1)} / {fmt(scroll['p99_ms'], 1)} / {fmt(scroll['max_ms'], 1)} ms |")
            w(f"| scrolling: long frames (over 50 ms) | {scroll['long_frames']} |")
            w("")
            w("While the chat opens, each page of 50 messages is laid out and painted as")
            w("it arrives, which makes those frames the longest; scrolling the settled chat")
            w("draws no new content and only moves the composited layers. Each message's time used to build a date formatter")
            w("(`toLocaleTimeString` with options): 37 ms of the opening's main thread in a")
            w("CPU profile (DevTools protocol, 0.2 ms samples). There is now one formatter")
            w("per format, made on first use, and it no longer shows.")
            w("")
            w("Every row used to pop in with an animation, so each page started fifty at")
            w("once, and every row's (hidden) actions button had a backdrop blur, which")
            w("made it a compositing layer. Rows now animate only when they arrive while")
            w("the chat is open, and the button is blurred only while shown on hover. In a")
            w("Chromium trace of this opening, four runs of each build in turn: main-thread")
            w("work 244-268 ms against 254-376 ms, paint 16-28 ms against 32-45 ms, tasks")
            w("over 50 ms 0-1 against 1-3.")
            w("")
            w("The list used to render every row again as each page landed: 50, then")
            w("100, 150 and 200 rows for this opening. A row now renders again only when")
            w("what it shows changed, so the opening renders each of the 200 rows once")
            w("(counted in the page: 202 row renders over the list's 11). Sign-in and")
            w("opening, five runs of each build in turn, with Chromium's own counters")
            w("(DevTools protocol `Performance.getMetrics`): script 418-598 ms against")
            w("580-761 ms (the median pair 0.74×), all main-thread tasks 991-1,216 ms")
            w("against 1,074-1,407 ms. The frames did not change beyond the noise: what is")
            w("left is laying out, styling and painting each page as it lands, in")
            w("software. A list that lays out only the rows in view would remove it.")
            w("")

    # Ratios against targets.
    w("## Ratios against the targets\n")
    w("| measure | target | measured |")
    w("|---|---|---|")
    for r, a, b in persisted:
        w(f"| p99 send → persisted, chitter-local / peer, at {r:,.0f} msg/s | ≤ 0.33× | {ratio(a, b)} |")
    w(f"| highest rate kept up, chitter-local / peer | ≥ 2× | {ratio(hc, hp)} |")
    for count, a, b in mem_ratios:
        w(f"| memory per idle socket at {count:,}, chitter-local / peer | ≤ 0.25× | {ratio(a, b)} |")
    for count, a, b in storms:
        w(f"| connect storm to {count:,} sockets, sockets/s, chitter-local / peer | – | {ratio(a, b)} |")
    for m, a, b in fan_summary:
        w(f"| highest publish rate to {m:,} members, chitter-local / peer | – | {ratio(a, b)} |")
    if cs:
        for r in cs["rows"]:
            if r["function"] in ("hello", "node-message"):
                continue
            w(f"| {r['function']}: init ÷ hello-world | ≤ 1.5× | {r['init_vs_hello']:.2f}× |")
            w(f"| {r['function']}: first call ÷ warm call | ≤ 1.2× | {r['first_vs_warm']:.2f}× |")
    w("")
    w('## What bounds chitter-local here\n')
    w('- **The `persisted` path.** Both the stream and the store group-commit (one')
    w('  fsync for every write that queued during the previous one), and persist')
    w('  commits a whole stream batch (up to 100 records, every conversation in it)')
    w('  without waiting, makes it durable with one sync, and only then acks and')
    w("  delivers any of it. The batch's messages go into the store in one")
    w('  transaction (`MessageLog::persist_all`), not one each: a batch of 100 in one')
    w('  conversation went from 13.6-18.4 ms to 5.0-5.2 ms under Criterion and from')
    w('  281,666 to 151,422 instructions per record under callgrind (old and new')
    w('  builds side by side in one session), and in pairs at 4,000 msg/s, a rate')
    w('  neither build keeps up with, p50 send → persisted fell from 2,165 ms to')
    w("  59-127 ms. The price of batching is that a batch's first record waits for")
    w("  the batch's last commit. The stream checkpoint that follows each batch is")
    w('  not synced (see below).')
    w('- **Work per message.** Each send is a Lambda-shaped invocation: an API')
    w('  Gateway event built and parsed, a ticket-checked connection and membership')
    w("  read, a stream record encoded, then persist's decode, dedupe, sequence and")
    w('  store, and a management-API push per recipient. The peer emits a frame.')
    w('  A CPU profile of chitter-local at 2,000 msg/s in pairs (`perf record -e')
    w("  cpu-clock --call-graph dwarf`, 6 s), taken before the two changes named")
    w("  here, split its CPU as: persist's store transactions, then one per record")
    w("  on the blocking pool, 19% (the pool's hand-offs about 5% more); WebSocket")
    w("  frame writes, then one syscall per frame, 15%; the stream's writer thread")
    w("  13% and the store's flusher 11%, mostly the kernel's write-back for fsync;")
    w("  the message function's invocation 11%; malloc and free about 15% across")
    w('  all of these. Since then the frames queued for a socket go out with one')
    w('  flush (rooms of 100 kept up at 1,280 msg/s where they had stopped at 640),')
    w("  and persist's messages share one transaction (above). An allocator with")
    w('  thread caches (mimalloc) was tried and left out: RSS at the end of a load')
    w('  run was 205 MiB with it against 90-140 MiB without (one run against three),')
    w('  for no gain that stood out of the noise.')
    w('- **Memory per idle socket.** Heap profiles (`valgrind --tool=massif`, 1,000')
    w('  idle sockets) guided each step, and each was measured beside the build')
    w('  before it (KiB per idle socket at 10,000 sockets, two rounds each):')
    w("  boxing `$disconnect`'s future (10 KiB inline in every connection's task) and")
    w('  a 4 KiB WebSocket read buffer, 23.8 → 12.8; a 1 KiB read buffer (client')
    w('  frames are mostly far smaller; a larger one still gets room for all of it),')
    w("  12.8 → 9.8; the socket's task holding `run`'s future once, not also the")
    w("  closures' copies of what it captures, with one timer for both the idle and")
    w('  the lifetime limit, 9.8 → 8.4; the outbound queue from flume, which takes')
    w('  no room for frames until one is queued (a waiting writer costs a small')
    w("  hook) where tokio's took 1.5 KiB up front, 8.4 → 7.0. Server CPU in pairs")
    w('  at 1,000 and 2,000 msg/s did not move')
    w('  (three rounds each). What remains, from the last profile, per socket: the')
    w('  reader and writer tasks 2.2 KiB, the read buffer 1 KiB, the connection maps')
    w('  and store records about 1 KiB, the split socket 0.4 KiB, the I/O')
    w('  registration 0.25 KiB, and allocations from the handshake (hyper, axum)')
    w("  still live at the profile's last snapshot, about 0.9 KiB. A quarter of the")
    w("  peer's would take a reader that holds no buffer while idle and one task per")
    w('  socket.')
    w('- **Cold starts.** A function builds its SDK clients in init, sharing one')
    w('  HTTP client whose TLS roots load on its first request, and in an on-demand')
    w('  init starts one warm-up request per client in a task beside the first poll')
    w('  (with provisioned concurrency they finish within init). Both used to be')
    w('  inside init: reading the system roots (here a bundle and a directory of links')
    w('  to the same certificates) and parsing them once per client, then a round')
    w('  trip per client. Side by side with the build before (`coldstart.py A B`, 20')
    w('  pairs), init took 0.30-0.40× as long. On the same build, finishing the')
    w('  warm-ups within init instead (`COLDSTART_INIT_TYPE=provisioned-concurrency`)')
    w('  gave init + first call 35.0 ms for message and 37.7 ms for connect, against')
    w('  33.8 and 34.7 on demand: what a waiting caller sees did not grow. The first')
    w('  call now meets the warm-ups still in flight (the roots loading, and the')
    w('  stand-in, one Python process, answering them beside the call), so first ÷')
    w('  warm rose from about 1.0× to 1.1-1.7×, most for message, whose call is the')
    w('  shortest.')
    w('- **What init does now.** A CPU profile of crud\'s init (`perf record`, 150')
    w('  starts) showed the SDK configuration\'s default chains building an STS client')
    w('  (for web identity) and IMDS clients (for the region and credentials) that')
    w('  Lambda never uses, since it gives both in environment variables, and each SDK client')
    w('  parsing its service\'s endpoint partitions and compiling their patterns as')
    w('  it is built. Init now takes the region and credentials from those variables')
    w('  when they are set (the chains would read them first anyway), and builds only')
    w('  the store\'s client up front: the stream, pusher and S3 clients are built on')
    w('  first use or in their warm-up, so crud, whose calls seldom need them, no')
    w('  longer builds them at all on most cold starts. Side by side with the build')
    w('  before (`coldstart.py A B`; three runs of 40, 20 and 20 pairs):')
    w('  init 0.86-1.00× for connect, 0.85-0.90× for message, 0.81-0.97×')
    w('  for persist, 0.76-0.93× for crud. Init + first call, timed in the last two')
    w('  runs, 0.94-1.01×: the work did not move into the first call. Then, in an')
    w('  on-demand init, the store is no longer warmed: every call starts with a')
    w('  store request, which opens that connection as soon as the warm-up would,')
    w('  so the warm-up only added a second connection and request beside it.')
    w('  Against the build before (two runs of 20 pairs), init + first call took')
    w('  0.89-0.93× as long for connect, 0.90-0.92× for message, 0.94-0.95× for')
    w('  persist and 0.98-1.02× for crud.')
    w("")
    w("## What the peer does differently\n")
    w("- It keeps no accounts, tickets, conversations, memberships or presence; a")
    w("  socket names its rooms in the handshake. chitter-local checks a ticket per")
    w("  connection, membership per send, and pushes presence as members come and go.")
    w("- It acks on receipt; chitter-local acks `accepted` only once the message is in")
    w("  its durable stream.")
    w("- It writes one log file, group-committed. chitter-local group-commits its")
    w("  stream the same way, but then writes the store (the message with its sequence")
    w("  number, the conversation's last sequence, the dedupe record), a transaction")
    w("  per batch made durable by one flush: a message waits for two fsyncs where the")
    w("  peer's waits for one. (The stream's checkpoint after each batch is not synced:")
    w("  the next append's commit carries it, or the stream's own sync after half a")
    w("  second idle; a checkpoint lost in a crash only replays records persist has")
    w("  stored and dedupes.)")
    w("- Its messages have no ids, no order per conversation, no resume, no history;")
    w("  a socket that drops misses what was sent meanwhile.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
