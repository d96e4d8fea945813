//! Upload records and each user's storage use.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{Upload, UploadId, UserId};

/// How a finalize went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finalized {
    /// The upload is ready and its size counts against the owner's quota.
    Done,
    /// It would take the owner past `quota_bytes`; nothing was written.
    OverQuota,
    /// It is not pending (finalized already, or gone); nothing was written.
    NotPending,
}

/// How deleting an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// This record was removed.
    Removed(Upload),
    /// There was none.
    Missing,
    /// An emoji is made of it: delete the emoji instead.
    InUse,
}

#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Records a pending upload (`AlreadyExists` if the id is taken).
    async fn create_upload(&self, upload: &Upload) -> Result<(), StoreError>;
    async fn upload(&self, owner: UserId, id: UploadId) -> Result<Option<Upload>, StoreError>;
    /// Replaces a pending upload with its ready version and adds its size to
    /// the owner's use, in one step, unless that use would pass
    /// `quota_bytes`.
    async fn finalize_upload(
        &self,
        ready: &Upload,
        quota_bytes: u64,
    ) -> Result<Finalized, StoreError>;
    /// Removes an upload and, if it was ready, takes its size off the
    /// owner's use, unless an emoji is made of it.
    async fn delete_upload(&self, owner: UserId, id: UploadId) -> Result<Deleted, StoreError>;
    /// The owner's uploads, oldest first.
    async fn uploads(&self, owner: UserId) -> Result<Vec<Upload>, StoreError>;
    /// Bytes of ready uploads the owner keeps.
    async fn bytes_used(&self, owner: UserId) -> Result<u64, StoreError>;
}
