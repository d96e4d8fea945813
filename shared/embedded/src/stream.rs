//! A durable, sharded, ordered stream in a redb file: the local stand-in for
//! Kinesis. A record is on disk before `append` returns, so an `accepted`
//! ack survives a crash. Appends are group-committed: one writer thread
//! commits every append that queued while its previous commit was being
//! made durable, so concurrent senders share one fsync instead of taking
//! turns. Records are read per shard after a checkpoint and trimmed once
//! checkpointed, like a stream consumer with a lease table.
//!
//! A checkpoint commits without an fsync of its own: the next append's
//! durable commit carries it, or, when no append comes, the writer's idle
//! sync does, so a crash after a quiet spell replays at most what was
//! checkpointed in its last `IDLE_SYNC`.

use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, oneshot};

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
    /// Taken on drop, which then waits for the writer to finish, so the
    /// file is closed once the stream is gone (a reopen may follow).
    appends: Option<std::sync::mpsc::Sender<Append>>,
    writer: Option<std::thread::JoinHandle<()>>,
    checkpoints: Arc<Checkpoints>,
}

/// Checkpoints committed, and how many of them a durable commit has
/// carried since; the writer syncs when the two differ.
#[derive(Default)]
struct Checkpoints {
    /// (committed, synced)
    counts: Mutex<(u64, u64)>,
    synced: Condvar,
}

impl Checkpoints {
    fn counts(&self) -> std::sync::MutexGuard<'_, (u64, u64)> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn committed(&self) {
        self.counts().0 += 1;
    }

    /// How many are committed now: a durable commit begun after this
    /// carries them.
    fn pending(&self) -> Option<u64> {
        let (committed, synced) = *self.counts();
        (committed > synced).then_some(committed)
    }

    fn synced_up_to(&self, n: u64) {
        let mut counts = self.counts();
        counts.1 = counts.1.max(n);
        self.synced.notify_all();
    }
}

