//! `FriendStore` on DynamoDB: one item per side of a relationship, both
//! written in one transaction.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::items::{UserRef, key, keys, to_item};
use super::{DynamoStore, cancellation, failed_check};
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

    async fn block(&self, user: UserId, other: UserId) -> Result<(), StoreError> {
        let items = vec![
            self.put(
                to_item(
                    keys::user(user),
                    &keys::block(other),
                    &UserRef { user_id: other },
                    None,
                )?,
                None,
            )?,
            self.put(
                to_item(
                    keys::user(other),
                    &keys::blocked_by(user),
                    &UserRef { user_id: user },
                    None,
                )?,
                None,
            )?,
            self.delete(key(keys::user(user), &keys::friend(other)), None)?,
            self.delete(key(keys::user(other), &keys::friend(user)), None)?,
        ];
        self.transact(items).await.map_err(StoreError::backend)
    }

    async fn unblock(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        let items = vec![
            self.delete(
                key(keys::user(user), &keys::block(other)),
                Some("attribute_exists(pk)"),
            )?,
            self.delete(key(keys::user(other), &keys::blocked_by(user)), None)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => Ok(false),
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn blocks(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        let items: Vec<UserRef> = self
            .query_prefix(keys::user(user), keys::BLOCK_PREFIX)
            .await?;
        Ok(items.into_iter().map(|b| b.user_id).collect())
    }

    async fn blocked_by(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        let items: Vec<UserRef> = self
            .query_prefix(keys::user(user), keys::BLOCKED_BY_PREFIX)
            .await?;
        Ok(items.into_iter().map(|b| b.user_id).collect())
    }

    async fn block_relations(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        // `BLOCK#` and `BLOCKEDBY#` share the prefix `BLOCK`.
        let items: Vec<UserRef> = self.query_prefix(keys::user(user), "BLOCK").await?;
        Ok(items.into_iter().map(|b| b.user_id).collect())
    }

    async fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        let found = self
            .batch_get(vec![
                key(keys::user(a), &keys::block(b)),
                key(keys::user(b), &keys::block(a)),
            ])
            .await?;
        Ok(!found.is_empty())
    }
}
