//! The persist function: consumes Kinesis batches, stores each message once
//! (and each edit or delete) under its conversation's next sequence
//! number, and delivers it.

use std::collections::HashMap;

use aws_lambda_events::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::streams::KinesisEventResponse;
use chitter_core::Services;
use chitter_core::app::persisting;
use chitter_core::domain::{ConversationId, StreamEvent};
use chitter_core::ports::Metric;
use tracing::Instrument;

pub use lambda_runtime::Error;

pub mod config;

/// Conversations of one batch processed at once; each one stays in order.
const PARALLEL_CONVERSATIONS: usize = 8;

/// Processes a batch. Records of one conversation are handled in stream
/// order; different conversations run concurrently. A record that fails
/// is reported as a batch item failure: Lambda then retries from the
/// earliest one, and the idempotent store makes the repeats harmless.
pub async fn handle(svc: &Services, event: KinesisEvent) -> Result<KinesisEventResponse, Error> {
    // Every log line of the batch carries where it starts.
    let first = event.records.first();
    let span = tracing::info_span!(
        "batch",
        records = event.records.len(),
        // `shardId-…:<sequence number>`
        first_event_id = first.map_or("", |r| r.event_id.as_deref().unwrap_or_default()),
    );
    handle_batch(svc, event).instrument(span).await
}

async fn handle_batch(svc: &Services, event: KinesisEvent) -> Result<KinesisEventResponse, Error> {
    // One run per conversation, in stream order, with each record's
    // position in the batch.
    let mut runs: Vec<(Vec<usize>, Vec<StreamEvent>)> = Vec::new();
    let mut run_of: HashMap<ConversationId, usize> = HashMap::new();
    for (position, record) in event.records.iter().enumerate() {
        let Some(event) = decode(record) else {
            continue;
        };
        let k = *run_of.entry(event.conversation_id()).or_insert_with(|| {
            runs.push(Default::default());
            runs.len() - 1
        });
        runs[k].0.push(position);
        runs[k].1.push(event);
    }
    let events: Vec<&[StreamEvent]> = runs.iter().map(|(_, e)| e.as_slice()).collect();
    let results = persisting::persist_runs(svc, &events, PARALLEL_CONVERSATIONS).await;
    let first_failed = results
        .into_iter()
        .zip(&runs)
        .filter_map(|(result, (positions, _))| {
            let (i, e) = result.err()?;
            e.log();
            positions.get(i).copied()
        })
        .min();
    let mut response = KinesisEventResponse::default();
    if let Some(first) = first_failed.and_then(|i| event.records.get(i)) {
        response.add_failure(first.kinesis.sequence_number.clone());
        svc.metrics.count(Metric::BatchItemFailures, 1);
    }
    Ok(response)
}

/// A record that cannot be decoded can never succeed; retrying it would
/// block its shard, so it is logged and skipped. Public for the fuzzer.
pub fn decode(record: &KinesisEventRecord) -> Option<StreamEvent> {
    match decode_data(&record.kinesis.data.0) {
        Ok(event) => Some(event),
        Err(e) => {
            tracing::error!(
                sequence_number = %record.kinesis.sequence_number,
                error = %e,
                "skipping undecodable stream record"
            );
            None
        }
    }
}

/// One record's data, as the message function wrote it.
pub fn decode_data(data: &[u8]) -> Result<StreamEvent, serde_json::Error> {
    serde_json::from_slice(data)
}
