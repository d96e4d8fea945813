//! `UserStore` on DynamoDB: the handle item and the profile item are
//! written in one transaction, on the condition that the handle is new.

use async_trait::async_trait;

use super::DynamoStore;
use super::items::{HandleBody, from_item, key, keys, to_item};
use super::{cancellation, failed_check};
use chitter_core::domain::{Handle, UserId, UserProfile, UserRecord};
use chitter_core::ports::{StoreError, UserStore};

#[async_trait]
impl UserStore for DynamoStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let items = vec![
            self.put(
                to_item(
                    keys::handle(&user.handle),
                    keys::ONE,
                    &HandleBody {
                        user_id: user.user_id,
                    },
                    None,
                )?,
                Some("attribute_not_exists(pk)"),
            )?,
            self.put(
                to_item(keys::user(user.user_id), keys::PROFILE, user, None)?,
                Some("attribute_not_exists(pk)"),
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.get(keys::user(id), keys::PROFILE).await
    }

    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError> {
        match self
            .get::<HandleBody>(keys::handle(handle), keys::ONE)
            .await?
        {
            Some(h) => self.user(h.user_id).await,
            None => Ok(None),
        }
    }

    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| key(keys::user(*id), keys::PROFILE))
            .collect();
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(|item| from_item::<UserRecord>(item).map(|u| u.profile()))
            .collect()
    }
}
