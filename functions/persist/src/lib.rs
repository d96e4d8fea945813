//! The persist function: consumes Kinesis batches, stores each message once
//! (and each edit or delete) under its conversation's next sequence
//! number, and delivers it.

use aws_lambda_events::kinesis::{KinesisEvent, KinesisEventRecord};
use aws_lambda_events::streams::KinesisEventResponse;
use chitter_core::Services;
use chitter_core::app::messaging;
use chitter_core::domain::{ConversationId, StreamEvent};
use chitter_core::ports::Metric;
use futures::StreamExt;
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
    let mut groups: Vec<(ConversationId, Vec<(usize, StreamEvent)>)> = Vec::new();
    for (position, record) in event.records.iter().enumerate() {
        let Some(event) = decode(record) else {
            continue;
        };
        let conversation = event.conversation_id();
        match groups.iter_mut().find(|(c, _)| *c == conversation) {
            Some((_, items)) => items.push((position, event)),
            None => groups.push((conversation, vec![(position, event)])),
        }
    }
    let failures: Vec<usize> = futures::stream::iter(groups)
        .map(|(_, items)| async move {
            let (positions, events): (Vec<usize>, Vec<StreamEvent>) = items.into_iter().unzip();
            match messaging::persist_in_order(svc, &events).await {
                Ok(()) => None,
                Err((i, e)) => {
                    e.log();
                    positions.get(i).copied()
                }
            }
        })
        .buffer_unordered(PARALLEL_CONVERSATIONS)
        .filter_map(|failed| async move { failed })
        .collect()
        .await;
    let mut response = KinesisEventResponse::default();
    if let Some(first) = failures
        .into_iter()
        .min()
        .and_then(|i| event.records.get(i))
    {
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
