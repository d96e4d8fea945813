//! Every store port over one redb file, one file per port. A redb write
//! transaction is serialisable and atomic, which gives the guarantees that
//! the DynamoDB adapter gets from conditional writes and transactions. This
//! file holds the tables and the helpers the ports share.
//!
//! Writes are group-committed: each transaction commits without syncing,
//! then waits for the flusher thread, whose one durable commit makes every
//! write that committed before it durable. A write returns only once it is
//! on disk, as before, but concurrent writers share one fsync instead of
//! taking turns. A reader may see a write in the moment between its commit
//! and the flush; a crash then loses it, and its writer, which has not
//! returned, reports nothing done (persist retries from the stream).
//!
//! Persist goes one step further (`MessageLog::deferred`): it commits a
//! whole stream batch without waiting, its messages in one transaction
//! (`persist_all`), then waits once (`sync`) before it acks or delivers
//! any of it.

mod connections;
mod conversations;
mod emoji;
mod friends;
mod limits;
mod matching;
mod messages;
mod rooms;
mod themes;
mod tokens;
mod uploads;
mod users;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use redb::{
    Database, Durability, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition, WriteTransaction,
};

use crate::error::{DbError, DbResult, from_json};
use chitter_core::domain::Conversation;
use chitter_core::ports::{StoreError, TokenGrant};

type Json = &'static [u8];

const USERS: TableDefinition<&str, Json> = TableDefinition::new("users");
const HANDLES: TableDefinition<&str, &str> = TableDefinition::new("handles");
/// external identity (see `ExternalIdentity`) -> user id.
const IDENTITIES: TableDefinition<&str, &str> = TableDefinition::new("identities");
const TOKENS: TableDefinition<(&str, &str), Json> = TableDefinition::new("tokens");
const CONNECTIONS: TableDefinition<&str, Json> = TableDefinition::new("connections");
/// (user, connection): a user's connections, in one ordered range.
const USER_CONNECTIONS: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("user_connections");
const CONVERSATIONS: TableDefinition<&str, Json> = TableDefinition::new("conversations");
/// (conversation, user) -> Member.
const MEMBERS: TableDefinition<(&str, &str), Json> = TableDefinition::new("members");
/// (user, conversation): a user's conversations.
const USER_CONVERSATIONS: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("user_conversations");
/// (lower user id, higher user id) -> the pair's direct conversation.
const DIRECT_PAIRS: TableDefinition<(&str, &str), &str> = TableDefinition::new("direct_pairs");
/// (user, other) -> FriendLink as the user sees it.
const FRIENDS: TableDefinition<(&str, &str), Json> = TableDefinition::new("friends");
/// (conversation, seq) -> StoredMessage.
const MESSAGES: TableDefinition<(&str, u64), Json> = TableDefinition::new("messages");
/// (conversation, sender, client message id) -> seq: the idempotency key.
const DEDUPE: TableDefinition<(&str, &str, &str), u64> = TableDefinition::new("dedupe");
/// (conversation, seq, user) -> the user's vote on that message.
const VOTES: TableDefinition<(&str, u64, &str), Json> = TableDefinition::new("votes");
/// user -> MatchState.
const MATCH_STATES: TableDefinition<&str, Json> = TableDefinition::new("match_states");
/// (waiting since, in milliseconds, user): the matching queue, oldest first.
const MATCH_QUEUE: TableDefinition<(i64, &str), ()> = TableDefinition::new("match_queue");
/// (user, other): whom each user blocks.
const BLOCKS: TableDefinition<(&str, &str), ()> = TableDefinition::new("blocks");
/// (other, user): who blocks each user.
const BLOCKED_BY: TableDefinition<(&str, &str), ()> = TableDefinition::new("blocked_by");
/// room id: the directory of public rooms (ids grow with time).
const ROOMS: TableDefinition<&str, ()> = TableDefinition::new("rooms");
/// (room, connection) -> RoomConnection: who gets the room's deliveries.
const ROOM_CONNECTIONS: TableDefinition<(&str, &str), Json> =
    TableDefinition::new("room_connections");
