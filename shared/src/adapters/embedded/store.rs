//! Every store port over one redb file. A redb write transaction is
//! serialisable and atomic, which gives the guarantees that the DynamoDB
//! adapter gets from conditional writes and transactions.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{
    Database, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition, WriteTransaction,
};

use super::{from_json, to_json};
use crate::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, FriendLink, Handle, Member, Seq,
    StoredMessage, StreamMessage, Title, UserId, UserProfile, UserRecord,
};
use crate::ports::{
    AddMember, ConnectionStore, ConversationStore, FriendStore, MessageLog, Persisted,
    PresenceChange, StoreError, TokenGrant, TokenKind, TokenStore, UserStore,
};

type Json = &'static [u8];

const USERS: TableDefinition<&str, Json> = TableDefinition::new("users");
const HANDLES: TableDefinition<&str, &str> = TableDefinition::new("handles");
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

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        {
            // Creating every table up front lets read transactions assume them.
            tx.open_table(USERS)?;
            tx.open_table(HANDLES)?;
            tx.open_table(TOKENS)?;
            tx.open_table(CONNECTIONS)?;
            tx.open_table(USER_CONNECTIONS)?;
            tx.open_table(CONVERSATIONS)?;
            tx.open_table(MEMBERS)?;
            tx.open_table(USER_CONVERSATIONS)?;
            tx.open_table(DIRECT_PAIRS)?;
            tx.open_table(FRIENDS)?;
            tx.open_table(MESSAGES)?;
            tx.open_table(DEDUPE)?;
        }
        tx.commit()?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs `f` in a write transaction on a blocking thread and commits it
    /// if `f` succeeds (an error aborts it: no partial writes).
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_write()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(StoreError::backend)?
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.db.begin_read()?;
        f(&tx)
    }

    /// Forgets every connection. chitter-local calls this on start: its
    /// gateway lives in the same process, so no earlier connection survived.
    pub async fn purge_connections(&self) -> Result<usize, StoreError> {
        self.write(|tx| {
            let mut conns = tx.open_table(CONNECTIONS)?;
            let n = conns.len()?;
            conns.retain(|_, _| false)?;
            tx.open_table(USER_CONNECTIONS)?.retain(|_, _| false)?;
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
) -> Result<Option<T>, StoreError> {
    table.get(key)?.map(|v| from_json(v.value())).transpose()
}

fn get_json2<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<(&'static str, &'static str), Json>,
    a: &str,
    b: &str,
) -> Result<Option<T>, StoreError> {
    table.get((a, b))?.map(|v| from_json(v.value())).transpose()
}

/// The second halves of the (prefix, x) keys that start with `prefix`.
fn suffixes<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
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

/// Whether the user has a connection still open at `now` (one past its
/// maximum lifetime cannot be, whatever became of its `$disconnect`).
fn has_live_connection(
    by_user: &impl ReadableTable<(&'static str, &'static str), ()>,
    conns: &impl ReadableTable<&'static str, Json>,
    user: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    for id in suffixes(by_user, user)? {
        if let Some(c) = get_json::<ConnectionRecord>(conns, &id)?
            && c.expires_at > now
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn count_prefix<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    prefix: &str,
) -> Result<usize, StoreError> {
    let mut n = 0;
    for entry in table.range((prefix, "")..)? {
        if entry?.0.value().0 != prefix {
            break;
        }
        n += 1;
    }
    Ok(n)
}

fn insert_conversation(
    tx: &WriteTransaction,
    c: &Conversation,
    members: &[Member],
) -> Result<(), StoreError> {
    let id = c.conversation_id.to_string();
    tx.open_table(CONVERSATIONS)?
        .insert(id.as_str(), to_json(c)?.as_slice())?;
    let mut by_conv = tx.open_table(MEMBERS)?;
    let mut by_user = tx.open_table(USER_CONVERSATIONS)?;
    for m in members {
        let user = m.user_id.to_string();
        by_conv.insert((id.as_str(), user.as_str()), to_json(m)?.as_slice())?;
        by_user.insert((user.as_str(), id.as_str()), ())?;
    }
    Ok(())
}

fn read_conversation(
    table: &ReadOnlyTable<&'static str, Json>,
    id: &str,
) -> Result<Option<Conversation>, StoreError> {
    get_json(table, id)
}

#[async_trait]
impl UserStore for EmbeddedStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let user = user.clone();
        self.write(move |tx| {
            let mut handles = tx.open_table(HANDLES)?;
            let id = user.user_id.to_string();
            if handles.get(user.handle.as_str())?.is_some() {
                return Err(StoreError::AlreadyExists);
            }
            handles.insert(user.handle.as_str(), id.as_str())?;
            tx.open_table(USERS)?
                .insert(id.as_str(), to_json(&user)?.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(USERS)?, &id.to_string()))
    }

    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError> {
        self.read(|tx| {
            let Some(id) = tx.open_table(HANDLES)?.get(handle.as_str())? else {
                return Ok(None);
            };
            get_json(&tx.open_table(USERS)?, id.value())
        })
    }

    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError> {
        self.read(|tx| {
            let users = tx.open_table(USERS)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(u) = get_json::<UserRecord>(&users, &id.to_string())? {
                    out.push(u.profile());
                }
            }
            Ok(out)
        })
    }
}

