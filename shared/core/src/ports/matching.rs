//! The matching queue and each user's match state.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{ConversationId, MatchState, UserId};

/// How an attempt to pair two waiting users went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paired {
    /// Both were waiting; both are now matched with each other.
    Done,
    /// The first user is no longer waiting (someone paired them already).
    FirstTaken,
    /// The second user is no longer waiting.
    SecondTaken,
}

#[async_trait]
pub trait MatchStore: Send + Sync {
    async fn match_state(&self, user: UserId) -> Result<Option<MatchState>, StoreError>;
    /// Puts an idle user in the queue; false (and nothing written) if the
    /// user has a state.
    async fn enqueue(&self, user: UserId, since: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Users who have waited since after `after`, the longest-waiting first.
    async fn waiting(&self, after: DateTime<Utc>, limit: usize) -> Result<Vec<UserId>, StoreError>;
    /// Pairs two waiting users at once: both leave the queue and become
    /// matched with each other, or nothing changes.
    async fn pair(&self, a: UserId, b: UserId, at: DateTime<Utc>) -> Result<Paired, StoreError>;
    /// Records the pair's conversation on each side still matched with the other.
    async fn set_match_conversation(
        &self,
        a: UserId,
        b: UserId,
        conversation: ConversationId,
    ) -> Result<(), StoreError>;
    /// Forgets the user's state (leaves the queue, or ends their side of a
    /// match); returns what it was.
    async fn leave_matching(&self, user: UserId) -> Result<Option<MatchState>, StoreError>;
}
