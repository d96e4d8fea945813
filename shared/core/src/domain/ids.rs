//! Identifiers. Server-made ids are UUIDs; ids that arrive from clients or the
//! platform are checked once here so nothing past the edge sees a bad one.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn parse(s: &str) -> Result<Self, DomainError> {
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| DomainError::invalid(stringify!($name), "must be a UUID"))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// A direct chat or a group.
    ConversationId
);
uuid_id!(
    /// A stored message, assigned by the message function on acceptance.
    MessageId
);
uuid_id!(
    /// An upload of a file (an emoji, a background, an attachment).
    UploadId
);
uuid_id!(
    /// A saved theme.
    ThemeId
);
uuid_id!(
    /// A custom emoji: the same value as the id of the upload it was made
    /// from, so one upload makes at most one emoji.
    EmojiId
);

impl EmojiId {
    pub fn from_upload(id: UploadId) -> Self {
        Self(id.0)
    }

    pub fn upload(self) -> UploadId {
        UploadId(self.0)
    }
}

/// A WebSocket connection as named by API Gateway (or chitter-local).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionId(String);

impl ConnectionId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "connection_id",
                "must be 1-128 printable ASCII characters without '/'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ConnectionId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ConnectionId> for String {
    fn from(id: ConnectionId) -> String {
        id.0
    }
}

/// A client-chosen id: the `id` of a frame, which for `send` is also the
/// client message id that makes a resend idempotent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "id",
                "must be 1-64 characters of A-Z a-z 0-9 - _ . :",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientMsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ClientMsgId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ClientMsgId> for String {
    fn from(id: ClientMsgId) -> String {
        id.0
    }
}

/// A message's position in its conversation: 1, 2, 3, ... with no gaps.
/// Zero means "before the first message".
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    pub const ZERO: Seq = Seq(0);

    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_round_trip_through_json() {
        let id = ConversationId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        let back: ConversationId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
    }

    #[test]
    fn uuid_ids_reject_garbage() {
        assert!(UserId::parse("not-a-uuid").is_err());
        assert!(serde_json::from_str::<UserId>("\"x\"").is_err());
        assert!(serde_json::from_str::<UserId>("5").is_err());
    }

    #[test]
    fn client_msg_id_rules() {
        assert!(ClientMsgId::parse("c-1.a_b:2").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("has space").is_err());
        assert!(ClientMsgId::parse("%41").is_err());
        assert!(ClientMsgId::parse(&"a".repeat(64)).is_ok());
        assert!(ClientMsgId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn connection_id_rules() {
        assert!(ConnectionId::parse("L0SM9cOFvHcCIhw=").is_ok());
        assert!(ConnectionId::parse("a/b").is_err());
        assert!(ConnectionId::parse("").is_err());
        assert!(ConnectionId::parse("caf\u{e9}").is_err());
    }
}
