//! Persist's work per record (decode, dedupe, sequence, store, push) over
//! the embedded store: a direct conversation of two users, each with a
//! connection, fed batches of 100 (Criterion) or one batch of
//! `PERSIST_RECORDS` records (for `valgrind --tool=callgrind`: run it with
//! 1,000, and again with `PERSIST_SKIP` set, which builds the batch but
//! persists none of it; the difference over 1,000 is the instructions per
//! record; `make bench` does so).
//!
//!   cargo bench -p chitter-persist --bench batch

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use aws_lambda_events::kinesis::KinesisEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chitter_core::app::conversations;
use chitter_core::domain::{Caller, ConnectionId, ConversationId};
use chitter_testing::World;
use criterion::{BatchSize, Criterion, Throughput};
use serde_json::{Value, json};

const FIXTURE: &str = include_str!("../../../infra/events/persist-batch.json");

struct Bench {
    world: World,
    sender: Caller,
    conversation: ConversationId,
    connections: Vec<ConnectionId>,
    template: Value,
    next: AtomicU64,
}

impl Bench {
    async fn new() -> Self {
        let world = World::new();
        let ada = world.user("ada").await;
        let bob = world.user("bob").await;
        let (c, _) = conversations::open_direct(&world.svc, &ada, bob.user_id)
            .await
            .unwrap();
        let connections = vec![
            world.connect(&ada, "ada-1").await,
            world.connect(&bob, "bob-1").await,
        ];
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        Self {
            world,
            sender: ada,
            conversation: c.conversation_id,
            connections,
            template: fixture["Records"][0].clone(),
            next: AtomicU64::new(1),
        }
    }

    /// `n` new messages (fresh ids, so none is a duplicate) as one batch.
    fn batch(&self, n: u64) -> KinesisEvent {
        let records: Vec<Value> = (0..n)
            .map(|_| {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                let data = json!({
                    "type": "message",
                    "message_id": format!("0190a7a4-0000-7000-8000-{i:012x}"),
                    "conversation_id": self.conversation,
                    "sender_id": self.sender.user_id,
                    "client_msg_id": format!("c-{i}"),
                    "text": "x".repeat(256),
                    "sent_at": "2026-11-24T09:15:09.433Z",
                    "origin": "ada-1",
                });
                let seq = format!("{i:056}");
                let mut r = self.template.clone();
                r["kinesis"]["data"] = json!(STANDARD.encode(data.to_string()));
                r["kinesis"]["partitionKey"] = json!(self.conversation);
                r["kinesis"]["sequenceNumber"] = json!(seq);
                r["eventID"] = json!(format!("shardId-000000000000:{seq}"));
                r
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    async fn persist(&self, event: KinesisEvent) {
        let r = chitter_persist::handle(&self.world.svc, event)
            .await
            .unwrap();
        assert!(r.batch_item_failures.is_empty());
        // Keep the recording pusher from growing without bound.
        for c in &self.connections {
            self.world.pusher.take(c);
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let bench = rt.block_on(Bench::new());
    if let Ok(n) = std::env::var("PERSIST_RECORDS") {
        let n: u64 = n.parse().expect("PERSIST_RECORDS is a count");
        let event = bench.batch(n);
        // The baseline builds the same batch and persists none of it, so
        // the difference is persist's work alone.
        if std::env::var_os("PERSIST_SKIP").is_none() {
            rt.block_on(bench.persist(event));
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("persist");
    group.throughput(Throughput::Elements(100));
    group.sample_size(20);
    group.bench_function("batch of 100 new messages", |b| {
        b.to_async(&rt).iter_batched(
            || bench.batch(100),
            |e| bench.persist(e),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    c.final_summary();
}
