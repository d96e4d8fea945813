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
    /// Public: listed in the directory, joined and left by anyone. Its
    /// deliveries go to the connections subscribed to it, so a message
    /// costs one push per online connection, not a scan of the members.
    Room,
}

impl ConversationKind {
    /// Named, with admins: groups and rooms.
    pub fn is_titled(self) -> bool {
        matches!(self, Self::Group | Self::Room)
    }
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
    /// Messages disappear this long after they were sent; none: kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

/// How long a conversation keeps its messages: 1, 7 or 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Retention(u16);

impl Retention {
    pub const CHOICES: [u16; 3] = [1, 7, 30];

    pub fn days(days: u16) -> Result<Self, DomainError> {
        if Self::CHOICES.contains(&days) {
            Ok(Self(days))
        } else {
            Err(DomainError::invalid(
                "days",
                "must be 1, 7 or 30, or null for off",
            ))
        }
    }

    pub fn as_days(self) -> u16 {
        self.0
    }

    /// When a message sent at `sent_at` disappears.
    pub fn expiry(self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + chrono::TimeDelta::days(i64::from(self.0))
    }
}

impl TryFrom<u16> for Retention {
    type Error = DomainError;
    fn try_from(days: u16) -> Result<Self, Self::Error> {
        Self::days(days)
    }
}

impl From<Retention> for u16 {
    fn from(r: Retention) -> u16 {
        r.0
    }
}

impl Conversation {
    /// Groups hold at most this many members, which bounds the work of a
    /// fan-out and keeps the member list one page.
    pub const MAX_MEMBERS: usize = 256;
    /// Rooms hold many more: their fan-out is bounded by the subscribed
    /// connections, and their views list no members. (An admin leaving or
    /// being demoted still reads the member list, a few paged queries.)
    pub const MAX_ROOM_MEMBERS: usize = 10_000;

    /// The most members this conversation may hold.
    pub fn member_limit(&self) -> usize {
        match self.kind {
            ConversationKind::Room => Self::MAX_ROOM_MEMBERS,
            _ => Self::MAX_MEMBERS,
        }
    }
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
