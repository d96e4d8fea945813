//! `UserStore` over redb: the handle index and the user records change in
//! one transaction, so a handle is taken once.

use async_trait::async_trait;
use redb::ReadableTable;

use redb::WriteTransaction;

use super::{EmbeddedStore, HANDLES, IDENTITIES, USERS, get_json};
use crate::error::{DbResult, to_json};
use chitter_core::domain::{ExternalIdentity, Handle, UserId, UserProfile, UserRecord};
use chitter_core::ports::{NewIdentity, StoreError, UserStore};

/// Claims the handle and writes the user; false if the handle is taken.
fn insert_user(tx: &WriteTransaction, user: &UserRecord) -> DbResult<bool> {
    let mut handles = tx.open_table(HANDLES)?;
    let id = user.user_id.to_string();
    if handles.get(user.handle.as_str())?.is_some() {
        return Ok(false);
    }
    handles.insert(user.handle.as_str(), id.as_str())?;
    tx.open_table(USERS)?
        .insert(id.as_str(), to_json(user)?.as_slice())?;
    Ok(true)
}

#[async_trait]
impl UserStore for EmbeddedStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let user = user.clone();
        self.write(move |tx| {
            if insert_user(tx, &user)? {
                Ok(())
            } else {
                Err(StoreError::AlreadyExists.into())
            }
        })
        .await
    }

    async fn create_user_with_identity(
        &self,
        user: &UserRecord,
        identity: &ExternalIdentity,
    ) -> Result<NewIdentity, StoreError> {
        let (user, identity) = (user.clone(), identity.clone());
        self.write(move |tx| {
            let mut identities = tx.open_table(IDENTITIES)?;
            if identities.get(identity.as_str())?.is_some() {
                return Ok(NewIdentity::IdentityTaken);
            }
            if !insert_user(tx, &user)? {
                return Ok(NewIdentity::HandleTaken);
            }
            identities.insert(identity.as_str(), user.user_id.to_string().as_str())?;
            Ok(NewIdentity::Created)
        })
        .await
    }

    async fn user_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.read(|tx| {
            let Some(id) = tx.open_table(IDENTITIES)?.get(identity.as_str())? else {
                return Ok(None);
            };
            get_json(&tx.open_table(USERS)?, id.value())
        })
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(USERS)?, &id.to_string()))
    }

    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError> {
        self.read(|tx| {
            let Some(id) = tx.open_table(HANDLES)?.get(handle.as_str())? else {
                return Ok(None);
            };
            get_json(&tx.open_table(USERS)?, id.value())
        })
    }

    async fn search_handles(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserProfile>, StoreError> {
        self.read(|tx| {
            let handles = tx.open_table(HANDLES)?;
            let users = tx.open_table(USERS)?;
            let start = after.filter(|a| *a >= prefix).unwrap_or(prefix);
            let mut out = Vec::new();
            for entry in handles.range(start..)? {
                let (handle, id) = entry?;
                if !handle.value().starts_with(prefix) || out.len() >= limit {
                    break;
                }
                if after.is_some_and(|a| handle.value() <= a) {
                    continue;
                }
                if let Some(u) = get_json::<UserRecord>(&users, id.value())? {
                    out.push(u.profile());
                }
            }
            Ok(out)
        })
    }

    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError> {
        self.read(|tx| {
            let users = tx.open_table(USERS)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(u) = get_json::<UserRecord>(&users, &id.to_string())? {
                    out.push(u.profile());
                }
            }
            Ok(out)
        })
    }
}