#[async_trait]
impl TokenStore for EmbeddedStore {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError> {
        let (digest, value) = (digest.to_owned(), to_json(grant)?);
        self.write(move |tx| {
            tx.open_table(TOKENS)?
                .insert((kind.as_str(), digest.as_str()), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError> {
        let digest = digest.to_owned();
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS)?;
            let removed = tokens.remove((kind.as_str(), digest.as_str()))?;
            removed.map(|v| from_json(v.value())).transpose()
        })
        .await
    }
}

#[async_trait]
impl ConnectionStore for EmbeddedStore {
    async fn add_connection(&self, c: &ConnectionRecord) -> Result<PresenceChange, StoreError> {
        let c = c.clone();
        self.write(move |tx| {
            let (user, id) = (c.user_id.to_string(), c.connection_id.to_string());
            let mut by_user = tx.open_table(USER_CONNECTIONS)?;
            let mut conns = tx.open_table(CONNECTIONS)?;
            let first = !has_live_connection(&by_user, &conns, &user, c.connected_at)?;
            by_user.insert((user.as_str(), id.as_str()), ())?;
            conns.insert(id.as_str(), to_json(&c)?.as_slice())?;
            Ok(if first {
                PresenceChange::CameOnline
            } else {
                PresenceChange::Unchanged
            })
        })
        .await
    }

    async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(ConnectionRecord, PresenceChange)>, StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            let mut conns = tx.open_table(CONNECTIONS)?;
            let Some(record) = conns
                .remove(id.as_str())?
                .map(|v| from_json::<ConnectionRecord>(v.value()))
                .transpose()?
            else {
                return Ok(None);
            };
            let user = record.user_id.to_string();
            let mut by_user = tx.open_table(USER_CONNECTIONS)?;
            by_user.remove((user.as_str(), id.as_str()))?;
            let change = if has_live_connection(&by_user, &conns, &user, Utc::now())? {
                PresenceChange::Unchanged
            } else {
                PresenceChange::WentOffline
            };
            Ok(Some((record, change)))
        })
        .await
    }

    async fn connection(&self, id: &ConnectionId) -> Result<Option<ConnectionRecord>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(CONNECTIONS)?, id.as_str()))
    }

    async fn connections_of(&self, users: &[UserId]) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.read(|tx| {
            let by_user = tx.open_table(USER_CONNECTIONS)?;
            let conns = tx.open_table(CONNECTIONS)?;
            let mut out = Vec::new();
            for user in users {
                for id in suffixes(&by_user, &user.to_string())? {
                    if let Some(c) = get_json(&conns, &id)? {
                        out.push(c);
                    }
                }
            }
            Ok(out)
        })
    }

    async fn count_online(&self, users: &[UserId]) -> Result<u32, StoreError> {
        self.read(|tx| {
            let by_user = tx.open_table(USER_CONNECTIONS)?;
            let conns = tx.open_table(CONNECTIONS)?;
            let now = Utc::now();
            let mut n = 0;
            for user in users {
                if has_live_connection(&by_user, &conns, &user.to_string(), now)? {
                    n += 1;
                }
            }
            Ok(n)
        })
    }
}

#[async_trait]
impl ConversationStore for EmbeddedStore {
    async fn create_conversation(
        &self,
        c: &Conversation,
        members: &[Member],
    ) -> Result<(), StoreError> {
        let (c, members) = (c.clone(), members.to_vec());
        self.write(move |tx| {
            if tx
                .open_table(CONVERSATIONS)?
                .get(c.conversation_id.to_string().as_str())?
                .is_some()
            {
                return Err(StoreError::AlreadyExists);
            }
            insert_conversation(tx, &c, &members)
        })
        .await
    }

