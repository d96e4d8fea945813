use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationId, DomainError, Seq, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Exactly two members, one per pair of users, no admin.
    Direct,
    /// Named, with admins who manage the members.
    Group,
}

/// A group's name: 1-100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl Title {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        let n = s.chars().count();
        if (1..=100).contains(&n) && !s.chars().any(char::is_control) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "title",
                "must be 1-100 characters without control characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Title {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Title> for String {
    fn from(t: Title) -> String {
        t.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub conversation_id: ConversationId,
    pub kind: ConversationKind,
    /// Groups only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The sequence number of the newest stored message.
    pub last_seq: Seq,
    /// When the newest stored message was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_at: Option<DateTime<Utc>>,
}

impl Conversation {
    /// Groups hold at most this many members, which bounds the work of a
    /// fan-out and keeps the member list one page.
    pub const MAX_MEMBERS: usize = 256;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    /// The newest sequence number this member has read.
    pub read_seq: Seq,
}
