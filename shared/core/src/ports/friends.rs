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
}
