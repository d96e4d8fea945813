//! The consumer of a real Kinesis stream (or a stand-in): per shard, read
//! with GetRecords from the last checkpoint, in order. Checkpoints are kept
//! in a file in the data dir, written atomically after each batch. An idle
//! shard is polled, as Lambda does, and read at once when this process
//! appends (`WakingStream`): local appends need no fast polling, which
//! would keep a stand-in busy answering empty reads.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::types::ShardIteratorType;
use chitter_core::Services;
use chitter_core::ports::{MessageStream, StreamError};
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

use crate::faults::Faults;

/// The least time between two reads of a shard woken by an append: Kinesis
/// takes five GetRecords a second per shard.
const MIN_READ_GAP: Duration = Duration::from_millis(200);

use super::{
    BACKOFF_START, BatchRecord, StreamControl, after_batch, back_off, invoke, wait_unpaused,
};

pub struct KinesisSource {
    client: Client,
    stream: String,
    checkpoints_path: PathBuf,
    checkpoints: Mutex<BTreeMap<String, String>>,
    shards: Vec<String>,
    faults: Faults,
    /// Signalled after each append through `WakingStream`.
    appended: Arc<Notify>,
}

/// A stream that wakes the consumers of `KinesisSource::waking` after each
/// append it makes.
pub struct WakingStream {
    inner: Arc<dyn MessageStream>,
    appended: Arc<Notify>,
}

#[async_trait]
impl MessageStream for WakingStream {
    async fn append(&self, partition_key: &str, data: Vec<u8>) -> Result<String, StreamError> {
        let appended = self.inner.append(partition_key, data).await;
        if appended.is_ok() {
            // Every shard's consumer: which shard took it is Kinesis's call.
            self.appended.notify_waiters();
        }
        appended
    }
}

