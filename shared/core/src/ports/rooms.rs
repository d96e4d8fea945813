//! Public rooms: the directory people browse, and the connections
//! subscribed to each room, which are whom a room's fan-out reaches.
//! Membership itself lives in the `ConversationStore` like any other.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::{ConnectionId, ConnectionRecord, Conversation, ConversationId, Member, UserId};

/// A room as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomListing {
    pub room: Conversation,
    pub members: u64,
    /// The online count last announced to the room's members.
    pub online: u32,
}

/// A connection that gets a room's deliveries: one per open connection of
/// each member, kept while both exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomConnection {
    pub connection_id: ConnectionId,
    pub user_id: UserId,
    /// The connection's own expiry: past it, it cannot be open.
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait RoomStore: Send + Sync {
    /// Creates the room with its creator as first member and lists it.
    async fn create_room(&self, room: &Conversation, creator: &Member) -> Result<(), StoreError>;
    /// The room with its counts; none when there is no such room.
    async fn room(&self, id: ConversationId) -> Result<Option<RoomListing>, StoreError>;
    /// A page of the directory, newest first, after `after` (a room id).
    async fn rooms(
        &self,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<RoomListing>, StoreError>;
    /// The rooms the user is a member of.
    async fn rooms_of(&self, user: UserId) -> Result<Vec<ConversationId>, StoreError>;
    /// Subscribes an open connection to a room it may read: only while the
    /// connection is registered and its user is a member (false, nothing
    /// written, otherwise). The subscription is indexed under the
    /// connection too, so a disconnect finds it whatever the membership
    /// has become meanwhile.
    async fn subscribe(
        &self,
        room: ConversationId,
        c: &ConnectionRecord,
    ) -> Result<bool, StoreError>;
    /// Removes the subscription and its index entry (none: no-op).
    async fn unsubscribe(
        &self,
        room: ConversationId,
        connection: &ConnectionId,
    ) -> Result<(), StoreError>;
    /// The rooms a connection is subscribed to.
    async fn subscriptions_of(
        &self,
        connection: &ConnectionId,
    ) -> Result<Vec<ConversationId>, StoreError>;
    /// The room's subscribed connections that may still be open at `now`,
    /// of users who are still members: a subscription left behind by a
    /// leave that failed half-way never delivers to a non-member.
    async fn subscribers(
        &self,
        room: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoomConnection>, StoreError>;
    /// Records the online count announced at `at`; an older count never
    /// replaces a newer one.
    async fn set_online(
        &self,
        room: ConversationId,
        online: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
