//! `FriendStore` on DynamoDB: one item per side of a relationship, both
//! written in one transaction.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::DynamoStore;
use super::items::{key, keys, to_item};
use chitter_core::domain::{FriendLink, UserId};
use chitter_core::ports::{FriendStore, StoreError};

#[async_trait]
impl FriendStore for DynamoStore {
    async fn friend_link(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<FriendLink>, StoreError> {
        self.get(keys::user(user), &keys::friend(other)).await
    }

    async fn put_friend_link(&self, link: &FriendLink) -> Result<(), StoreError> {
        let mirror = link.mirror();
        let items = vec![
            self.put(
                to_item(
                    keys::user(link.user_id),
                    &keys::friend(link.other_id),
                    link,
                    None,
                )?,
                None,
            )?,
            self.put(
                to_item(
                    keys::user(mirror.user_id),
                    &keys::friend(mirror.other_id),
                    &mirror,
                    None,
                )?,
                None,
            )?,
        ];
        self.transact(items).await.map_err(StoreError::backend)
    }

    async fn remove_friend_link(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        let mut existed = false;
        for (a, b) in [(user, other), (other, user)] {
            let out = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(keys::user(a), &keys::friend(b))))
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map_err(StoreError::backend)?;
            existed |= out.attributes.is_some_and(|a| !a.is_empty());
        }
        Ok(existed)
    }

    async fn friend_links(&self, user: UserId) -> Result<Vec<FriendLink>, StoreError> {
        self.query_prefix(keys::user(user), "FRIEND#").await
    }
}
