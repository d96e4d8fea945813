//! Open sockets and the open-loop schedule that drives them. Every send
//! has a time it is due; latency counts from that time, so a server that
//! falls behind shows up as latency rather than as a lower send rate (no
//! coordinated omission). Each socket has a writer task and a reader task;
//! readers record into one set of histograms for the current step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::setup::Ws;
use crate::wire::{self, Event, Protocol};

/// Sends due in a step's first second warm the server up and are not
/// recorded.
pub const WARMUP: Duration = Duration::from_secs(1);
/// A step with fewer recorded messages than this has no p99 to go by, so
/// it does not count as kept up.
pub const MIN_RECORDED: u64 = 20;
/// How long a step waits after its last send for answers still on the way.
const DRAIN: Duration = Duration::from_secs(10);

pub struct Fleet {
    protocol: Protocol,
    sockets: Vec<mpsc::UnboundedSender<Message>>,
    shared: Arc<Shared>,
}

struct Shared {
    start: Instant,
    agg: Mutex<Agg>,
    sent: AtomicU64,
    closed: AtomicU64,
}

struct Agg {
    step: u64,
    /// Sends due before this (µs since start) are not recorded.
    record_from: u64,
    recipients: u32,
    accepted: Histogram<u64>,
    persisted: Histogram<u64>,
    last: Histogram<u64>,
    /// Recipients still to hear of each message (sender << 32 | n).
    pending: HashMap<u64, u32>,
    n_accepted: u64,
    n_persisted: u64,
    n_last: u64,
    /// When the last message reached its last recipient (µs since start).
    last_done: u64,
    errors: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 10 minutes, 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000, 3)
        .unwrap_or_else(|e| panic!("histogram bounds: {e}"))
}

impl Agg {
    fn new() -> Self {
        Self {
            step: 0,
            record_from: 0,
            recipients: 1,
            accepted: histogram(),
            persisted: histogram(),
            last: histogram(),
            pending: HashMap::new(),
            n_accepted: 0,
            n_persisted: 0,
            n_last: 0,
            last_done: 0,
            errors: 0,
        }
    }
}

/// A message id: `step.sender.n.due` (due in µs since the fleet started).
struct Id {
    step: u64,
    sender: u64,
    n: u64,
    due: u64,
}

impl Id {
    fn parse(s: &str) -> Option<Self> {
        let mut it = s.split('.').map(|p| p.parse::<u64>().ok());
        Some(Self {
            step: it.next()??,
            sender: it.next()??,
            n: it.next()??,
            due: it.next()??,
        })
    }
}

/// Percentiles of one histogram in milliseconds.
pub fn summary(h: &Histogram<u64>) -> Value {
    let ms = |us: u64| (us as f64 / 10.0).round() / 100.0;
    json!({
        "n": h.len(),
        "p50": ms(h.value_at_quantile(0.5)),
        "p99": ms(h.value_at_quantile(0.99)),
        "p999": ms(h.value_at_quantile(0.999)),
        "max": ms(h.max()),
    })
}

/// One step's outcome.
pub struct StepResult {
    pub sent: u64,
    /// Messages that reached all their recipients per second, from the
    /// first send's due time to the last arrival.
    pub achieved: f64,
    pub unfinished: u64,
    /// `accepted` and `persisted` acks that never came.
    pub missing_acks: u64,
    pub errors: u64,
    pub closed: u64,
    pub accepted: Histogram<u64>,
    pub persisted: Histogram<u64>,
    pub last: Histogram<u64>,
}

impl StepResult {
    /// Every message acked twice and heard by all, no error, at least
    /// 20 recorded, and p99 to the last recipient under `p99_ms`.
    pub fn kept_up(&self, p99_ms: f64) -> bool {
        self.unfinished == 0
            && self.missing_acks == 0
            && self.errors == 0
            && self.closed == 0
            && self.last.len() >= MIN_RECORDED
            && (self.last.value_at_quantile(0.99) as f64) < p99_ms * 1000.0
    }

    pub fn to_json(&self) -> Value {
        json!({
            "sent": self.sent,
            "achieved": (self.achieved * 10.0).round() / 10.0,
            "unfinished": self.unfinished,
            "missing_acks": self.missing_acks,
            "errors": self.errors,
            "closed": self.closed,
            "accepted": summary(&self.accepted),
            "persisted": summary(&self.persisted),
            "last_recipient": summary(&self.last),
        })
    }
}