/// (connection, room): the rooms each connection is subscribed to.
const CONNECTION_ROOMS: TableDefinition<(&str, &str), ()> =
    TableDefinition::new("connection_rooms");
/// room -> the online count last announced, and when.
const ROOM_ONLINE: TableDefinition<&str, Json> = TableDefinition::new("room_online");
/// (owner, upload) -> Upload.
const UPLOADS: TableDefinition<(&str, &str), Json> = TableDefinition::new("uploads");
/// emoji id -> Emoji.
const EMOJI: TableDefinition<&str, Json> = TableDefinition::new("emoji");
/// (owner, shortcode) -> emoji id: unique names per owner.
const EMOJI_CODES: TableDefinition<(&str, &str), &str> = TableDefinition::new("emoji_codes");
/// owner -> how many emoji.
const EMOJI_COUNT: TableDefinition<&str, u64> = TableDefinition::new("emoji_count");
/// theme id -> Theme.
const THEMES: TableDefinition<&str, Json> = TableDefinition::new("themes");
/// (owner, theme id): an owner's themes.
const USER_THEMES: TableDefinition<(&str, &str), ()> = TableDefinition::new("user_themes");
/// market sort key (see `chitter_core::ports::market_keys`) -> theme id.
const MARKET: TableDefinition<&str, &str> = TableDefinition::new("market");
/// (theme, user): who copied a published theme, once each.
const THEME_COPIERS: TableDefinition<(&str, &str), ()> = TableDefinition::new("theme_copiers");
/// conversation -> AppliedTheme.
const CONV_THEMES: TableDefinition<&str, Json> = TableDefinition::new("conversation_themes");
/// (user, "default" or conversation) -> theme id.
const THEME_CHOICES: TableDefinition<(&str, &str), &str> = TableDefinition::new("theme_choices");
/// owner -> bytes of ready uploads.
const UPLOAD_USAGE: TableDefinition<&str, u64> = TableDefinition::new("upload_usage");

#[derive(Clone)]
pub struct EmbeddedStore {
    /// Declared first, so that dropping the last clone stops the flusher
    /// (which holds the database too) before the file is let go.
    flusher: Arc<Flusher>,
    db: Arc<Database>,
    /// Rate-limit counters: key -> (window start, window end, uses).
    limits: Arc<std::sync::Mutex<Counters>>,
    faults: Option<WriteFaults>,
    /// Writes return once committed, without waiting to be durable
    /// (`MessageLog::deferred`); the caller's `sync` waits instead.
    deferred: bool,
}

/// The thread that makes committed writes durable, a group at a time.
struct Flusher {
    waiting: Option<std::sync::mpsc::Sender<tokio::sync::oneshot::Sender<Result<(), String>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    fn start(db: Arc<Database>) -> Result<Self, DbError> {
        let (waiting, queue) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || flush_groups(&db, &queue))
            .map_err(DbError::backend)?;
        Ok(Self {
            waiting: Some(waiting),
            thread: Some(thread),
        })
    }

    /// Waits until everything committed so far is durable.
    async fn durable(&self) -> Result<(), DbError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.waiting
            .as_ref()
            .and_then(|w| w.send(done).ok())
            .ok_or_else(|| DbError::backend("the store's flusher has stopped"))?;
        answer
            .await
            .map_err(|_| DbError::backend("the store's flusher has stopped"))?
            .map_err(DbError::backend)
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.waiting.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Takes everyone waiting (at least one), makes one durable commit, which
/// also makes every earlier non-durable commit durable, and answers them.
fn flush_groups(
    db: &Database,
    queue: &std::sync::mpsc::Receiver<tokio::sync::oneshot::Sender<Result<(), String>>>,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter());
        let flushed = db
            .begin_write()
            .map_err(|e| e.to_string())
            .and_then(|tx| tx.commit().map_err(|e| e.to_string()));
        for waiter in group {
            let _ = waiter.send(flushed.clone());
        }
    }
}

