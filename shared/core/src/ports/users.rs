//! Accounts: who exists, by id and by handle.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{Handle, UserId, UserProfile, UserRecord};

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates the account, or `AlreadyExists` when the handle is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;
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
