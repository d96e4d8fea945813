//! The consumer of the embedded stream: one task per shard, woken when a
//! record is appended.

use std::sync::Arc;

use chitter_core::Services;
use chitter_embedded::{EmbeddedStream, StreamRecord};
use tokio::sync::watch;

use crate::faults::Faults;

use super::{
    BACKOFF_START, BatchRecord, StreamControl, after_batch, back_off, invoke, wait_unpaused,
};

fn batch_record(r: StreamRecord) -> BatchRecord {
    BatchRecord {
        shard_id: format!("shardId-{:012}", r.shard),
        sequence_number: r.sequence_number(),
        partition_key: r.partition_key,
        arrival: r.arrival,
        data: r.data,
    }
}

pub fn start(
    svc: Arc<Services>,
    stream: Arc<EmbeddedStream>,
    batch_size: usize,
    faults: Faults,
    control: &StreamControl,
    shutdown: watch::Receiver<bool>,
) {
    for shard in 0..stream.shards() {
        tokio::spawn(consume(
            svc.clone(),
            stream.clone(),
            shard,
            batch_size.clamp(1, 10_000),
            faults,
            control.subscribe(),
            shutdown.clone(),
        ));
    }
}

async fn consume(
    svc: Arc<Services>,
    stream: Arc<EmbeddedStream>,
    shard: u32,
    batch_size: usize,
    faults: Faults,
    mut paused: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Retries of a failed batch, and of failed reads, back off apart.
    let mut backoff = BACKOFF_START;
    let mut read_backoff = BACKOFF_START;
    loop {
        if !wait_unpaused(&mut paused, &mut shutdown).await {
            return;
        }
        let records = match stream.read(shard, batch_size) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(shard, error = %e, "stream read failed");
                if !back_off(&mut read_backoff, &mut shutdown).await {
                    return;
                }
                continue;
            }
        };
        read_backoff = BACKOFF_START;
        if records.is_empty() {
            tokio::select! {
                () = stream.wait(shard) => {}
                _ = paused.changed() => {}
                _ = shutdown.changed() => return,
            }
            continue;
        }
        let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
        let batch: Vec<BatchRecord> = records.into_iter().map(batch_record).collect();
        let succeeded = invoke(&svc, &batch, &faults).await;
        if let Some(last) = succeeded.checked_sub(1).and_then(|i| seqs.get(i))
            && let Err(e) = stream.checkpoint(shard, *last).await
        {
            tracing::error!(shard, error = %e, "checkpoint failed");
        }
        if !after_batch(&mut backoff, succeeded, batch.len(), &mut shutdown).await {
            return;
        }
    }
}
