use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Attachment, ClientMsgId, ConnectionId, ConversationId, EmojiRef, MessageId, Seq, UserId,
};

/// Message text: 1-4000 characters, not only whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageText(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("text must not be empty")]
    Empty,
    #[error("text is longer than {} characters", MessageText::MAX_CHARS)]
    TooLong,
}

impl MessageText {
    /// 4000 characters are at most 16,000 bytes of UTF-8 and 24,000 bytes
    /// once JSON-escaped, so a pushed `message` frame stays inside API
    /// Gateway's 32 KB frame.
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(s: String) -> Result<Self, TextError> {
        if s.trim().is_empty() {
            Err(TextError::Empty)
        } else if s.chars().count() > Self::MAX_CHARS {
            Err(TextError::TooLong)
        } else {
            Ok(Self(s))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageText {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<MessageText> for String {
    fn from(t: MessageText) -> String {
        t.0
    }
}

/// A message accepted by the message function, on its way through the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamMessage {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub client_msg_id: ClientMsgId,
    /// Absent only when the message carries attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<MessageText>,
    /// The sender's emoji that `:shortcode:`s in the text named at send time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<EmojiRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    pub sent_at: DateTime<Utc>,
    /// Where the `persisted` ack goes; none for a message sent over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ConnectionId>,
}

/// A change to a stored message (an edit or a delete), on its way through
/// the same ordered stream as messages. It becomes an entry of its own in
/// the conversation's log, so sequence numbers stay gap-free and a client
/// that resumes learns of changes to messages it already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamChange {
    /// The change entry's own id.
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    /// Who makes the change.
    pub sender_id: UserId,
    pub client_msg_id: ClientMsgId,
    /// The message changed.
    pub target_seq: Seq,
    pub change: Change,
    pub sent_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ConnectionId>,
    /// The message function found the sender to be a group admin, who may
    /// delete other members' messages.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub moderator: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Edit {
        text: MessageText,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        emoji: Vec<EmojiRef>,
    },
    Delete,
}

/// Why a change cannot be made to its target as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefused {
    #[error("no such message, or it was deleted")]
    Missing,
    #[error("only the author may change this message")]
    NotAuthor,
}

impl StreamChange {
    /// The rule both stores apply inside their write: the target as it
    /// becomes, or why the change is refused. Only messages that are not
    /// deleted change; only the author edits; the author or a moderator
    /// deletes.
    pub fn apply(&self, target: Option<StoredMessage>) -> Result<StoredMessage, ChangeRefused> {
        let mut t = target
            .filter(StoredMessage::is_live_message)
            .ok_or(ChangeRefused::Missing)?;
        let author = t.sender_id == self.sender_id;
        match &self.change {
            Change::Edit { text, emoji } => {
                if !author {
                    return Err(ChangeRefused::NotAuthor);
                }
                t.text = Some(text.clone());
                t.emoji = emoji.clone();
                t.edited_at = Some(self.sent_at);
            }
            Change::Delete => {
                if !author && !self.moderator {
                    return Err(ChangeRefused::NotAuthor);
                }
                t.text = None;
                t.emoji = Vec::new();
                t.attachments = Vec::new();
                t.deleted_at = Some(self.sent_at);
                t.deleted_by = Some(self.sender_id);
            }
        }
        Ok(t)
    }
}

/// A stream record: a new message or a change to one. Records of one
/// conversation share its partition, so they are stored in append order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    Message(StreamMessage),
    Change(StreamChange),
    /// Apply the conversation's retention to its stored entries after
    /// `after`, a page at a time (each page appends the next).
    Retention {
        conversation_id: ConversationId,
        after: Seq,
    },
}

impl StreamEvent {
    pub fn conversation_id(&self) -> ConversationId {
        match self {
            StreamEvent::Message(m) => m.conversation_id,
            StreamEvent::Change(c) => c.conversation_id,
            StreamEvent::Retention {
                conversation_id, ..
            } => *conversation_id,
        }
    }

    pub fn origin(&self) -> Option<&ConnectionId> {
        match self {
            StreamEvent::Message(m) => m.origin.as_ref(),
            StreamEvent::Change(c) => c.origin.as_ref(),
            StreamEvent::Retention { .. } => None,
        }
    }
}

/// A user's vote on a message; `none` takes it back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Up,
    Down,
    #[default]
    None,
}

/// A message's vote counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub up: u64,
    pub down: u64,
    /// Moves by one with every vote, so a client that gets two tallies
    /// out of order keeps the later one.
    pub rev: u64,
}

impl Tally {
    /// The counts once a voter's vote moves from `before` to `after`.
    pub fn moved(mut self, before: Vote, after: Vote) -> Self {
        match before {
            Vote::Up => self.up = self.up.saturating_sub(1),
            Vote::Down => self.down = self.down.saturating_sub(1),
            Vote::None => {}
        }
        match after {
            Vote::Up => self.up += 1,
            Vote::Down => self.down += 1,
            Vote::None => {}
        }
        self.rev += 1;
        self
    }
}

/// What an entry of a conversation's log is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    #[default]
    Message,
    /// An edit of the message at `target_seq`; it carries the new text.
    Edit,
    /// The deletion of the message at `target_seq`.
    Delete,
}

