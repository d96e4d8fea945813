//! chitter-bench: the load generator behind `make bench`. It drives
//! chitter-local (Chitter's protocol) or the Socket.IO peer in
//! `bench/peer` (Engine.IO v4) with the same open-loop schedules and
//! payloads, on loopback only, bounded in count and time, and prints one
//! JSON object per step on stdout (progress on stderr).
//!
//!   chitter-bench --protocol chitter --url http://127.0.0.1:3000 --server-pid PID load
//!
//! `scripts/bench.py` starts both servers, runs this against each, and
//! writes docs/performance.md.

mod fleet;
mod limits;
mod setup;
mod wire;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use futures::{StreamExt, stream};
use hdrhistogram::Histogram;
use serde_json::{Value, json};

use fleet::{Fleet, MIN_RECORDED, StepResult, WARMUP, summary};
use setup::Api;
use wire::Protocol;

#[derive(Parser)]
struct Cli {
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// The server's HTTP base; its WebSocket is found from it. Loopback only.
    #[arg(long)]
    url: String,
    /// The server's process, for its memory and CPU.
    #[arg(long)]
    server_pid: Option<u32>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pairs sending to each other at rising rates, then rooms of rising
    /// size, each at rising publish rates, until p99 passes the bound.
    Load {
        /// Sockets (on chitter-local, one user each), in pairs.
        #[arg(long, default_value_t = 1000)]
        sockets: usize,
        /// Total send rates for the pairs, msg/s.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "250,500,1000,2000,4000,8000,16000"
        )]
        rates: Vec<f64>,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Room sizes for fan-out (at most `sockets`).
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        rooms: Vec<usize>,
        #[arg(long, default_value_t = 4.0)]
        fanout_seconds: f64,
        /// Message text bytes.
        #[arg(long, default_value_t = 256)]
        size: usize,
        /// A step keeps up when every message arrives and p99 to the last
        /// recipient is under this.
        #[arg(long, default_value_t = 100.0)]
        p99_ms: f64,
    },
    /// A connect storm, then memory per idle socket at each count.
    Connections {
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        counts: Vec<usize>,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// chitter-local's frame and message size limits.
    Limits,
}

fn emit(v: Value) {
    println!("{v}");
}

