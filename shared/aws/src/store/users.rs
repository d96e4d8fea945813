//! `UserStore` on DynamoDB: the handle item and the profile item are
//! written in one transaction, on the condition that the handle is new,
//! with the handle's entry in the `USERS` directory that prefix search reads.

use std::collections::HashMap;

use async_trait::async_trait;

use super::DynamoStore;
use super::items::{HandleBody, from_item, key, keys, to_item};
use super::{cancellation, failed_check, s};
use aws_sdk_dynamodb::types::TransactWriteItem;
use chitter_core::domain::{ExternalIdentity, Handle, UserId, UserProfile, UserRecord};
use chitter_core::ports::{NewIdentity, StoreError, UserStore};

impl DynamoStore {
    /// The handle claim (conditional), the profile (conditional) and the
    /// directory entry: the writes that make an account.
    fn account_items(&self, user: &UserRecord) -> Result<Vec<TransactWriteItem>, StoreError> {
        Ok(vec![
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
            // The directory entry that prefix search reads.
            self.put(
                to_item(
                    keys::USERS.to_owned(),
                    &keys::listed_handle(user.handle.as_str()),
                    &user.profile(),
                    None,
                )?,
                None,
            )?,
        ])
    }
}

#[async_trait]
impl UserStore for DynamoStore {
    async fn create_user_with_identity(
        &self,
        user: &UserRecord,
        identity: &ExternalIdentity,
    ) -> Result<NewIdentity, StoreError> {
        let mut items = self.account_items(user)?;
        let link = to_item(
            keys::identity(identity.as_str()),
            keys::ONE,
            &HandleBody {
                user_id: user.user_id,
            },
            None,
        )?;
        items.push(self.put(link, Some("attribute_not_exists(pk)"))?);
        let last = items.len() - 1;
        match self.transact(items).await {
            Ok(()) => Ok(NewIdentity::Created),
            Err(e) => match cancellation(&e) {
                Some(r) if failed_check(&r, last) => Ok(NewIdentity::IdentityTaken),
                Some(r) if failed_check(&r, 0) => Ok(NewIdentity::HandleTaken),
                _ => Err(StoreError::backend(e)),
            },
        }
    }

    async fn user_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<UserRecord>, StoreError> {
        let Some(link) = self
            .get::<HandleBody>(keys::identity(identity.as_str()), keys::ONE)
            .await?
        else {
            return Ok(None);
        };
        self.user(link.user_id).await
    }

    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let items = self.account_items(user)?;
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn search_handles(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserProfile>, StoreError> {
        // Handles are `a-z 0-9 _`: "!" sorts before all of them and "~"
        // after, so the range is exactly the handles after `after` that
        // start with `prefix`.
        let lo = match after.filter(|a| *a >= prefix) {
            Some(a) => keys::listed_handle(&format!("{a}!")),
            None => keys::listed_handle(prefix),
        };
        self.query(
            "pk = :pk AND sk BETWEEN :lo AND :hi",
            HashMap::from([
                (":pk".to_owned(), s(keys::USERS)),
                (":lo".to_owned(), s(lo)),
                (
                    ":hi".to_owned(),
                    s(keys::listed_handle(&format!("{prefix}~"))),
                ),
            ]),
            true,
            limit,
        )
        .await
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
