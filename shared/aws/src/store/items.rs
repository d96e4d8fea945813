//! How records map to items of the one table: the key of each kind of item
//! (see `docs/data-model.md`) and the serde_dynamo conversion.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use chitter_core::domain::{Conversation, ConversationId, Seq, UserId, Vote};
use chitter_core::ports::StoreError;

pub(super) type Attrs = HashMap<String, AttributeValue>;

/// An item: its key, its body, and the TTL attribute when it expires.
#[derive(Serialize, Deserialize)]
pub(super) struct Item<T> {
    pk: String,
    sk: String,
    #[serde(flatten)]
    body: T,
    /// Epoch seconds; DynamoDB's TTL deletes the item some time after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct HandleBody {
    pub(super) user_id: UserId,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ConversationRef {
    pub(super) conversation_id: ConversationId,
}

#[derive(Serialize, Deserialize)]
pub(super) struct DedupeBody {
    pub(super) seq: Seq,
}

/// An item that names one user: a place in the matching queue, a block.
#[derive(Serialize, Deserialize)]
pub(super) struct UserRef {
    pub(super) user_id: UserId,
}

/// A user's vote on one message.
#[derive(Serialize, Deserialize)]
pub(super) struct VoteBody {
    pub(super) seq: Seq,
    pub(super) voter: UserId,
    pub(super) ballot: Vote,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ConvMeta {
    #[serde(flatten)]
    pub(super) conversation: Conversation,
    pub(super) member_count: u64,
}

pub(super) mod keys {
    use chitter_core::domain::{
        ConnectionId, ConversationId, EmojiId, Handle, Seq, Shortcode, ThemeId, UploadId, UserId,
    };
    use chitter_core::ports::TokenKind;

    pub const PROFILE: &str = "PROFILE";
    pub const META: &str = "META";
    pub const PRESENCE: &str = "PRESENCE";
    pub const ONE: &str = "#";
    pub const UPLOAD_USAGE: &str = "UPLOADUSAGE";
    pub const UPLOAD_PREFIX: &str = "UPLOAD#";
    pub const EMOJI_COUNT: &str = "EMOJICOUNT";
    pub const EMOJI_CODE_PREFIX: &str = "EMOJI#";
    pub const THEME_PREFIX: &str = "THEME#";
    pub const THEME: &str = "THEME";
    pub const MARKET: &str = "MARKET";
    pub const MATCH: &str = "MATCH";
    /// The handle directory's one partition, for prefix search.
    pub const USERS: &str = "USERS";
    pub const BLOCK_PREFIX: &str = "BLOCK#";
    pub const BLOCKED_BY_PREFIX: &str = "BLOCKEDBY#";
    pub const MATCH_QUEUE: &str = "MATCHQ";
    /// The room directory's one partition.
    pub const ROOMS: &str = "ROOMS";
    pub const ROOM_PREFIX: &str = "ROOM#";
    pub const ROOM_CONN_PREFIX: &str = "RCONN#";
    pub const SUBSCRIBED_PREFIX: &str = "RSUB#";
    /// A room a connection is subscribed to, under the connection.
    pub fn subscribed(room: ConversationId) -> String {
        format!("{SUBSCRIBED_PREFIX}{room}")
    }
    pub fn room(id: ConversationId) -> String {
        format!("{ROOM_PREFIX}{id}")
    }
    /// A connection subscribed to a room, under the room.
    pub fn room_conn(id: &ConnectionId) -> String {
        format!("{ROOM_CONN_PREFIX}{id}")
    }

    pub fn user(id: UserId) -> String {
        format!("USER#{id}")
    }
    /// A rate-limit counter: its key and the window's start (epoch s).
    pub fn rate(key: &str, window_start: i64) -> String {
        format!("RATE#{key}#{window_start}")
    }
    /// An outside identity's link to its account (a SHA-256, hex).
    pub fn identity(digest: &str) -> String {
        format!("IDENTITY#{digest}")
    }
    pub fn handle(h: &Handle) -> String {
        format!("HANDLE#{h}")
    }
    pub fn token(kind: TokenKind, digest: &str) -> String {
        format!("TOKEN#{}#{digest}", kind.as_str())
    }
    pub fn conn(id: &ConnectionId) -> String {
        format!("CONN#{id}")
    }
    pub fn conv(id: ConversationId) -> String {
        format!("CONV#{id}")
    }
    pub fn member(user: UserId) -> String {
        format!("MEMBER#{user}")
    }
    pub fn member_of(conv: ConversationId) -> String {
        format!("MEMBEROF#{conv}")
    }
    pub fn message(seq: Seq) -> String {
        format!("MSG#{:020}", seq.0)
    }
    /// A place in the matching queue: by time waited, then user.
    pub fn waiting(since_millis: i64, user: UserId) -> String {
        format!("WAIT#{since_millis:020}#{user}")
    }
    pub fn vote(seq: Seq, user: UserId) -> String {
        format!("{}{user}", votes_of(seq))
    }
    /// The prefix of every ballot on one message.
    pub fn votes_of(seq: Seq) -> String {
        format!("VOTE#{:020}#", seq.0)
    }
    pub fn dedupe(sender: UserId, client_msg_id: &str) -> String {
        format!("DEDUPE#{sender}#{client_msg_id}")
    }
    pub fn emoji(id: EmojiId) -> String {
        format!("EMOJI#{id}")
    }
    pub fn emoji_code(code: &Shortcode) -> String {
        format!("{EMOJI_CODE_PREFIX}{code}")
    }
    pub fn theme(id: ThemeId) -> String {
        format!("{THEME_PREFIX}{id}")
    }
    pub fn copier(user: UserId) -> String {
        format!("COPIER#{user}")
    }
    pub fn upload(id: UploadId) -> String {
        format!("{UPLOAD_PREFIX}{id}")
    }
    pub fn listed_handle(h: &str) -> String {
        format!("HANDLE#{h}")
    }
    pub fn block(other: UserId) -> String {
        format!("{BLOCK_PREFIX}{other}")
    }
    pub fn blocked_by(other: UserId) -> String {
        format!("{BLOCKED_BY_PREFIX}{other}")
    }
    pub fn friend(other: UserId) -> String {
        format!("FRIEND#{other}")
    }
    pub fn direct(a: UserId, b: UserId) -> String {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        format!("DIRECT#{lo}#{hi}")
    }
}

pub(super) fn key(pk: String, sk: &str) -> Attrs {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub(super) fn to_item<T: Serialize>(
    pk: String,
    sk: &str,
    body: &T,
    ttl: Option<DateTime<Utc>>,
) -> Result<Attrs, StoreError> {
    serde_dynamo::to_item(Item {
        pk,
        sk: sk.to_owned(),
        body,
        ttl: ttl.map(|t| t.timestamp()),
    })
    .map_err(StoreError::backend)
}

/// One value as a DynamoDB attribute, the way `to_item` writes it.
pub(super) fn attr<T: Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(StoreError::backend)
}

pub(super) fn from_item<T: DeserializeOwned>(item: Attrs) -> Result<T, StoreError> {
    serde_dynamo::from_item::<_, Item<T>>(item)
        .map(|i| i.body)
        .map_err(StoreError::backend)
}
