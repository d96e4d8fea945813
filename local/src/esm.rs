//! The event source mapping: reads each shard of the embedded stream in
//! order and invokes persist with Kinesis-shaped batches, as Lambda does.
//! A function error retries the batch; a reported item failure checkpoints
//! before the earliest failed record and retries from it.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::streams::KinesisEventResponse;
use chitter_core::Services;
use chitter_core::adapters::embedded::{EmbeddedStream, StreamRecord};
use tokio::sync::watch;

use crate::events;

const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Holds the consumer back, or lets it go.
#[derive(Clone)]
pub struct StreamControl {
    paused: watch::Sender<bool>,
}

impl StreamControl {
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }
}

/// Starts one consumer per shard.
pub fn start(
    svc: Arc<Services>,
    stream: Arc<EmbeddedStream>,
    batch_size: usize,
    paused: bool,
    shutdown: watch::Receiver<bool>,
) -> StreamControl {
    let (tx, rx) = watch::channel(paused);
    for shard in 0..stream.shards() {
        tokio::spawn(consume(
            svc.clone(),
            stream.clone(),
            shard,
            batch_size.clamp(1, 10_000),
            rx.clone(),
            shutdown.clone(),
        ));
    }
    StreamControl { paused: tx }
}

/// Where a batch's response says to continue.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Everything succeeded.
    Done,
    /// Records before this index succeeded; retry from it.
    RetryFrom(usize),
}

fn outcome(response: &KinesisEventResponse, records: &[StreamRecord]) -> Outcome {
    let mut earliest: Option<usize> = None;
    for failure in &response.batch_item_failures {
        let position = failure
            .item_identifier
            .as_deref()
            .and_then(|id| records.iter().position(|r| r.sequence_number() == id));
        // An identifier that names no record of the batch fails it whole.
        let Some(position) = position else {
            return Outcome::RetryFrom(0);
        };
        earliest = Some(earliest.map_or(position, |e: usize| e.min(position)));
    }
    earliest.map_or(Outcome::Done, Outcome::RetryFrom)
}

async fn consume(
    svc: Arc<Services>,
    stream: Arc<EmbeddedStream>,
    shard: u32,
    batch_size: usize,
    mut paused: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = BACKOFF_START;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if *paused.borrow_and_update() {
            tokio::select! {
                _ = paused.changed() => continue,
                _ = shutdown.changed() => return,
            }
        }
        let records = match stream.read(shard, batch_size) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(shard, error = %e, "stream read failed");
                Vec::new()
            }
        };
        if records.is_empty() {
            tokio::select! {
                () = stream.wait(shard) => {}
                _ = paused.changed() => {}
                _ = shutdown.changed() => return,
            }
            continue;
        }
        let succeeded = match chitter_persist::handle(&svc, events::kinesis_event(&records)).await {
            Ok(response) => match outcome(&response, &records) {
                Outcome::Done => records.len(),
                Outcome::RetryFrom(i) => {
                    tracing::warn!(shard, failed = %records[i].sequence_number(), "batch item failure; retrying");
                    i
                }
            },
            Err(e) => {
                tracing::warn!(shard, error = %e, "persist failed; retrying the batch");
                0
            }
        };
        if let Some(last) = succeeded.checked_sub(1).and_then(|i| records.get(i))
            && let Err(e) = stream.checkpoint(shard, last.seq).await
        {
            tracing::error!(shard, error = %e, "checkpoint failed");
        }
        if succeeded == records.len() {
            backoff = BACKOFF_START;
        } else {
            // A retry delay, as Lambda's; shutdown still interrupts it.
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn records(n: u64) -> Vec<StreamRecord> {
        (1..=n)
            .map(|seq| StreamRecord {
                shard: 0,
                seq,
                partition_key: "c".into(),
                arrival: Utc::now(),
                data: vec![],
            })
            .collect()
    }

    #[test]
    fn the_earliest_reported_failure_wins() {
        let rs = records(5);
        let mut r = KinesisEventResponse::default();
        assert_eq!(outcome(&r, &rs), Outcome::Done);
        r.add_failure(rs[3].sequence_number());
        r.add_failure(rs[1].sequence_number());
        assert_eq!(outcome(&r, &rs), Outcome::RetryFrom(1));
    }

    #[test]
    fn an_unknown_identifier_fails_the_whole_batch() {
        let rs = records(3);
        let mut r = KinesisEventResponse::default();
        r.add_failure("no-such-record");
        assert_eq!(outcome(&r, &rs), Outcome::RetryFrom(0));
    }
}