    async fn find_or_create_direct(
        &self,
        c: &Conversation,
        a: &Member,
        b: &Member,
    ) -> Result<(Conversation, bool), StoreError> {
        let (c, a, b) = (c.clone(), a.clone(), b.clone());
        self.write(move |tx| {
            let (lo, hi) = pair(a.user_id, b.user_id);
            let mut pairs = tx.open_table(DIRECT_PAIRS)?;
            let existing = pairs
                .get((lo.as_str(), hi.as_str()))?
                .map(|v| v.value().to_owned());
            if let Some(id) = existing {
                let found = get_json(&tx.open_table(CONVERSATIONS)?, &id)?
                    .ok_or_else(|| StoreError::backend("direct pair without conversation"))?;
                return Ok((found, false));
            }
            let id = c.conversation_id.to_string();
            pairs.insert((lo.as_str(), hi.as_str()), id.as_str())?;
            insert_conversation(tx, &c, &[a, b])?;
            Ok((c, true))
        })
        .await
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        self.read(|tx| read_conversation(&tx.open_table(CONVERSATIONS)?, &id.to_string()))
    }

    async fn member(&self, id: ConversationId, user: UserId) -> Result<Option<Member>, StoreError> {
        self.read(|tx| get_json2(&tx.open_table(MEMBERS)?, &id.to_string(), &user.to_string()))
    }

    async fn members(&self, id: ConversationId) -> Result<Vec<Member>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let members = tx.open_table(MEMBERS)?;
            let mut out = Vec::new();
            for entry in members.range((id.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != id {
                    break;
                }
                out.push(from_json(v.value())?);
            }
            Ok(out)
        })
    }

    async fn conversations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Conversation, Member)>, StoreError> {
        self.read(|tx| {
            let user = user.to_string();
            let convs = tx.open_table(CONVERSATIONS)?;
            let members = tx.open_table(MEMBERS)?;
            let mut out = Vec::new();
            for id in suffixes(&tx.open_table(USER_CONVERSATIONS)?, &user)? {
                if let (Some(c), Some(m)) = (
                    read_conversation(&convs, &id)?,
                    get_json2(&members, &id, &user)?,
                ) {
                    out.push((c, m));
                }
            }
            Ok(out)
        })
    }

    async fn set_title(&self, id: ConversationId, title: &Title) -> Result<bool, StoreError> {
        let title = title.clone();
        self.write(move |tx| {
            let id = id.to_string();
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let Some(mut c) = get_json::<Conversation>(&convs, &id)? else {
                return Ok(false);
            };
            c.title = Some(title);
            convs.insert(id.as_str(), to_json(&c)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    async fn add_member(&self, m: &Member, limit: usize) -> Result<AddMember, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let (id, user) = (m.conversation_id.to_string(), m.user_id.to_string());
            if tx.open_table(CONVERSATIONS)?.get(id.as_str())?.is_none() {
                return Ok(AddMember::NoSuchConversation);
            }
            let mut members = tx.open_table(MEMBERS)?;
            if members.get((id.as_str(), user.as_str()))?.is_some() {
                return Ok(AddMember::AlreadyMember);
            }
            if count_prefix(&members, &id)? >= limit {
                return Ok(AddMember::Full);
            }
            members.insert((id.as_str(), user.as_str()), to_json(&m)?.as_slice())?;
            tx.open_table(USER_CONVERSATIONS)?
                .insert((user.as_str(), id.as_str()), ())?;
            Ok(AddMember::Added)
        })
        .await
    }

    async fn set_role(&self, m: &Member) -> Result<bool, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let (id, user) = (m.conversation_id.to_string(), m.user_id.to_string());
            let mut members = tx.open_table(MEMBERS)?;
            let Some(mut current) = get_json2::<Member>(&members, &id, &user)? else {
                return Ok(false);
            };
            current.role = m.role;
            members.insert((id.as_str(), user.as_str()), to_json(&current)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (id, user) = (id.to_string(), user.to_string());
            let removed = tx
                .open_table(MEMBERS)?
                .remove((id.as_str(), user.as_str()))?
                .is_some();
            tx.open_table(USER_CONVERSATIONS)?
                .remove((user.as_str(), id.as_str()))?;
            Ok(removed)
        })
        .await
    }

    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (id, user) = (id.to_string(), user.to_string());
            let mut members = tx.open_table(MEMBERS)?;
            let Some(mut m) = get_json2::<Member>(&members, &id, &user)? else {
                return Ok(false);
            };
            if seq <= m.read_seq {
                return Ok(false);
            }
            m.read_seq = seq;
            members.insert((id.as_str(), user.as_str()), to_json(&m)?.as_slice())?;
            Ok(true)
        })
        .await
    }
}

