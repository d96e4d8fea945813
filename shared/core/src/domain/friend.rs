use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::UserId;

/// One side of a relationship between two users; each pair is stored once
/// per side so that "my friends" is one ordered read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FriendState {
    /// I asked them.
    Outgoing,
    /// They asked me.
    Incoming,
    Friends,
}

impl FriendState {
    /// How the other side sees the same relationship.
    pub fn mirror(self) -> Self {
        match self {
            FriendState::Outgoing => FriendState::Incoming,
            FriendState::Incoming => FriendState::Outgoing,
            FriendState::Friends => FriendState::Friends,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendLink {
    pub user_id: UserId,
    pub other_id: UserId,
    pub state: FriendState,
    pub since: DateTime<Utc>,
}

impl FriendLink {
    /// The same relationship seen from the other user.
    pub fn mirror(&self) -> Self {
        Self {
            user_id: self.other_id,
            other_id: self.user_id,
            state: self.state.mirror(),
            since: self.since,
        }
    }
}