impl KinesisSource {
    /// Lists the stream's shards and loads the checkpoints.
    pub async fn open(
        client: Client,
        stream: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let name = stream.rsplit('/').next().unwrap_or(stream).to_owned();
        let shards = client
            .list_shards()
            .stream_name(&name)
            .send()
            .await?
            .shards
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.shard_id)
            .collect();
        let checkpoints_path = data_dir.join(format!("kinesis-checkpoints-{name}.json"));
        let checkpoints = match std::fs::read(&checkpoints_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)?,
            Err(_) => BTreeMap::new(),
        };
        Ok(Self {
            client,
            stream: name,
            checkpoints_path,
            checkpoints: Mutex::new(checkpoints),
            shards,
            faults: Faults::default(),
            appended: Arc::default(),
        })
    }

    /// `stream`, waking this source's idle consumers after each append.
    pub fn waking(&self, stream: Arc<dyn MessageStream>) -> Arc<dyn MessageStream> {
        Arc::new(WakingStream {
            inner: stream,
            appended: self.appended.clone(),
        })
    }

    /// Faults to inject into each batch's invocation.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    pub fn shards(&self) -> usize {
        self.shards.len()
    }

    fn checkpoint_of(&self, shard: &str) -> Option<String> {
        self.checkpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(shard)
            .cloned()
    }

    fn save_checkpoint(&self, shard: &str, sequence_number: &str) -> std::io::Result<()> {
        let json = {
            let mut all = self.checkpoints.lock().unwrap_or_else(|p| p.into_inner());
            all.insert(shard.to_owned(), sequence_number.to_owned());
            serde_json::to_vec_pretty(&*all)?
        };
        let tmp = self.checkpoints_path.with_extension("tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &self.checkpoints_path)
    }

    async fn iterator(&self, shard: &str) -> Result<Option<String>, aws_sdk_kinesis::Error> {
        let req = self
            .client
            .get_shard_iterator()
            .stream_name(&self.stream)
            .shard_id(shard);
        let req = match self.checkpoint_of(shard) {
            Some(seq) => req
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .starting_sequence_number(seq),
            None => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        Ok(req.send().await?.shard_iterator)
    }

    async fn read(
        &self,
        shard: &str,
        iterator: String,
        limit: usize,
    ) -> Result<(Vec<BatchRecord>, Option<String>), aws_sdk_kinesis::Error> {
        let out = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(i32::try_from(limit).unwrap_or(10_000))
            .send()
            .await?;
        let records = out
            .records
            .into_iter()
            .map(|r| BatchRecord {
                shard_id: shard.to_owned(),
                sequence_number: r.sequence_number.clone(),
                partition_key: r.partition_key.clone().unwrap_or_default(),
                arrival: r
                    .approximate_arrival_timestamp
                    .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
                    .unwrap_or_else(Utc::now),
                data: r.data.into_inner(),
            })
            .collect();
        Ok((records, out.next_shard_iterator))
    }

    /// Records after each shard's checkpoint: what is still to be done.
    pub async fn pending(&self) -> anyhow::Result<Vec<u64>> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let mut n = 0u64;
            let mut it = self.iterator(shard).await?;
            while let Some(i) = it {
                let (records, next) = self.read(shard, i, 10_000).await?;
                if records.is_empty() {
                    break;
                }
                n += records.len() as u64;
                it = next;
            }
            out.push(n);
        }
        Ok(out)
    }

    pub fn start(
        self: &Arc<Self>,
        svc: Arc<Services>,
        batch_size: usize,
        poll: Duration,
        control: &StreamControl,
        shutdown: watch::Receiver<bool>,
    ) {
        for shard in self.shards.clone() {
            tokio::spawn(self.clone().consume(
                svc.clone(),
                shard,
                batch_size.clamp(1, 10_000),
                poll,
                control.subscribe(),
                shutdown.clone(),
            ));
        }
    }

    async fn consume(
        self: Arc<Self>,
        svc: Arc<Services>,
        shard: String,
        batch_size: usize,
        poll: Duration,
        mut paused: watch::Receiver<bool>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        // Retries of a failed batch, and of failed reads, back off apart.
        let mut backoff = BACKOFF_START;
        let mut read_backoff = BACKOFF_START;
        let mut iterator: Option<String> = None;
        loop {
            if !wait_unpaused(&mut paused, &mut shutdown).await {
                return;
            }
            let current = match iterator.take() {
                Some(i) => i,
                None => match self.iterator(&shard).await {
                    Ok(Some(i)) => i,
                    Ok(None) => {
                        tracing::info!(shard, "shard is closed");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(shard, error = %e, "GetShardIterator failed");
                        if !back_off(&mut read_backoff, &mut shutdown).await {
                            return;
                        }
                        continue;
                    }
                },
            };
            // Listening from before the read, so an append during it counts.
            let appended = self.appended.notified();
            tokio::pin!(appended);
            appended.as_mut().enable();
            let read_at = tokio::time::Instant::now();
            let (records, next) = match self.read(&shard, current, batch_size).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(shard, error = %e, "GetRecords failed");
                    if !back_off(&mut read_backoff, &mut shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            read_backoff = BACKOFF_START;
            if records.is_empty() {
                iterator = next;
                if iterator.is_none() {
                    return;
                }
                // Polling, as the event source mapping does.
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = appended => tokio::time::sleep_until(read_at + MIN_READ_GAP).await,
                    _ = paused.changed() => {}
                    _ = shutdown.changed() => return,
                }
                continue;
            }
            let succeeded = invoke(&svc, &records, &self.faults).await;
            if let Some(last) = succeeded.checked_sub(1).and_then(|i| records.get(i))
                && let Err(e) = self.save_checkpoint(&shard, &last.sequence_number)
            {
                tracing::error!(shard, error = %e, "checkpoint failed");
            }
            if succeeded == records.len() {
                iterator = next;
            }
            // After a failure `iterator` is None: read again from the checkpoint.
            if !after_batch(&mut backoff, succeeded, records.len(), &mut shutdown).await {
                return;
            }
        }
    }
}
