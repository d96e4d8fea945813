use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientMsgId, ConnectionId, ConversationId, EmojiRef, MessageId, Seq, UserId};

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
    pub text: MessageText,
    /// The sender's emoji that `:shortcode:`s in the text named at send time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<EmojiRef>,
    pub sent_at: DateTime<Utc>,
    /// Where the `persisted` ack goes; none for a message sent over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ConnectionId>,
}

/// A stream record. Tagged so that later kinds (edits, deletes) can share
/// the ordered per-conversation stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    Message(StreamMessage),
}

impl StreamEvent {
    pub fn conversation_id(&self) -> ConversationId {
        match self {
            StreamEvent::Message(m) => m.conversation_id,
        }
    }
}

/// A message as stored, with its place in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub conversation_id: ConversationId,
    pub seq: Seq,
    pub message_id: MessageId,
    pub sender_id: UserId,
    pub client_msg_id: ClientMsgId,
    pub text: MessageText,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<EmojiRef>,
    pub sent_at: DateTime<Utc>,
}

impl StoredMessage {
    pub fn from_stream(m: &StreamMessage, seq: Seq) -> Self {
        Self {
            conversation_id: m.conversation_id,
            seq,
            message_id: m.message_id,
            sender_id: m.sender_id,
            client_msg_id: m.client_msg_id.clone(),
            text: m.text.clone(),
            emoji: m.emoji.clone(),
            sent_at: m.sent_at,
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
}