/// The server's resident memory in MiB.
fn rss_mib(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// The server's CPU time so far, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): utime is the
    // 12th, stime the 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Tries a step gets: one that does not keep up runs once more after the
/// server settles, so one stall of a shared machine (which hits either
/// server alike) does not end a ladder; a server that is behind fails both.
const ATTEMPTS: u32 = 2;

/// One step of a ladder, run up to ATTEMPTS times until it keeps up. Returns
/// the last try as JSON (with `kept_up`, `attempts`, and the server's CPU
/// seconds over the try and its drain) and whether it kept up.
async fn tried<F, Fut>(pid: Option<u32>, p99_ms: f64, run: F) -> (Value, bool)
where
    F: Fn() -> Fut,
    Fut: Future<Output = StepResult>,
{
    let mut attempt = 1;
    loop {
        let cpu0 = pid.and_then(cpu_ticks);
        let r = run().await;
        let cpu = pid
            .and_then(cpu_ticks)
            .zip(cpu0)
            .map(|(b, a)| b.saturating_sub(a) as f64 / 100.0);
        let kept = r.kept_up(p99_ms);
        if !kept && attempt < ATTEMPTS {
            attempt += 1;
            wait_idle(pid).await;
            continue;
        }
        let mut v = r.to_json();
        v["kept_up"] = json!(kept);
        v["attempts"] = json!(attempt);
        v["server_cpu_s"] = json!(cpu);
        return (v, kept);
    }
}

/// Waits (at most a minute) until the server uses under 5% of a core, so
/// that a step that fell behind does not weigh on the next.
async fn wait_idle(pid: Option<u32>) {
    let Some(pid) = pid else { return };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut before = cpu_ticks(pid);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = cpu_ticks(pid);
        match (before, now) {
            (Some(b), Some(n)) if n.saturating_sub(b) <= 2 => return,
            (_, None) => return,
            _ => before = now,
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let host = cli
        .url
        .split("//")
        .nth(1)
        .context("--url http://127.0.0.1:PORT")?;
    if !(host.starts_with("127.0.0.1:") || host.starts_with("localhost:")) {
        bail!("load goes to loopback only");
    }
    let api = Api::new(&cli.url);
    match &cli.command {
        Command::Load {
            sockets,
            rates,
            seconds,
            rooms,
            fanout_seconds,
            size,
            p99_ms,
        } => {
            let rooms: Vec<usize> = rooms.iter().copied().filter(|m| m <= sockets).collect();
            load(
                &cli,
                &api,
                *sockets,
                rates,
                *seconds,
                &rooms,
                *fanout_seconds,
                *size,
                *p99_ms,
            )
            .await
        }
        Command::Connections {
            counts,
            concurrency,
        } => connections(&cli, &api, counts, *concurrency).await,
        Command::Limits => limits::run(cli.protocol, &api).await,
    }
}

#[allow(clippy::too_many_arguments)]
async fn load(
    cli: &Cli,
    api: &Api,
    sockets: usize,
    rates: &[f64],
    seconds: f64,
    rooms: &[usize],
    fanout_seconds: f64,
    size: usize,
    p99_ms: f64,
) -> Result<()> {
    let protocol = cli.protocol;
    let pid = cli.server_pid;
    let sockets = sockets / 2 * 2;
    let before = rss_mib(pid);
    // Who sends where: a pair's conversation, and each room.
    let (tokens, pair_targets, room_targets) = match protocol {
        Protocol::Chitter => {
            eprintln!("bench: signing up {sockets} users");
            let (users, took) = api.users("load", sockets).await?;
            emit(json!({
                "scenario": "signups", "users": sockets,
                "seconds": took.as_secs_f64(),
                "rss_before_mib": before, "rss_after_mib": rss_mib(pid),
            }));
            let pairs: Vec<Result<String>> = stream::iter(users.chunks(2))
                .map(|p| api.direct(&p[0], &p[1]))
                .buffered(8)
                .collect()
                .await;
            let pairs = pairs.into_iter().collect::<Result<Vec<_>>>()?;
            let mut room_ids = Vec::new();
            for m in rooms {
                eprintln!("bench: a room of {m}");
                room_ids.push(api.room(&format!("Room of {m}"), &users[..*m]).await?);
            }
            let tokens = users.into_iter().map(|u| u.1).collect();
            (tokens, pairs, room_ids)
        }
        Protocol::Socketio => (
            vec![String::new(); sockets],
            (0..sockets / 2).map(|p| format!("p{p}")).collect(),
            rooms.iter().map(|m| format!("r{m}")).collect(),
        ),
    };
    eprintln!("bench: opening {sockets} sockets");
    let opened: Vec<Result<setup::Ws>> = stream::iter(0..sockets)
        .map(|i| {
            let mut joins = vec![pair_targets[i / 2].clone()];
            for (m, r) in rooms.iter().zip(&room_targets) {
                if i < *m {
                    joins.push(r.clone());
                }
            }
            let token = &tokens[i];
            async move { api.open(protocol, token, &joins).await }
        })
        .buffered(32)
        .collect()
        .await;
    let mut fleet = Fleet::new(protocol);
    for ws in opened {
        fleet.add(ws?);
    }
    wait_idle(pid).await;

    let senders: Vec<(usize, String)> = (0..sockets)
        .map(|i| (i, pair_targets[i / 2].clone()))
        .collect();
    let fleet = &fleet;
    for &rate in rates {
        let (mut v, kept) = tried(pid, p99_ms, || {
            eprintln!("bench: pairs at {rate} msg/s");
            fleet.step(rate, seconds, &senders, 1, size)
        })
        .await;
        v["scenario"] = json!("ack");
        v["rate"] = json!(rate);
        v["sockets"] = json!(sockets);
        v["rss_mib"] = json!(rss_mib(pid));
        emit(v);
        if !kept {
            wait_idle(pid).await;
            break;
        }
    }

    for (m, target) in rooms.iter().zip(&room_targets) {
        let publisher = [(0, target.clone())];
        let mut rate = (1000.0 / (*m as f64 - 1.0)).round().max(1.0);
        // Ten doublings: from about 1,000 deliveries/s to 512 times that.
        for _ in 0..10 {
            // Long enough for the 20 recorded publishes a step needs to
            // count as kept up: a room of 1,000 starts at 1 msg/s.
            let seconds =
                fanout_seconds.max(WARMUP.as_secs_f64() + (MIN_RECORDED as f64 + 4.0) / rate);
            let (mut v, kept) = tried(pid, p99_ms, || {
                eprintln!("bench: room of {m} at {rate} msg/s for {seconds:.0} s");
                fleet.step(rate, seconds, &publisher, (*m - 1) as u32, size)
            })
            .await;
            v["scenario"] = json!("fanout");
            v["members"] = json!(m);
            v["rate"] = json!(rate);
            emit(v);
            if !kept {
                wait_idle(pid).await;
                break;
            }
            rate *= 2.0;
        }
    }
    emit(json!({"scenario": "end", "rss_mib": rss_mib(pid)}));
    Ok(())
}

async fn connections(cli: &Cli, api: &Api, counts: &[usize], concurrency: usize) -> Result<()> {
    let protocol = cli.protocol;
    let pid = cli.server_pid;
    // Sockets share 100 users on chitter-local: sign-ups are not measured here.
    let tokens: Vec<String> = match protocol {
        Protocol::Chitter => api
            .users("crowd", 100)
            .await?
            .0
            .into_iter()
            .map(|u| u.1)
            .collect(),
        Protocol::Socketio => vec![String::new()],
    };
    wait_idle(pid).await;
    let baseline = rss_mib(pid);
    let mut fleet = Fleet::new(protocol);
    let mut open = 0;
    for &count in counts {
        let start = Instant::now();
        let opened: Vec<Result<(setup::Ws, Duration)>> = stream::iter(open..count)
            .map(|i| {
                let token = &tokens[i % tokens.len()];
                async move {
                    let t = Instant::now();
                    let ws = api.open(protocol, token, &[]).await?;
                    Ok((ws, t.elapsed()))
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let took = start.elapsed();
        let mut handshakes = Histogram::<u64>::new(3)?;
        for o in opened {
            let (ws, t) = o?;
            handshakes.record(t.as_micros() as u64)?;
            fleet.add(ws);
        }
        let storm = count - open;
        open = count;
        wait_idle(pid).await;
        let rss = rss_mib(pid);
        emit(json!({
            "scenario": "connections",
            "count": count,
            "opened": storm,
            "per_second": storm as f64 / took.as_secs_f64(),
            "handshake": summary(&handshakes),
            "rss_baseline_mib": baseline,
            "rss_mib": rss,
            "kib_per_socket": rss.zip(baseline).map(|(r, b)| (r - b) * 1024.0 / count as f64),
        }));
    }
    drop(fleet);
    Ok(())
}
