//! Friendships and friend requests, both sides at once.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{FriendLink, UserId};

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
    /// `user` blocks `other`: recorded on both sides (who I block, who
    /// blocks me), and any friendship or request between them ends, at once.
    async fn block(&self, user: UserId, other: UserId) -> Result<(), StoreError>;
    /// False when there was no such block.
    async fn unblock(&self, user: UserId, other: UserId) -> Result<bool, StoreError>;
    /// Whom `user` blocks.
    async fn blocks(&self, user: UserId) -> Result<Vec<UserId>, StoreError>;
    /// Who blocks `user`.
    async fn blocked_by(&self, user: UserId) -> Result<Vec<UserId>, StoreError>;
    /// Everyone `user` blocks or is blocked by, in one read: usually
    /// nobody, which is what the send path needs to know cheaply.
    async fn block_relations(&self, user: UserId) -> Result<Vec<UserId>, StoreError>;
    /// Whether either of the two blocks the other.
    async fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError>;
}
