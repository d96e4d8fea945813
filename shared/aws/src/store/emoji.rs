//! `EmojiStore` on DynamoDB: an emoji is an item by id (for any reader)
//! and a copy in its owner's partition under its shortcode (unique per
//! owner, for the library and for resolving a message's shortcodes), with
//! a count beside them. Each change writes them in one transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};

use super::items::{from_item, key, keys, to_item};
use super::uploads::{state_name, state_names};
use super::{DynamoStore, build, cancellation, conflicted, failed_check, n, pause, s};
use chitter_core::domain::{Emoji, EmojiId, Shortcode, UploadState, UserId};
use chitter_core::ports::{EmojiStore, EmojiWrite, StoreError};

const ROUNDS: u32 = 8;

impl DynamoStore {
    fn emoji_put(
        &self,
        pk: String,
        sk: &str,
        emoji: &Emoji,
        condition: Option<(
            &str,
            HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
        )>,
    ) -> Result<TransactWriteItem, StoreError> {
        let (condition, values) = match condition {
            Some((c, v)) => (Some(c.to_owned()), (!v.is_empty()).then_some(v)),
            None => (None, None),
        };
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(pk, sk, emoji, None)?))
                .set_condition_expression(condition)
                .set_expression_attribute_values(values)
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn emoji_count(
        &self,
        owner: UserId,
        delta: i64,
        max: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut values = HashMap::from([(":delta".to_owned(), n(delta))]);
        let condition = max.map(|max| {
            values.insert(":max".to_owned(), n(max));
            "attribute_not_exists(#count) OR #count < :max".to_owned()
        });
        let update = build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::user(owner), keys::EMOJI_COUNT)))
                .update_expression("ADD #count :delta")
                .set_condition_expression(condition)
                .expression_attribute_names("#count", "count")
                .set_expression_attribute_values(Some(values))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A check that the emoji's upload is a ready upload of its owner's.
    fn upload_ready(&self, emoji: &Emoji) -> Result<TransactWriteItem, StoreError> {
        let check = build(
            ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key(
                    keys::user(emoji.owner),
                    &keys::upload(emoji.upload_id()),
                )))
                .condition_expression("#state = :ready")
                .set_expression_attribute_names(Some(state_names()))
                .expression_attribute_values(":ready", s(state_name(UploadState::Ready)))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The owner's emoji `id`, if it is theirs.
    async fn own_emoji(&self, owner: UserId, id: EmojiId) -> Result<Option<Emoji>, StoreError> {
        Ok(self.emoji(id).await?.filter(|e| e.owner == owner))
    }
}

fn absent() -> Option<(
    &'static str,
    HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
)> {
    Some(("attribute_not_exists(pk)", HashMap::new()))
}

#[async_trait]
impl EmojiStore for DynamoStore {
    async fn create_emoji(&self, emoji: &Emoji, max: u64) -> Result<EmojiWrite, StoreError> {
        for attempt in 0..ROUNDS {
            let items = vec![
                self.emoji_put(keys::emoji(emoji.emoji_id), keys::ONE, emoji, absent())?,
                self.emoji_put(
                    keys::user(emoji.owner),
                    &keys::emoji_code(&emoji.shortcode),
                    emoji,
                    absent(),
                )?,
                self.emoji_count(emoji.owner, 1, Some(max))?,
                self.upload_ready(emoji)?,
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(EmojiWrite::Done),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) => return Ok(EmojiWrite::IdConflict),
                    Some(r) if failed_check(&r, 1) => return Ok(EmojiWrite::ShortcodeTaken),
                    Some(r) if failed_check(&r, 2) => return Ok(EmojiWrite::Full),
                    Some(r) if failed_check(&r, 3) => return Ok(EmojiWrite::UploadNotReady),
                    Some(r) if conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("emoji create kept conflicting"))
    }

    async fn emoji(&self, id: EmojiId) -> Result<Option<Emoji>, StoreError> {
        self.get(keys::emoji(id), keys::ONE).await
    }

    async fn emoji_by_shortcodes(
        &self,
        owner: UserId,
        codes: &[Shortcode],
    ) -> Result<Vec<Emoji>, StoreError> {
        let keys = codes
            .iter()
            .map(|c| key(keys::user(owner), &keys::emoji_code(c)))
            .collect();
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn emojis(&self, owner: UserId) -> Result<Vec<Emoji>, StoreError> {
        self.query_prefix(keys::user(owner), keys::EMOJI_CODE_PREFIX)
            .await
    }

    async fn rename_emoji(
        &self,
        owner: UserId,
        id: EmojiId,
        to: &Shortcode,
    ) -> Result<EmojiWrite, StoreError> {
        for attempt in 0..ROUNDS {
            let Some(old) = self.own_emoji(owner, id).await? else {
                return Ok(EmojiWrite::IdConflict);
            };
            if &old.shortcode == to {
                return Ok(EmojiWrite::Done);
            }
            let renamed = Emoji {
                shortcode: to.clone(),
                ..old.clone()
            };
            let delete_old = self.delete(
                key(keys::user(owner), &keys::emoji_code(&old.shortcode)),
                Some("attribute_exists(pk)"),
            )?;
            let same = HashMap::from([(":old".to_owned(), s(old.shortcode.as_str()))]);
            let items = vec![
                delete_old,
                self.emoji_put(keys::user(owner), &keys::emoji_code(to), &renamed, absent())?,
                self.emoji_put(
                    keys::emoji(id),
                    keys::ONE,
                    &renamed,
                    Some(("shortcode = :old", same)),
                )?,
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(EmojiWrite::Done),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 1) => return Ok(EmojiWrite::ShortcodeTaken),
                    // Renamed or deleted meanwhile: read again.
                    Some(r) if failed_check(&r, 0) || failed_check(&r, 2) || conflicted(&r) => {
                        pause(attempt).await
                    }
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("emoji rename kept conflicting"))
    }

    async fn delete_emoji(&self, owner: UserId, id: EmojiId) -> Result<Option<Emoji>, StoreError> {
        for attempt in 0..ROUNDS {
            let Some(emoji) = self.own_emoji(owner, id).await? else {
                return Ok(None);
            };
            let same = HashMap::from([(":code".to_owned(), s(emoji.shortcode.as_str()))]);
            let by_id = build(
                aws_sdk_dynamodb::types::Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::emoji(id), keys::ONE)))
                    .condition_expression("shortcode = :code")
                    .set_expression_attribute_values(Some(same))
                    .build(),
            )?;
            let items = vec![
                TransactWriteItem::builder().delete(by_id).build(),
                self.delete(
                    key(keys::user(owner), &keys::emoji_code(&emoji.shortcode)),
                    None,
                )?,
                self.emoji_count(owner, -1, None)?,
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(Some(emoji)),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) || conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("emoji delete kept conflicting"))
    }
}