impl Fleet {
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            sockets: Vec::new(),
            shared: Arc::new(Shared {
                start: Instant::now(),
                agg: Mutex::new(Agg::new()),
                sent: AtomicU64::new(0),
                closed: AtomicU64::new(0),
            }),
        }
    }

    fn agg(&self) -> MutexGuard<'_, Agg> {
        lock(&self.shared.agg)
    }

    /// Takes an open socket into the fleet; returns its index.
    pub fn add(&mut self, ws: Ws) -> usize {
        let index = self.sockets.len() as u64;
        let (mut sink, mut stream) = ws.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
        });
        let shared = self.shared.clone();
        let protocol = self.protocol;
        let pong = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                match frame {
                    Message::Text(t) => match wire::parse(protocol, &t) {
                        Event::Ping => {
                            let _ = pong.send(Message::Text("3".into()));
                        }
                        event => shared.record(index, event),
                    },
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            shared.closed.fetch_add(1, Ordering::Relaxed);
        });
        self.sockets.push(tx);
        index as usize
    }

    /// Sends `rate` messages a second for `seconds`, spread evenly over
    /// `senders` (socket index, target), each `size` bytes of text, to be
    /// heard by `recipients` sockets each; then waits for the answers.
    pub async fn step(
        &self,
        rate: f64,
        seconds: f64,
        senders: &[(usize, String)],
        recipients: u32,
        size: usize,
    ) -> StepResult {
        let shared = &self.shared;
        let begin = shared.start.elapsed() + Duration::from_millis(50);
        let end = begin + Duration::from_secs_f64(seconds);
        let step = {
            let mut agg = self.agg();
            let step = agg.step + 1;
            *agg = Agg::new();
            agg.step = step;
            agg.recipients = recipients;
            agg.record_from = (begin + WARMUP).as_micros() as u64;
            step
        };
        let closed_before = shared.closed.load(Ordering::Relaxed);
        shared.sent.store(0, Ordering::Relaxed);
        let interval = Duration::from_secs_f64(senders.len() as f64 / rate);
        let mut tasks = Vec::new();
        for (j, (socket, target)) in senders.iter().enumerate() {
            let tx = self.sockets[*socket].clone();
            let target = target.clone();
            let shared = shared.clone();
            let protocol = self.protocol;
            let sender = *socket;
            let first = begin + Duration::from_secs_f64(j as f64 / rate);
            tasks.push(tokio::spawn(async move {
                let mut due = first;
                let mut n = 0u64;
                while due < end {
                    tokio::time::sleep_until((shared.start + due).into()).await;
                    let id = format!("{step}.{sender}.{n}.{}", due.as_micros());
                    let pad = size.saturating_sub(id.len() + 1);
                    let text = format!("{id} {}", "x".repeat(pad));
                    let frame = wire::send_frame(protocol, n, &target, &id, &text);
                    if tx.send(Message::Text(frame.into())).is_err() {
                        break;
                    }
                    shared.sent.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                    due += interval;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let sent = shared.sent.load(Ordering::Relaxed);
        let deadline = Instant::now() + DRAIN;
        loop {
            let done = {
                let a = self.agg();
                a.n_last >= sent && a.n_persisted >= sent && a.n_accepted >= sent
            };
            if done || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut agg = self.agg();
        let closed = shared.closed.load(Ordering::Relaxed) - closed_before;
        // Later answers belong to no step.
        agg.step += 1_000_000;
        let span = agg
            .last_done
            .saturating_sub(begin.as_micros() as u64)
            .max(1);
        StepResult {
            sent,
            achieved: agg.n_last as f64 / (span as f64 / 1e6),
            unfinished: sent.saturating_sub(agg.n_last),
            missing_acks: sent.saturating_sub(agg.n_accepted)
                + sent.saturating_sub(agg.n_persisted),
            errors: agg.errors,
            closed,
            accepted: std::mem::replace(&mut agg.accepted, histogram()),
            persisted: std::mem::replace(&mut agg.persisted, histogram()),
            last: std::mem::replace(&mut agg.last, histogram()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    fn record(&self, socket: u64, event: Event) {
        let now = self.start.elapsed().as_micros() as u64;
        let mut agg = lock(&self.agg);
        let id = match &event {
            Event::Accepted(id) | Event::Persisted(id) | Event::Delivered(id) => Id::parse(id),
            Event::Error(_) => {
                agg.errors += 1;
                return;
            }
            Event::Ping | Event::Other => return,
        };
        let Some(id) = id.filter(|id| id.step == agg.step) else {
            return;
        };
        let latency = now.saturating_sub(id.due).max(1);
        let record = id.due >= agg.record_from;
        match event {
            Event::Accepted(_) => {
                agg.n_accepted += 1;
                if record {
                    let _ = agg.accepted.record(latency);
                }
            }
            Event::Persisted(_) => {
                agg.n_persisted += 1;
                if record {
                    let _ = agg.persisted.record(latency);
                }
            }
            Event::Delivered(_) if id.sender != socket => {
                let key = (id.sender << 32) | id.n;
                let recipients = agg.recipients;
                let left = agg.pending.entry(key).or_insert(recipients);
                *left = left.saturating_sub(1);
                if *left == 0 {
                    agg.pending.remove(&key);
                    agg.n_last += 1;
                    agg.last_done = now;
                    if record {
                        let _ = agg.last.record(latency);
                    }
                }
            }
            _ => {}
        }
    }
}