/// Where an injected write failure strikes: before the commit, or after it
/// (the write happened, but the caller hears an error, as after a timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFault {
    BeforeCommit,
    AfterCommit,
}

/// Decides, per write, whether and where it fails (fault-injection tests).
pub type WriteFaults = Arc<dyn Fn() -> Option<WriteFault> + Send + Sync>;

type Counters = std::collections::HashMap<String, (DateTime<Utc>, DateTime<Utc>, u64)>;

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        {
            // Creating every table up front lets read transactions assume them.
            tx.open_table(USERS)?;
            tx.open_table(HANDLES)?;
            tx.open_table(TOKENS)?;
            tx.open_table(IDENTITIES)?;
            tx.open_table(CONNECTIONS)?;
            tx.open_table(USER_CONNECTIONS)?;
            tx.open_table(CONVERSATIONS)?;
            tx.open_table(MEMBERS)?;
            tx.open_table(USER_CONVERSATIONS)?;
            tx.open_table(DIRECT_PAIRS)?;
            tx.open_table(FRIENDS)?;
            tx.open_table(MESSAGES)?;
            tx.open_table(DEDUPE)?;
            tx.open_table(VOTES)?;
            tx.open_table(MATCH_STATES)?;
            tx.open_table(MATCH_QUEUE)?;
            tx.open_table(BLOCKS)?;
            tx.open_table(BLOCKED_BY)?;
            tx.open_table(ROOMS)?;
            tx.open_table(ROOM_CONNECTIONS)?;
            tx.open_table(CONNECTION_ROOMS)?;
            tx.open_table(ROOM_ONLINE)?;
            tx.open_table(UPLOADS)?;
            tx.open_table(UPLOAD_USAGE)?;
            tx.open_table(EMOJI)?;
            tx.open_table(EMOJI_CODES)?;
            tx.open_table(EMOJI_COUNT)?;
            tx.open_table(THEMES)?;
            tx.open_table(USER_THEMES)?;
            tx.open_table(MARKET)?;
            tx.open_table(THEME_COPIERS)?;
            tx.open_table(CONV_THEMES)?;
            tx.open_table(THEME_CHOICES)?;
        }
        tx.commit()?;
        let db = Arc::new(db);
        Ok(Self {
            flusher: Arc::new(Flusher::start(db.clone())?),
            db,
            limits: Arc::default(),
            faults: None,
            deferred: false,
        })
    }

    /// The same database, with writes failing as `faults` decides.
    pub fn with_write_faults(&self, faults: WriteFaults) -> Self {
        Self {
            faults: Some(faults),
            ..self.clone()
        }
    }

    /// The same database, with writes that do not wait to be durable.
    pub(crate) fn deferring(&self) -> Self {
        Self {
            deferred: true,
            ..self.clone()
        }
    }

    /// Waits until every commit so far is durable. Injected faults strike
    /// here as in `write`: before the flush (the deferred commits are in
    /// the file but not yet durable) or after it.
    pub(crate) async fn durable(&self) -> Result<(), StoreError> {
        let fault = self.faults.as_ref().and_then(|decide| decide());
        if fault == Some(WriteFault::BeforeCommit) {
            return Err(StoreError::backend("injected fault before sync"));
        }
        self.flusher.durable().await?;
        if fault == Some(WriteFault::AfterCommit) {
            return Err(StoreError::backend("injected fault after sync"));
        }
        Ok(())
    }

    /// Runs `f` in a write transaction on a blocking thread and commits it
    /// if `f` succeeds (an error aborts it: no partial writes), then waits
    /// until the commit is durable (unless `deferring`).
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&WriteTransaction) -> DbResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        let fault = self.faults.as_ref().and_then(|decide| decide());
        let out = tokio::task::spawn_blocking(move || {
            let mut tx = db.begin_write()?;
            // Durable once the flusher's next commit is (below).
            tx.set_durability(Durability::None)
                .map_err(DbError::backend)?;
            let out = f(&tx)?;
            if fault == Some(WriteFault::BeforeCommit) {
                tx.abort()?;
                return Err(DbError::backend("injected fault before commit"));
            }
            tx.commit()?;
            Ok::<T, DbError>(out)
        })
        .await
        .map_err(StoreError::backend)??;
        if !self.deferred {
            self.flusher.durable().await?;
        }
        if fault == Some(WriteFault::AfterCommit) {
            return Err(StoreError::backend("injected fault after commit"));
        }
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&ReadTransaction) -> DbResult<T>) -> Result<T, StoreError> {
        let tx = self.db.begin_read().map_err(DbError::from)?;
        Ok(f(&tx)?)
    }

    /// Forgets every connection. chitter-local calls this on start: its
    /// gateway lives in the same process, so no earlier connection survived.
    pub async fn purge_connections(&self) -> Result<usize, StoreError> {
        self.write(|tx| {
            let mut conns = tx.open_table(CONNECTIONS)?;
            let n = conns.len()?;
            conns.retain(|_, _| false)?;
            tx.open_table(USER_CONNECTIONS)?.retain(|_, _| false)?;
            tx.open_table(ROOM_CONNECTIONS)?.retain(|_, _| false)?;
            tx.open_table(CONNECTION_ROOMS)?.retain(|_, _| false)?;
            tx.open_table(ROOM_ONLINE)?.retain(|_, _| false)?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
        .await
    }

    /// Deletes refresh tokens and tickets that have expired, the work that
    /// DynamoDB's TTL does in production.
    pub async fn purge_expired_tokens(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS)?;
            let before = tokens.len()?;
            tokens
                .retain(|_, v| from_json::<TokenGrant>(v).map_or(true, |g| g.expires_at > now))?;
            Ok(usize::try_from(before - tokens.len()?).unwrap_or(0))
        })
        .await
    }
}

