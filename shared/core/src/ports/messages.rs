//! The stored messages of each conversation, in sequence.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{ConversationId, Seq, StoredMessage, StreamMessage};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    pub message: StoredMessage,
    /// The same client message id from the same sender was stored before;
    /// `message` is that earlier copy.
    pub duplicate: bool,
}

#[async_trait]
pub trait MessageLog: Send + Sync {
    /// Stores the message once per (conversation, sender, client message id)
    /// under the conversation's next sequence number, atomically with the
    /// conversation's `last_seq`.
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError>;
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
