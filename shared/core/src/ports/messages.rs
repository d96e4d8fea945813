//! The stored messages of each conversation, in sequence.

use std::sync::Arc;

use async_trait::async_trait;

use super::StoreError;
use chrono::{DateTime, Utc};

use crate::domain::{
    ChangeRefused, ConversationId, Retention, Seq, StoredMessage, StreamChange, StreamMessage,
    Tally, UserId, Vote,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    pub message: StoredMessage,
    /// The same client message id from the same sender was stored before;
    /// `message` is that earlier copy.
    pub duplicate: bool,
}

/// A vote recorded: the message's counts after it, and whether the vote
/// was new (voting the same way twice changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voted {
    pub tally: Tally,
    pub changed: bool,
}

#[async_trait]
pub trait MessageLog: Send + Sync {
    /// The same log, except that its writes return once committed, before
    /// they are durable; `sync` then makes them all durable at once, so a
    /// batch of writes shares one flush. `None` where every write is
    /// durable by itself and deferring would save nothing (DynamoDB).
    fn deferred(&self) -> Option<Arc<dyn MessageLog>> {
        None
    }
    /// Returns once every write committed so far, deferred ones included,
    /// is durable.
    async fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Stores the message once per (conversation, sender, client message id)
    /// under the conversation's next sequence number, atomically with the
    /// conversation's `last_seq`.
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError>;
    /// `persist` for each message, in order (so one conversation's keep
    /// theirs), with what each came to. Where the store allows, in one
    /// transaction, all or none; elsewhere one at a time, stopping at the
    /// first failure, with those before it stored (a retry finds them, by
    /// the once-per-client-id rule).
    async fn persist_all(&self, messages: &[&StreamMessage]) -> Result<Vec<Persisted>, StoreError> {
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            out.push(self.persist(m).await?);
        }
        Ok(out)
    }
    /// Records an edit or delete as the conversation's next entry and
    /// applies it to its target (`StreamChange::apply`), all at once, with
    /// the same once-per-client-id rule as `persist`. A refused change
    /// writes nothing.
    async fn change(
        &self,
        c: &StreamChange,
    ) -> Result<Result<Persisted, ChangeRefused>, StoreError>;
    /// Sets the user's vote on a live message (`StoredMessage::is_live_message`)
    /// and moves its counts by the difference, at once: one vote per user
    /// per message however many arrive together.
    async fn vote(
        &self,
        id: ConversationId,
        seq: Seq,
        user: UserId,
        vote: Vote,
    ) -> Result<Result<Voted, ChangeRefused>, StoreError>;
    /// The user's votes among these messages; those not voted on are left out.
    async fn votes_by(
        &self,
        id: ConversationId,
        user: UserId,
        seqs: &[Seq],
    ) -> Result<Vec<(Seq, Vote)>, StoreError>;
    /// Stamps up to `limit` entries after `after` with when `retention`
    /// removes them (none: kept), and removes those already past it, with
    /// their idempotency keys. Returns the last seq looked at when more
    /// entries follow.
    async fn apply_retention(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
        retention: Option<Retention>,
        now: DateTime<Utc>,
    ) -> Result<Option<Seq>, StoreError>;
    /// One entry by its sequence number.
    async fn entry(
        &self,
        id: ConversationId,
        seq: Seq,
    ) -> Result<Option<StoredMessage>, StoreError>;
    /// Newest first, strictly before `before` when given.
    async fn history(
        &self,
        id: ConversationId,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    /// Oldest first, strictly after `after`.
    async fn after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;
}