/// An entry of a conversation's log, with its place in it. A message entry
/// shows its current state: the latest text after edits, no text once
/// deleted (a tombstone that keeps its place).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub message_id: MessageId,
    pub sender_id: UserId,
    pub client_msg_id: ClientMsgId,
    #[serde(default)]
    pub kind: EntryKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<MessageText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<EmojiRef>,
    /// Files members may download (`GET …/messages/{seq}/attachments/{id}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    pub sent_at: DateTime<Utc>,
    /// Edit and delete entries: the message they change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_seq: Option<Seq>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<UserId>,
    /// Vote counts (messages only; absent when zero).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub up: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub down: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub votes_rev: u64,
    /// When the conversation's retention removes it (absent: kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown to a reader who blocks the sender: the entry keeps its place
    /// and its content is withheld. Never stored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StoredMessage {
    /// A message (not an edit or delete entry) that is not deleted: what
    /// may be changed or voted on.
    pub fn is_live_message(&self) -> bool {
        self.kind == EntryKind::Message && self.deleted_at.is_none()
    }

    /// The entry as a reader who blocks its sender sees it.
    pub fn withheld(&self) -> StoredMessage {
        StoredMessage {
            text: None,
            emoji: Vec::new(),
            attachments: Vec::new(),
            withheld: true,
            ..self.clone()
        }
    }

    /// The entry as a reader who blocks `blocked` sees it.
    pub fn seen_by(&self, blocked: &[UserId]) -> StoredMessage {
        if blocked.contains(&self.sender_id) {
            self.withheld()
        } else {
            self.clone()
        }
    }

    /// Gone by the conversation's retention (storage may lag behind).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }

    pub fn tally(&self) -> Tally {
        Tally {
            up: self.up,
            down: self.down,
            rev: self.votes_rev,
        }
    }

    pub fn from_stream(m: &StreamMessage, seq: Seq) -> Self {
        Self {
            conversation_id: m.conversation_id,
            seq,
            message_id: m.message_id,
            sender_id: m.sender_id,
            client_msg_id: m.client_msg_id.clone(),
            kind: EntryKind::Message,
            text: m.text.clone(),
            emoji: m.emoji.clone(),
            attachments: m.attachments.clone(),
            sent_at: m.sent_at,
            target_seq: None,
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
            up: 0,
            down: 0,
            votes_rev: 0,
            expires_at: None,
            withheld: false,
        }
    }

    /// The log entry that records a change.
    pub fn from_change(c: &StreamChange, seq: Seq) -> Self {
        let (kind, text, emoji) = match &c.change {
            Change::Edit { text, emoji } => (EntryKind::Edit, Some(text.clone()), emoji.clone()),
            Change::Delete => (EntryKind::Delete, None, Vec::new()),
        };
        Self {
            conversation_id: c.conversation_id,
            seq,
            message_id: c.message_id,
            sender_id: c.sender_id,
            client_msg_id: c.client_msg_id.clone(),
            kind,
            text,
            emoji,
            attachments: Vec::new(),
            sent_at: c.sent_at,
            target_seq: Some(c.target_seq),
            edited_at: None,
            deleted_at: None,
            deleted_by: None,
            up: 0,
            down: 0,
            votes_rev: 0,
            expires_at: None,
            withheld: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_not_bytes() {
        assert_eq!(MessageText::parse(" \n\t".into()), Err(TextError::Empty));
        assert!(MessageText::parse("\u{1F600}".repeat(4000)).is_ok());
        assert_eq!(
            MessageText::parse("x".repeat(4001)),
            Err(TextError::TooLong)
        );
    }

    #[test]
    fn a_tally_moves_a_vote_and_counts_every_move() {
        let t = Tally::default().moved(Vote::None, Vote::Up);
        assert_eq!((t.up, t.down, t.rev), (1, 0, 1));
        let t = t.moved(Vote::Up, Vote::Down);
        assert_eq!((t.up, t.down, t.rev), (0, 1, 2));
        let t = t.moved(Vote::Down, Vote::None);
        assert_eq!((t.up, t.down, t.rev), (0, 0, 3));
    }

    #[test]
    fn change_records_round_trip_through_the_stream_encoding() {
        let json = r#"{"type":"change","message_id":"0190a7b1-5c2e-7d41-9a3f-2b8c4d6e8f01",
            "conversation_id":"0190a7a4-9f3c-7b1e-8a2b-0c4d5e6f7a8b",
            "sender_id":"0190a7a4-9f3c-7b1e-8a2b-0c4d5e6f7a8c","client_msg_id":"e-1",
            "target_seq":3,"change":{"kind":"edit","text":"new"},"sent_at":"2026-11-30T10:00:00Z"}"#;
        let event: StreamEvent = serde_json::from_str(json).unwrap();
        let StreamEvent::Change(c) = &event else {
            panic!("{event:?}")
        };
        assert!(matches!(&c.change, Change::Edit { text, .. } if text.as_str() == "new"));
        assert!(!c.moderator && c.origin.is_none());
        let again: StreamEvent =
            serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again, event);
    }
}
