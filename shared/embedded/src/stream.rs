//! A durable, sharded, ordered stream in a redb file: the local stand-in for
//! Kinesis. A record is on disk before `append` returns, so an `accepted`
//! ack survives a crash. Records are read per shard after a checkpoint and
//! trimmed once checkpointed, like a stream consumer with a lease table.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::error::DbError;
use chitter_core::ports::{MessageStream, StreamError};

/// (shard, sequence) -> (partition key, arrival in ms since the epoch, data).
const RECORDS: TableDefinition<(u32, u64), (&str, i64, &[u8])> = TableDefinition::new("records");
/// shard -> the next sequence number to assign.
const NEXT: TableDefinition<u32, u64> = TableDefinition::new("next");
/// shard -> the last sequence number the consumer finished.
const CHECKPOINTS: TableDefinition<u32, u64> = TableDefinition::new("checkpoints");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// One record as the consumer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    pub shard: u32,
    pub seq: u64,
    pub partition_key: String,
    pub arrival: DateTime<Utc>,
    pub data: Vec<u8>,
}

impl StreamRecord {
    pub fn sequence_number(&self) -> String {
        sequence_number(self.shard, self.seq)
    }
}

/// A Kinesis-style sequence number: a decimal string, increasing within a
/// shard and unique within the stream.
pub fn sequence_number(shard: u32, seq: u64) -> String {
    format!("{seq:020}{shard:05}")
}

pub struct EmbeddedStream {
    db: Arc<Database>,
    shards: u32,
    wakers: Arc<Vec<Notify>>,
}

impl std::fmt::Debug for EmbeddedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStream")
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}

impl EmbeddedStream {
    /// Opens (or creates) the stream file. The shard count is fixed when the
    /// file is created: changing it would reorder a conversation's records.
    pub fn open(path: &Path, shards: u32) -> Result<Self, DbError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        let shards = {
            tx.open_table(RECORDS)?;
            tx.open_table(NEXT)?;
            tx.open_table(CHECKPOINTS)?;
            let mut meta = tx.open_table(META)?;
            let existing = meta.get("shards")?.map(|v| v.value());
            match existing {
                Some(n) => u32::try_from(n).map_err(DbError::backend)?,
                None => {
                    let n = shards.max(1);
                    meta.insert("shards", u64::from(n))?;
                    n
                }
            }
        };
        tx.commit()?;
        Ok(Self {
            db: Arc::new(db),
            shards,
            wakers: Arc::new((0..shards).map(|_| Notify::new()).collect()),
        })
    }

    pub fn shards(&self) -> u32 {
        self.shards
    }

    /// The shard of a partition key: a stable hash, so that one
    /// conversation always lands on one shard.
    pub fn shard_of(&self, partition_key: &str) -> u32 {
        let digest = Sha256::digest(partition_key.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        u32::try_from(u64::from_be_bytes(head) % u64::from(self.shards)).unwrap_or(0)
    }

    /// Waits until something is appended to the shard (or was appended
    /// since the last wait).
    pub async fn wait(&self, shard: u32) {
        if let Some(w) = self.wakers.get(shard as usize) {
            w.notified().await;
        }
    }

    /// Up to `max` records after the shard's checkpoint, in order.
    pub fn read(&self, shard: u32, max: usize) -> Result<Vec<StreamRecord>, DbError> {
        let tx = self.db.begin_read()?;
        let from = tx
            .open_table(CHECKPOINTS)?
            .get(shard)?
            .map_or(0, |v| v.value())
            + 1;
        let records = tx.open_table(RECORDS)?;
        let mut out = Vec::new();
        for entry in records.range((shard, from)..=(shard, u64::MAX))? {
            if out.len() >= max {
                break;
            }
            let (k, v) = entry?;
            let (pk, arrival_ms, data) = v.value();
            out.push(StreamRecord {
                shard,
                seq: k.value().1,
                partition_key: pk.to_owned(),
                arrival: Utc
                    .timestamp_millis_opt(arrival_ms)
                    .single()
                    .unwrap_or_default(),
                data: data.to_vec(),
            });
        }
        Ok(out)
    }

    /// Marks everything up to `seq` on the shard as done and trims it.
    pub async fn checkpoint(&self, shard: u32, seq: u64) -> Result<(), DbError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_write()?;
            {
                tx.open_table(CHECKPOINTS)?.insert(shard, seq)?;
                let mut records = tx.open_table(RECORDS)?;
                records.retain_in((shard, 0)..=(shard, seq), |_, _| false)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
        .map_err(DbError::backend)?
    }

    /// Records appended but not yet checkpointed, per shard.
    pub fn pending(&self) -> Result<Vec<u64>, DbError> {
        let tx = self.db.begin_read()?;
        let records = tx.open_table(RECORDS)?;
        let mut out = vec![0u64; self.shards as usize];
        if records.len()? == 0 {
            return Ok(out);
        }
        for entry in records.iter()? {
            let (k, _) = entry?;
            if let Some(n) = out.get_mut(k.value().0 as usize) {
                *n += 1;
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl MessageStream for EmbeddedStream {
    async fn append(&self, partition_key: &str, data: Vec<u8>) -> Result<String, StreamError> {
        let shard = self.shard_of(partition_key);
        let pk = partition_key.to_owned();
        let db = self.db.clone();
        let seq = tokio::task::spawn_blocking(move || -> Result<u64, DbError> {
            let tx = db.begin_write()?;
            let seq = {
                let mut next = tx.open_table(NEXT)?;
                let seq = next.get(shard)?.map_or(1, |v| v.value());
                next.insert(shard, seq + 1)?;
                tx.open_table(RECORDS)?.insert(
                    (shard, seq),
                    (pk.as_str(), Utc::now().timestamp_millis(), data.as_slice()),
                )?;
                seq
            };
            tx.commit()?;
            Ok(seq)
        })
        .await
        .map_err(|e| StreamError(e.into()))?
        .map_err(|e| StreamError(e.into()))?;
        if let Some(w) = self.wakers.get(shard as usize) {
            w.notify_one();
        }
        Ok(sequence_number(shard, seq))
    }
}
