//! `UploadStore` on DynamoDB: an upload is an item in its owner's
//! partition (pending ones carry a TTL, so DynamoDB forgets them), and the
//! owner's use is a counter item beside it. A finalize writes both in one
//! transaction, on the conditions that the upload is still pending and the
//! counter stays within the quota.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::items::{key, keys, to_item};
use super::{DynamoStore, build, cancellation, conflicted, failed_check, n, pause, s};
use chitter_core::domain::{EmojiId, Upload, UploadId, UploadState, UserId};
use chitter_core::ports::{Deleted, Finalized, StoreError, UploadStore};

#[derive(Serialize, Deserialize)]
struct UsageBody {
    #[serde(default)]
    bytes: u64,
}

pub(super) fn state_name(state: UploadState) -> &'static str {
    match state {
        UploadState::Pending => "pending",
        UploadState::Ready => "ready",
    }
}

/// `state` is a reserved word in expressions.
pub(super) fn state_names() -> HashMap<String, String> {
    HashMap::from([("#state".to_owned(), "state".to_owned())])
}

impl DynamoStore {
    fn usage_update(
        &self,
        owner: UserId,
        delta: i128,
        room: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut values = HashMap::from([(":delta".to_owned(), n(delta))]);
        let condition = room.map(|room| {
            values.insert(":room".to_owned(), n(room));
            "attribute_not_exists(#bytes) OR #bytes <= :room".to_owned()
        });
        let update = build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::user(owner), keys::UPLOAD_USAGE)))
                .update_expression("ADD #bytes :delta")
                .set_condition_expression(condition)
                .expression_attribute_names("#bytes", "bytes")
                .set_expression_attribute_values(Some(values))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

#[async_trait]
impl UploadStore for DynamoStore {
    async fn create_upload(&self, upload: &Upload) -> Result<(), StoreError> {
        let item = to_item(
            keys::user(upload.owner),
            &keys::upload(upload.upload_id),
            upload,
            Some(upload.expires_at),
        )?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn upload(&self, owner: UserId, id: UploadId) -> Result<Option<Upload>, StoreError> {
        self.get(keys::user(owner), &keys::upload(id)).await
    }

    async fn finalize_upload(
        &self,
        ready: &Upload,
        quota_bytes: u64,
    ) -> Result<Finalized, StoreError> {
        let Some(room) = quota_bytes.checked_sub(ready.size) else {
            return Ok(Finalized::OverQuota);
        };
        // Ready uploads carry no TTL: DynamoDB keeps them.
        let item = to_item(
            keys::user(ready.owner),
            &keys::upload(ready.upload_id),
            ready,
            None,
        )?;
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("#state = :pending")
                .set_expression_attribute_names(Some(state_names()))
                .expression_attribute_values(":pending", s(state_name(UploadState::Pending)))
                .build(),
        )?;
        for attempt in 0.. {
            let items = vec![
                TransactWriteItem::builder().put(put.clone()).build(),
                self.usage_update(ready.owner, i128::from(ready.size), Some(room))?,
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(Finalized::Done),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) => return Ok(Finalized::NotPending),
                    Some(r) if failed_check(&r, 1) => return Ok(Finalized::OverQuota),
                    Some(r) if conflicted(&r) && attempt < 8 => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("finalize kept conflicting"))
    }

    async fn delete_upload(&self, owner: UserId, id: UploadId) -> Result<Deleted, StoreError> {
        for attempt in 0..8 {
            let Some(upload) = self.upload(owner, id).await? else {
                return Ok(Deleted::Missing);
            };
            // Only the state that was read: a finalize in between changes
            // what the counter must give back.
            let delete = build(
                Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::user(owner), &keys::upload(id))))
                    .condition_expression("#state = :state")
                    .set_expression_attribute_names(Some(state_names()))
                    .expression_attribute_values(":state", s(state_name(upload.state)))
                    .build(),
            )?;
            // No emoji is made of it (an emoji's id is its upload's).
            let no_emoji = build(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::emoji(EmojiId::from_upload(id)), keys::ONE)))
                    .condition_expression("attribute_not_exists(pk)")
                    .build(),
            )?;
            let mut items = vec![
                TransactWriteItem::builder().delete(delete).build(),
                TransactWriteItem::builder()
                    .condition_check(no_emoji)
                    .build(),
            ];
            if upload.state == UploadState::Ready {
                items.push(self.usage_update(owner, -i128::from(upload.size), None)?);
            }
            match self.transact(items).await {
                Ok(()) => return Ok(Deleted::Removed(upload)),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 1) => return Ok(Deleted::InUse),
                    Some(r) if failed_check(&r, 0) || conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("delete kept conflicting"))
    }

    async fn uploads(&self, owner: UserId) -> Result<Vec<Upload>, StoreError> {
        self.query_prefix(keys::user(owner), keys::UPLOAD_PREFIX)
            .await
    }

    async fn bytes_used(&self, owner: UserId) -> Result<u64, StoreError> {
        Ok(self
            .get::<UsageBody>(keys::user(owner), keys::UPLOAD_USAGE)
            .await?
            .map_or(0, |u| u.bytes))
    }
}