fn pair(a: UserId, b: UserId) -> (String, String) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (lo.to_string(), hi.to_string())
}

#[async_trait]
impl MessageLog for EmbeddedStore {
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let conv = m.conversation_id.to_string();
            let sender = m.sender_id.to_string();
            let mut dedupe = tx.open_table(DEDUPE)?;
            let mut messages = tx.open_table(MESSAGES)?;
            let key = (conv.as_str(), sender.as_str(), m.client_msg_id.as_str());
            let earlier = dedupe.get(key)?.map(|v| v.value());
            if let Some(seq) = earlier {
                let message = messages
                    .get((conv.as_str(), seq))?
                    .map(|v| from_json(v.value()))
                    .transpose()?
                    .ok_or_else(|| StoreError::backend("dedupe entry without message"))?;
                return Ok(Persisted {
                    message,
                    duplicate: true,
                });
            }
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let mut c: Conversation = get_json(&convs, &conv)?
                .ok_or_else(|| StoreError::backend("message for a missing conversation"))?;
            let seq = c.last_seq.next();
            let stored = StoredMessage::from_stream(&m, seq);
            messages.insert((conv.as_str(), seq.0), to_json(&stored)?.as_slice())?;
            dedupe.insert(key, seq.0)?;
            c.last_seq = seq;
            c.last_message_at = Some(m.sent_at);
            convs.insert(conv.as_str(), to_json(&c)?.as_slice())?;
            Ok(Persisted {
                message: stored,
                duplicate: false,
            })
        })
        .await
    }

    async fn history(
        &self,
        id: ConversationId,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let end = before.map_or(u64::MAX, |s| s.0);
            let messages = tx.open_table(MESSAGES)?;
            let mut out = Vec::new();
            for entry in messages.range((id.as_str(), 0)..(id.as_str(), end))?.rev() {
                if out.len() >= limit {
                    break;
                }
                out.push(from_json(entry?.1.value())?);
            }
            Ok(out)
        })
    }

    async fn after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let messages = tx.open_table(MESSAGES)?;
            let mut out = Vec::new();
            let start = after.0.saturating_add(1);
            for entry in messages.range((id.as_str(), start)..=(id.as_str(), u64::MAX))? {
                if out.len() >= limit {
                    break;
                }
                out.push(from_json(entry?.1.value())?);
            }
            Ok(out)
        })
    }
}

#[async_trait]
impl FriendStore for EmbeddedStore {
    async fn friend_link(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<FriendLink>, StoreError> {
        self.read(|tx| {
            get_json2(
                &tx.open_table(FRIENDS)?,
                &user.to_string(),
                &other.to_string(),
            )
        })
    }

    async fn put_friend_link(&self, link: &FriendLink) -> Result<(), StoreError> {
        let link = link.clone();
        self.write(move |tx| {
            let mut friends = tx.open_table(FRIENDS)?;
            for side in [link.clone(), link.mirror()] {
                let (a, b) = (side.user_id.to_string(), side.other_id.to_string());
                friends.insert((a.as_str(), b.as_str()), to_json(&side)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }

    async fn remove_friend_link(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (a, b) = (user.to_string(), other.to_string());
            let mut friends = tx.open_table(FRIENDS)?;
            let mine = friends.remove((a.as_str(), b.as_str()))?.is_some();
            let theirs = friends.remove((b.as_str(), a.as_str()))?.is_some();
            Ok(mine || theirs)
        })
        .await
    }

    async fn friend_links(&self, user: UserId) -> Result<Vec<FriendLink>, StoreError> {
        self.read(|tx| {
            let user = user.to_string();
            let friends = tx.open_table(FRIENDS)?;
            let mut out = Vec::new();
            for entry in friends.range((user.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != user {
                    break;
                }
                out.push(from_json(v.value())?);
            }
            Ok(out)
        })
    }
}