impl Drop for EmbeddedStream {
    fn drop(&mut self) {
        self.appends.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// One append waiting for the writer thread.
struct Append {
    shard: u32,
    partition_key: String,
    data: Vec<u8>,
    done: oneshot::Sender<Result<u64, String>>,
}

/// The most appends one commit takes, so a flood still answers in steps.
const GROUP_MAX: usize = 1024;

/// How long the writer waits with no append before it makes the
/// checkpoints since its last commit durable.
const IDLE_SYNC: Duration = Duration::from_millis(500);

/// The writer thread: takes the appends that are waiting (at least one),
/// writes them in one transaction, commits it durably, then answers each.
/// Idle, it syncs any checkpoint no append has carried yet. Ends when the
/// stream is dropped.
fn commit_appends(
    db: &Database,
    queue: &std::sync::mpsc::Receiver<Append>,
    checkpoints: &Checkpoints,
) {
    loop {
        let first = match queue.recv_timeout(IDLE_SYNC) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                sync_checkpoints(db, checkpoints);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => {
                sync_checkpoints(db, checkpoints);
                return;
            }
        };
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        // This durable commit carries every checkpoint committed before it.
        let carried = checkpoints.pending();
        match write_group(db, &group) {
            Ok(seqs) => {
                if let Some(n) = carried {
                    checkpoints.synced_up_to(n);
                }
                for (append, seq) in group.into_iter().zip(seqs) {
                    let _ = append.done.send(Ok(seq));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for append in group {
                    let _ = append.done.send(Err(message.clone()));
                }
            }
        }
    }
}

/// One empty durable commit, if a checkpoint is waiting for one.
fn sync_checkpoints(db: &Database, checkpoints: &Checkpoints) {
    let Some(n) = checkpoints.pending() else {
        return;
    };
    let synced = || -> Result<(), DbError> { Ok(db.begin_write()?.commit()?) };
    match synced() {
        Ok(()) => checkpoints.synced_up_to(n),
        // The next append's commit, or the next idle turn, tries again.
        Err(e) => tracing::warn!(error = %e, "stream checkpoints could not be synced"),
    }
}

fn write_group(db: &Database, group: &[Append]) -> Result<Vec<u64>, DbError> {
    let tx = db.begin_write()?;
    let mut seqs = Vec::with_capacity(group.len());
    {
        let mut next = tx.open_table(NEXT)?;
        let mut records = tx.open_table(RECORDS)?;
        let now = Utc::now().timestamp_millis();
        for a in group {
            let seq = next.get(a.shard)?.map_or(1, |v| v.value());
            next.insert(a.shard, seq + 1)?;
            records.insert(
                (a.shard, seq),
                (a.partition_key.as_str(), now, a.data.as_slice()),
            )?;
            seqs.push(seq);
        }
    }
    tx.commit()?;
    Ok(seqs)
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
        let db = Arc::new(db);
        let wakers: Arc<Vec<Notify>> = Arc::new((0..shards).map(|_| Notify::new()).collect());
        let (appends, queue) = std::sync::mpsc::channel();
        let writer_db = db.clone();
        let checkpoints = Arc::new(Checkpoints::default());
        let writer_checkpoints = checkpoints.clone();
        let writer = std::thread::Builder::new()
            .name("stream-writer".into())
            .spawn(move || commit_appends(&writer_db, &queue, &writer_checkpoints))
            .map_err(DbError::backend)?;
        Ok(Self {
            db,
            shards,
            wakers,
            appends: Some(appends),
            writer: Some(writer),
            checkpoints,
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
        let checkpoints = self.checkpoints.clone();
        tokio::task::spawn_blocking(move || {
            let mut tx = db.begin_write()?;
            // Not synced: the next append's durable commit carries it, or
            // the writer's idle sync. A checkpoint lost in a crash only
            // replays records that persist already stored, and it dedupes
            // them; syncing here instead held every append behind one more
            // fsync per batch.
            tx.set_durability(Durability::None)
                .map_err(DbError::backend)?;
            {
                tx.open_table(CHECKPOINTS)?.insert(shard, seq)?;
                let mut records = tx.open_table(RECORDS)?;
                records.retain_in((shard, 0)..=(shard, seq), |_, _| false)?;
            }
            tx.commit()?;
            checkpoints.committed();
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
        let (done, answer) = oneshot::channel();
        let append = Append {
            shard,
            partition_key: partition_key.to_owned(),
            data,
            done,
        };
        let failed = |e: String| StreamError(e.into());
        self.appends
            .as_ref()
            .and_then(|a| a.send(append).ok())
            .ok_or_else(|| failed("the stream's writer has stopped".into()))?;
        let seq = answer
            .await
            .map_err(|_| failed("the stream's writer has stopped".into()))?
            .map_err(failed)?;
        // Woken here, in the appender's task, not by the writer thread: the
        // consumer starts only once the caller has its answer, and the
        // caller's `accepted` ack is then a durable store write ahead of
        // persist's `persisted`.
        if let Some(w) = self.wakers.get(shard as usize) {
            w.notify_one();
        }
        Ok(sequence_number(shard, seq))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_checkpoint_is_synced_when_no_append_follows() {
        let dir = tempfile::tempdir().unwrap();
        let stream = EmbeddedStream::open(&dir.path().join("stream.redb"), 1).unwrap();
        stream.append("c", vec![1]).await.unwrap();
        stream.append("c", vec![2]).await.unwrap();
        stream.checkpoint(0, 1).await.unwrap();
        // No append follows: the writer's idle turn makes it durable.
        let checkpoints = &stream.checkpoints;
        {
            let (counts, waited) = checkpoints
                .synced
                .wait_timeout_while(
                    checkpoints.counts(),
                    IDLE_SYNC * 20,
                    |(committed, synced)| synced < committed,
                )
                .unwrap();
            assert!(!waited.timed_out(), "not synced: {:?}", *counts);
            assert_eq!(*counts, (1, 1));
        }
        // An append's durable commit carries the next one (or the idle
        // turn did first): either way it is synced once the append returns.
        stream.checkpoint(0, 2).await.unwrap();
        stream.append("c", vec![3]).await.unwrap();
        assert_eq!(*checkpoints.counts(), (2, 2));
        let left: Vec<u64> = stream.read(0, 10).unwrap().iter().map(|r| r.seq).collect();
        assert_eq!(left, [3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_appends_get_their_own_numbers_in_order_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.redb");
        let stream = Arc::new(EmbeddedStream::open(&path, 1).unwrap());
        let appends = (0..200u32).map(|i| {
            let stream = stream.clone();
            tokio::spawn(async move {
                let n = stream.append("c", i.to_be_bytes().to_vec()).await.unwrap();
                (n, i)
            })
        });
        let mut answered = Vec::new();
        for a in appends {
            answered.push(a.await.unwrap());
        }
        // Every append got its own sequence number, and reading back
        // gives each record under the number its append was told.
        let records = stream.read(0, usize::MAX).unwrap();
        assert_eq!(records.len(), 200);
        let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
        for (n, i) in answered {
            let r = records.iter().find(|r| r.sequence_number() == n).unwrap();
            assert_eq!(r.data, i.to_be_bytes());
        }
        // Dropping the stream closes the file: it reopens at once, durable,
        // and numbering goes on.
        drop(records);
        let stream = Arc::try_unwrap(stream).unwrap();
        drop(stream);
        let stream = EmbeddedStream::open(&path, 1).unwrap();
        assert_eq!(stream.read(0, usize::MAX).unwrap().len(), 200);
        let next = stream.append("c", vec![1]).await.unwrap();
        assert_eq!(next, sequence_number(0, 201));
    }
}
