//! chitter-local under load, on loopback: how many connections it holds,
//! and how fast messages go from `send` to `accepted`, to `persisted`, and
//! to every member of a group. Prints figures; asserts nothing about speed.
//!
//!   cargo bench -p chitter-local --bench gateway
//!
//! Sizes are bounded and can be changed with BENCH_CONNECTIONS,
//! BENCH_MEMBERS and BENCH_MESSAGES.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chitter_local::{Config, Server};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    async fn user(&self, handle: &str) -> (String, String) {
        let s = self
            .post(
                "/api/auth/signup",
                None,
                json!({"handle": handle, "password": "correct horse battery"}),
            )
            .await;
        (
            s["user"]["user_id"].as_str().unwrap().to_owned(),
            s["access_token"].as_str().unwrap().to_owned(),
        )
    }

    async fn connect(&self, token: &str) -> Ws {
        let t = self.post("/api/auth/ticket", Some(token), json!({})).await;
        let url = format!(
            "{}/ws?ticket={}",
            self.base.replace("http://", "ws://"),
            t["ticket"].as_str().unwrap()
        );
        // Small client buffers too, so the memory figure is mostly the server's.
        let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
        connect_async_with_config(url, Some(config), true)
            .await
            .unwrap()
            .0
    }
}

async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == kind {
                return v;
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

#[tokio::main]
async fn main() {
    let connections = env("BENCH_CONNECTIONS", 2000);
    let members = env("BENCH_MEMBERS", 50);
    let messages = env("BENCH_MESSAGES", 500);
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse_from([
        "chitter-local",
        "--port",
        "0",
        "--data-dir",
        dir.path().to_str().unwrap(),
        // Load from a few users on purpose: per-user limits would refuse it.
        "--rate-limits",
        "false",
    ]);
    let server = Server::start(config).await.unwrap();
    let c = Client {
        http: reqwest::Client::new(),
        base: format!("http://{}", server.addr()),
    };
    println!(
        "chitter-local gateway benchmark (embedded backend, loopback, {} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // 1. Fan-out: one sender, a group of `members`, each with a connection.
    let mut users = Vec::new();
    for i in 0..members {
        users.push(c.user(&format!("member{i:04}")).await);
    }
    let ids: Vec<&str> = users[1..].iter().map(|(id, _)| id.as_str()).collect();
    let group = c
        .post(
            "/api/conversations",
            Some(&users[0].1),
            json!({"kind": "group", "title": "Bench", "member_ids": ids}),
        )
        .await["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut sockets = Vec::new();
    for (_, token) in &users {
        sockets.push(c.connect(token).await);
    }
    let mut receivers = sockets.split_off(1);
    let mut sender = sockets.pop().unwrap();
    let (mut accepted, mut persisted, mut delivered) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    for i in 0..messages {
        let t0 = Instant::now();
        let frame = json!({"action": "send", "id": format!("b-{i}"), "conversation_id": group, "text": format!("message {i}")});
        sender
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
        next_of(&mut sender, "ack").await;
        accepted.push(t0.elapsed());
        next_of(&mut sender, "ack").await;
        persisted.push(t0.elapsed());
        for r in &mut receivers {
            next_of(r, "message").await;
        }
        delivered.push(t0.elapsed());
    }
    let total = start.elapsed();
    for v in [&mut accepted, &mut persisted, &mut delivered] {
        v.sort();
    }
    println!("\nfan-out: {messages} messages, one at a time, to a group of {members}");
    println!(
        "  send -> accepted           p50 {}  p99 {}",
        ms(percentile(&accepted, 0.5)),
        ms(percentile(&accepted, 0.99))
    );
    println!(
        "  send -> persisted          p50 {}  p99 {}",
        ms(percentile(&persisted, 0.5)),
        ms(percentile(&persisted, 0.99))
    );
    println!(
        "  send -> all {} delivered   p50 {}  p99 {}",
        members - 1,
        ms(percentile(&delivered, 0.5)),
        ms(percentile(&delivered, 0.99))
    );
    println!(
        "  {:.0} messages/s, {:.0} deliveries/s",
        messages as f64 / total.as_secs_f64(),
        (messages * (members - 1)) as f64 / total.as_secs_f64()
    );

    // 2. Many idle connections.
    let before = rss_mib();
    let (_, token) = c.user("crowd").await;
    let start = Instant::now();
    let mut crowd = Vec::with_capacity(connections);
    for _ in 0..connections {
        crowd.push(c.connect(&token).await);
    }
    let opened = start.elapsed();
    // Every one of them is live: a ping to each gets its pong.
    for ws in &mut crowd {
        ws.send(Message::Text(
            json!({"action": "ping", "id": "p"}).to_string().into(),
        ))
        .await
        .unwrap();
    }
    for ws in &mut crowd {
        next_of(ws, "pong").await;
    }
    let after = rss_mib();
    println!("\nconnections: {connections} open at once (client and server in this process)");
    println!(
        "  opened in {:.2} s ({:.0}/s, each with its own ticket)",
        opened.as_secs_f64(),
        connections as f64 / opened.as_secs_f64()
    );
    println!(
        "  resident memory {:.0} MiB -> {:.0} MiB ({:.1} KiB per connection, both ends)",
        before,
        after,
        (after - before) * 1024.0 / connections as f64
    );
    drop(crowd);
    server.shutdown().await;
}
