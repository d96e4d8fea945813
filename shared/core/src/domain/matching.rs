//! Random matching: where a user stands between asking to meet someone
//! and being paired with them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationId, UserId};

/// A user's place in matching; no state at all means idle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MatchState {
    /// In the queue since then.
    Waiting { since: DateTime<Utc> },
    /// Paired with `with`; the conversation is recorded once it exists.
    Matched {
        with: UserId,
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
    },
}

impl MatchState {
    /// How long a request waits for a partner before it lapses: nobody is
    /// paired with someone who asked an hour ago and left.
    pub const WAIT: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

    /// A wait that has lapsed counts as no state.
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        matches!(self, MatchState::Waiting { since } if *since + Self::WAIT <= now)
    }
}
