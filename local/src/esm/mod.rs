//! Lambda's Kinesis event source mapping, emulated: per shard, in order,
//! batches in the Kinesis event shape go to the persist function. A function
//! error retries the batch; reported item failures checkpoint before the
//! earliest failed record and retry from it. Two sources: the embedded
//! stream, and a real Kinesis stream polled through the SDK.

mod embedded;
mod event;
mod kinesis;

use std::time::Duration;

use aws_lambda_events::streams::KinesisEventResponse;
use chitter_core::Services;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::faults::{self, Faults, Kind};

pub use embedded::start as start_embedded;
pub use kinesis::KinesisSource;

const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// A record as the event source hands it to the function.
#[derive(Debug, Clone)]
pub struct BatchRecord {
    pub shard_id: String,
    pub sequence_number: String,
    pub partition_key: String,
    pub arrival: DateTime<Utc>,
    pub data: Vec<u8>,
}

/// Holds the consumers back, or lets them go.
#[derive(Clone)]
pub struct StreamControl {
    paused: watch::Sender<bool>,
}

impl StreamControl {
    pub fn new(paused: bool) -> Self {
        Self {
            paused: watch::channel(paused).0,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.paused.subscribe()
    }

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

/// Where a batch's response says to continue.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    /// Records before this index succeeded; retry from it.
    RetryFrom(usize),
}

fn outcome(response: &KinesisEventResponse, records: &[BatchRecord]) -> Outcome {
    let mut earliest: Option<usize> = None;
    for failure in &response.batch_item_failures {
        let position = failure
            .item_identifier
            .as_deref()
            .and_then(|id| records.iter().position(|r| r.sequence_number == id));
        // An identifier that names no record of the batch fails it whole.
        let Some(position) = position else {
            return Outcome::RetryFrom(0);
        };
        earliest = Some(earliest.map_or(position, |e: usize| e.min(position)));
    }
    earliest.map_or(Outcome::Done, Outcome::RetryFrom)
}

/// Invokes persist with one batch; returns how many leading records
/// succeeded (all of them, or those before the first failure).
async fn invoke(svc: &Services, records: &[BatchRecord], faults: &Faults) -> usize {
    if faults::strikes(Kind::PersistCrash, faults.persist_crash) {
        // The function dies part-way: some records were handled, and the
        // event source, seeing an error, retries the whole batch.
        let done = rand::random_range(0..=records.len());
        let _ = chitter_persist::handle(svc, event::kinesis_event(&records[..done])).await;
        tracing::warn!(handled = done, "injected fault: persist crashed mid-batch");
        return 0;
    }
    match chitter_persist::handle(svc, event::kinesis_event(records)).await {
        Ok(response) => match outcome(&response, records) {
            Outcome::Done => {
                if faults::strikes(Kind::Redeliver, faults.redeliver) {
                    // The checkpoint was lost: the same records again.
                    let _ = chitter_persist::handle(svc, event::kinesis_event(records)).await;
                }
                records.len()
            }
            Outcome::RetryFrom(i) => {
                if let Some(r) = records.get(i) {
                    tracing::warn!(shard = %r.shard_id, failed = %r.sequence_number, "batch item failure; retrying from it");
                }
                i
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "persist failed; retrying the batch");
            0
        }
    }
}

/// Exponential retry delay, as Lambda's, cut short by shutdown. Returns
/// false when shutting down.
async fn back_off(backoff: &mut Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    pause(next_delay(backoff), shutdown).await
}

/// The delay `backoff` holds, doubling it (to a cap) for the next time.
fn next_delay(backoff: &mut Duration) -> Duration {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(BACKOFF_MAX);
    wait
}

/// After a batch of `len` records whose first `succeeded` went through:
/// backs off before the retry of a batch that failed (returns false when
/// shutting down). The delay doubles only while retries make no headway:
/// a retry that got past the record that failed before shows that failure
/// was passing (a throttle, a timeout), and a run of them, each on a later
/// record, must not hold the shard to one batch per `BACKOFF_MAX`.
async fn after_batch(
    backoff: &mut Duration,
    succeeded: usize,
    len: usize,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    match retry_delay(backoff, succeeded, len) {
        Some(wait) => pause(wait, shutdown).await,
        None => true,
    }
}

/// `after_batch`'s delay, if any, and the next one in `backoff`.
fn retry_delay(backoff: &mut Duration, succeeded: usize, len: usize) -> Option<Duration> {
    if succeeded > 0 {
        *backoff = BACKOFF_START;
    }
    if succeeded >= len {
        return None;
    }
    Some(next_delay(backoff))
}

/// Sleeps, cut short by shutdown. Returns false when shutting down.
async fn pause(wait: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => true,
        _ = shutdown.changed() => false,
    }
}

/// Waits while paused; returns false when shutting down.
async fn wait_unpaused(
    paused: &mut watch::Receiver<bool>,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    while *paused.borrow_and_update() {
        tokio::select! {
            _ = paused.changed() => {}
            _ = shutdown.changed() => return false,
        }
    }
    !*shutdown.borrow()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(n: u64) -> Vec<BatchRecord> {
        (1..=n)
            .map(|seq| BatchRecord {
                shard_id: "shardId-000000000000".into(),
                sequence_number: format!("{seq:030}"),
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
        r.add_failure(rs[3].sequence_number.clone());
        r.add_failure(rs[1].sequence_number.clone());
        assert_eq!(outcome(&r, &rs), Outcome::RetryFrom(1));
    }

    #[test]
    fn retries_back_off_only_while_they_make_no_headway() {
        let mut backoff = BACKOFF_START;
        // A whole batch: on at once.
        assert_eq!(retry_delay(&mut backoff, 10, 10), None);
        // The same record failing again and again: the wait doubles, to a cap.
        let waits: Vec<_> = (0..10)
            .map(|_| retry_delay(&mut backoff, 0, 10).unwrap())
            .collect();
        assert_eq!(waits[0], BACKOFF_START);
        assert_eq!(waits[1], BACKOFF_START * 2);
        assert_eq!(waits[9], BACKOFF_MAX);
        // Failures each on a later record: the shortest wait every time.
        for _ in 0..10 {
            assert_eq!(retry_delay(&mut backoff, 3, 10), Some(BACKOFF_START));
        }
        // And a whole batch after failures starts over as well.
        retry_delay(&mut backoff, 0, 10);
        assert_eq!(retry_delay(&mut backoff, 10, 10), None);
        assert_eq!(retry_delay(&mut backoff, 0, 10), Some(BACKOFF_START));
    }

    #[test]
    fn an_unknown_identifier_fails_the_whole_batch() {
        let rs = records(3);
        let mut r = KinesisEventResponse::default();
        r.add_failure("no-such-record");
        assert_eq!(outcome(&r, &rs), Outcome::RetryFrom(0));
    }
}
