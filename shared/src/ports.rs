//! Ports: the narrow capabilities the use cases need from the outside world.
//! Embedded adapters (redb, the local gateway) and AWS adapters (DynamoDB,
//! Kinesis, API Gateway, S3) implement the same traits and pass the same
//! conformance tests.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, FriendLink, Handle, Member, Seq,
    StoredMessage, StreamMessage, Title, UserId, UserProfile, UserRecord,
};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional create found the key taken.
    #[error("item already exists")]
    AlreadyExists,
    /// The backend failed; the operation may be retried.
    #[error("store backend failed")]
    Backend(#[source] BoxError),
}

impl StoreError {
    pub fn backend(e: impl Into<BoxError>) -> Self {
        StoreError::Backend(e.into())
    }
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates the account, or `AlreadyExists` when the handle is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError>;
    /// Profiles of the ids that exist, in no particular order.
    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError>;
}

/// Kinds of bearer secrets kept by digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Refresh,
    /// The one-time connect ticket.
    Ticket,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Refresh => "refresh",
            TokenKind::Ticket => "ticket",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
}

/// Secrets are never stored: only their SHA-256 digest, in hex.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError>;
    /// Removes the token and returns its grant; a second take finds nothing,
    /// which is what makes tickets and refresh tokens single-use.
    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceChange {
    CameOnline,
    WentOffline,
    Unchanged,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Registers a connection; `CameOnline` when it is the user's first.
    async fn add_connection(&self, c: &ConnectionRecord) -> Result<PresenceChange, StoreError>;
    /// Removes a connection; `WentOffline` when it was the user's last.
    async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(ConnectionRecord, PresenceChange)>, StoreError>;
    async fn connection(&self, id: &ConnectionId) -> Result<Option<ConnectionRecord>, StoreError>;
    /// Every open connection of these users.
    async fn connections_of(&self, users: &[UserId]) -> Result<Vec<ConnectionRecord>, StoreError>;
    /// How many of these users have at least one connection.
    async fn count_online(&self, users: &[UserId]) -> Result<u32, StoreError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    Added,
    AlreadyMember,
    /// The conversation holds its maximum number of members.
    Full,
    NoSuchConversation,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn create_conversation(
        &self,
        c: &Conversation,
        members: &[Member],
    ) -> Result<(), StoreError>;
    /// The one direct conversation of a pair: finds it, or creates `c` with
    /// both members. Returns it and whether it was created.
    async fn find_or_create_direct(
        &self,
        c: &Conversation,
        a: &Member,
        b: &Member,
    ) -> Result<(Conversation, bool), StoreError>;
    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError>;
    async fn member(&self, id: ConversationId, user: UserId) -> Result<Option<Member>, StoreError>;
    async fn members(&self, id: ConversationId) -> Result<Vec<Member>, StoreError>;
    /// The user's conversations, each with the user's own membership.
    async fn conversations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Conversation, Member)>, StoreError>;
    /// Returns false when there is no such conversation.
    async fn set_title(&self, id: ConversationId, title: &Title) -> Result<bool, StoreError>;
    /// Adds a member unless the conversation already holds `limit`.
    async fn add_member(&self, m: &Member, limit: usize) -> Result<AddMember, StoreError>;
    /// Changes an existing member's role; false when not a member.
    async fn set_role(&self, m: &Member) -> Result<bool, StoreError>;
    /// Returns false when the user was not a member.
    async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError>;
    /// Raises the member's read position; false when it did not move forward.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError>;
}

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

#[async_trait]
pub trait FriendStore: Send + Sync {
    async fn friend_link(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<FriendLink>, StoreError>;
    /// Writes both sides of the relationship at once.
    async fn put_friend_link(&self, link: &FriendLink) -> Result<(), StoreError>;
    /// Removes both sides; false when there was nothing.
    async fn remove_friend_link(&self, user: UserId, other: UserId) -> Result<bool, StoreError>;
    async fn friend_links(&self, user: UserId) -> Result<Vec<FriendLink>, StoreError>;
}

#[derive(Debug, thiserror::Error)]
#[error("stream append failed")]
pub struct StreamError(#[source] pub BoxError);

#[async_trait]
pub trait MessageStream: Send + Sync {
    /// Durably appends a record; records with the same partition key are
    /// delivered in append order. Returns the record's sequence number.
    async fn append(&self, partition_key: &str, data: Vec<u8>) -> Result<String, StreamError>;
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The connection is closed or unknown (HTTP 410 from API Gateway).
    #[error("connection is gone")]
    Gone,
    #[error("push failed")]
    Backend(#[source] BoxError),
}

#[async_trait]
pub trait Pusher: Send + Sync {
    async fn push(&self, connection: &ConnectionId, data: &[u8]) -> Result<(), PushError>;
    /// Closes the connection from the server side.
    async fn disconnect(&self, connection: &ConnectionId) -> Result<(), PushError>;
}

/// A key inside the blob bucket, such as `emoji/<user>/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(s: &str) -> Result<Self, crate::domain::DomainError> {
        let ok = !s.is_empty()
            && s.len() <= 512
            && !s.starts_with('/')
            && !s
                .split('/')
                .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(crate::domain::DomainError::invalid(
                "key",
                "must be 1-512 characters of A-Z a-z 0-9 / - _ . with no empty, . or .. segment",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An upload the client performs itself: `method url` with these headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub size: u64,
    pub content_type: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("blob store failed")]
pub struct BlobError(#[source] pub BoxError);

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// A URL that accepts one PUT of `content_type` to `key` until `ttl` ends.
    async fn presign_put(
        &self,
        key: &BlobKey,
        content_type: &str,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;
    /// A URL that serves `key` until `ttl` ends.
    async fn presign_get(
        &self,
        key: &BlobKey,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;
    /// What was uploaded, if anything: used to validate an upload.
    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobInfo>, BlobError>;
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
}

/// Time, injectable so that expiry can be tested without waiting.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
