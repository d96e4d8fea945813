//! `UploadStore` over redb: a finalize and its use of the quota commit in
//! one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::ReadableTable;

use super::{EMOJI, EmbeddedStore, UPLOAD_USAGE, UPLOADS, get_json2};
use crate::error::{from_json, to_json};
use chitter_core::domain::{Upload, UploadId, UploadState, UserId};
use chitter_core::ports::{Deleted, Finalized, StoreError, UploadStore};

#[async_trait]
impl UploadStore for EmbeddedStore {
    async fn create_upload(&self, upload: &Upload) -> Result<(), StoreError> {
        let (owner, id, value) = (
            upload.owner.to_string(),
            upload.upload_id.to_string(),
            to_json(upload)?,
        );
        self.write(move |tx| {
            let mut uploads = tx.open_table(UPLOADS)?;
            if uploads.get((owner.as_str(), id.as_str()))?.is_some() {
                return Err(StoreError::AlreadyExists.into());
            }
            uploads.insert((owner.as_str(), id.as_str()), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn upload(&self, owner: UserId, id: UploadId) -> Result<Option<Upload>, StoreError> {
        self.read(|tx| {
            get_json2(
                &tx.open_table(UPLOADS)?,
                &owner.to_string(),
                &id.to_string(),
            )
        })
    }

    async fn finalize_upload(
        &self,
        ready: &Upload,
        quota_bytes: u64,
    ) -> Result<Finalized, StoreError> {
        let (owner, id, size, value) = (
            ready.owner.to_string(),
            ready.upload_id.to_string(),
            ready.size,
            to_json(ready)?,
        );
        self.write(move |tx| {
            let mut uploads = tx.open_table(UPLOADS)?;
            let current: Option<Upload> = get_json2(&uploads, &owner, &id)?;
            if current.is_none_or(|u| u.state != UploadState::Pending) {
                return Ok(Finalized::NotPending);
            }
            let mut usage = tx.open_table(UPLOAD_USAGE)?;
            let used = usage.get(owner.as_str())?.map_or(0, |v| v.value());
            if used.saturating_add(size) > quota_bytes {
                return Ok(Finalized::OverQuota);
            }
            usage.insert(owner.as_str(), used + size)?;
            uploads.insert((owner.as_str(), id.as_str()), value.as_slice())?;
            Ok(Finalized::Done)
        })
        .await
    }

    async fn delete_upload(&self, owner: UserId, id: UploadId) -> Result<Deleted, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.write(move |tx| {
            // An emoji's id is its upload's.
            if tx.open_table(EMOJI)?.get(id.as_str())?.is_some() {
                return Ok(Deleted::InUse);
            }
            let mut uploads = tx.open_table(UPLOADS)?;
            let Some(removed) = uploads.remove((owner.as_str(), id.as_str()))? else {
                return Ok(Deleted::Missing);
            };
            let upload: Upload = from_json(removed.value())?;
            drop(removed);
            if upload.state == UploadState::Ready {
                let mut usage = tx.open_table(UPLOAD_USAGE)?;
                let used = usage.get(owner.as_str())?.map_or(0, |v| v.value());
                usage.insert(owner.as_str(), used.saturating_sub(upload.size))?;
            }
            Ok(Deleted::Removed(upload))
        })
        .await
    }

    async fn uploads(&self, owner: UserId) -> Result<Vec<Upload>, StoreError> {
        self.read(|tx| {
            let owner = owner.to_string();
            let uploads = tx.open_table(UPLOADS)?;
            let mut out = Vec::new();
            for entry in uploads.range((owner.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != owner {
                    break;
                }
                out.push(from_json(v.value())?);
            }
            Ok(out)
        })
    }

    async fn bytes_used(&self, owner: UserId) -> Result<u64, StoreError> {
        self.read(|tx| {
            Ok(tx
                .open_table(UPLOAD_USAGE)?
                .get(owner.to_string().as_str())?
                .map_or(0, |v| v.value()))
        })
    }
}

impl EmbeddedStore {
    /// Pending uploads past their time, which DynamoDB's TTL would delete
    /// in production. A sweep, not a request path: it reads every upload.
    pub fn expired_uploads(&self, now: DateTime<Utc>) -> Result<Vec<Upload>, StoreError> {
        self.read(|tx| {
            let mut out = Vec::new();
            for entry in tx.open_table(UPLOADS)?.iter()? {
                let (_, v) = entry?;
                let upload: Upload = from_json(v.value())?;
                if upload.state == UploadState::Pending && upload.expires_at <= now {
                    out.push(upload);
                }
            }
            Ok(out)
        })
    }
}
