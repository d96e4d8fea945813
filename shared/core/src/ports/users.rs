//! Accounts: who exists, by id and by handle.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{ExternalIdentity, Handle, UserId, UserProfile, UserRecord};

/// How creating an account for an outside identity went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewIdentity {
    Created,
    HandleTaken,
    /// Another sign-in of the same identity created its account first.
    IdentityTaken,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates the account, or `AlreadyExists` when the handle is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    /// Creates the account and links the identity to it, both or neither.
    async fn create_user_with_identity(
        &self,
        user: &UserRecord,
        identity: &ExternalIdentity,
    ) -> Result<NewIdentity, StoreError>;
    /// The account an outside identity is linked to.
    async fn user_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<UserRecord>, StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError>;
    /// Profiles of the ids that exist, in no particular order.
    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError>;
    /// Users whose handle starts with `prefix`, in handle order, after the
    /// handle `after` when given.
    async fn search_handles(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserProfile>, StoreError>;
}