fn get_json<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<&'static str, Json>,
    key: &str,
) -> DbResult<Option<T>> {
    table.get(key)?.map(|v| from_json(v.value())).transpose()
}

fn get_json2<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), Json>,
    a: &str,
    b: &str,
) -> DbResult<Option<T>> {
    table.get((a, b))?.map(|v| from_json(v.value())).transpose()
}

/// The second halves of the (prefix, x) keys that start with `prefix`.
fn suffixes<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    prefix: &str,
) -> DbResult<Vec<String>> {
    let mut out = Vec::new();
    for entry in table.range((prefix, "")..)? {
        let (k, _) = entry?;
        let (p, s) = k.value();
        if p != prefix {
            break;
        }
        out.push(s.to_owned());
    }
    Ok(out)
}

fn read_conversation(
    table: &ReadOnlyTable<&'static str, Json>,
    id: &str,
) -> DbResult<Option<Conversation>> {
    get_json(table, id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_all_land_and_the_file_closes_with_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = EmbeddedStore::open(&path).unwrap();
        let writes: Vec<_> = (0..100)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.purge_connections().await })
            })
            .collect();
        for w in writes {
            assert_eq!(w.await.unwrap().unwrap(), 0);
        }
        // A write that fails before committing leaves nothing behind and
        // does not stop the next one.
        let faulty = store.with_write_faults(Arc::new(|| Some(WriteFault::BeforeCommit)));
        assert!(faulty.purge_connections().await.is_err());
        assert_eq!(store.purge_connections().await.unwrap(), 0);
        // A sync fails as the faults say, and the next one still works.
        assert!(faulty.durable().await.is_err());
        let late = store.with_write_faults(Arc::new(|| Some(WriteFault::AfterCommit)));
        assert!(late.durable().await.is_err());
        store.durable().await.unwrap();
        drop(late);
        // Dropping every clone stops the flusher and lets the file go, so
        // it reopens at once.
        drop(faulty);
        drop(store);
        let again = EmbeddedStore::open(&path).unwrap();
        assert_eq!(again.purge_connections().await.unwrap(), 0);
    }
}
