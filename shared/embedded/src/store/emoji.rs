//! `EmojiStore` over redb: the record by id, the owner's shortcode index
//! and the owner's count change together in one transaction.

use async_trait::async_trait;
use redb::{ReadableTable, Table};

use super::{EMOJI, EMOJI_CODES, EMOJI_COUNT, EmbeddedStore, Json, UPLOADS, get_json, get_json2};
use crate::error::{DbResult, to_json};
use chitter_core::domain::{Emoji, EmojiId, Shortcode, Upload, UploadState, UserId};
use chitter_core::ports::{EmojiStore, EmojiWrite, StoreError};

fn bump(counts: &mut Table<&str, u64>, owner: &str, by: i64) -> DbResult<u64> {
    let now = counts.get(owner)?.map_or(0, |v| v.value());
    let next = now.saturating_add_signed(by);
    counts.insert(owner, next)?;
    Ok(next)
}

fn put(table: &mut Table<&str, Json>, emoji: &Emoji) -> DbResult<()> {
    let id = emoji.emoji_id.to_string();
    table.insert(id.as_str(), to_json(emoji)?.as_slice())?;
    Ok(())
}

#[async_trait]
impl EmojiStore for EmbeddedStore {
    async fn create_emoji(&self, emoji: &Emoji, max: u64) -> Result<EmojiWrite, StoreError> {
        let emoji = emoji.clone();
        self.write(move |tx| {
            let (owner, id) = (emoji.owner.to_string(), emoji.emoji_id.to_string());
            let mut records = tx.open_table(EMOJI)?;
            if records.get(id.as_str())?.is_some() {
                return Ok(EmojiWrite::IdConflict);
            }
            let upload: Option<Upload> = get_json2(
                &tx.open_table(UPLOADS)?,
                &owner,
                &emoji.upload_id().to_string(),
            )?;
            if upload.is_none_or(|u| u.state != UploadState::Ready) {
                return Ok(EmojiWrite::UploadNotReady);
            }
            let mut codes = tx.open_table(EMOJI_CODES)?;
            let code = (owner.as_str(), emoji.shortcode.as_str());
            if codes.get(code)?.is_some() {
                return Ok(EmojiWrite::ShortcodeTaken);
            }
            let mut counts = tx.open_table(EMOJI_COUNT)?;
            if counts.get(owner.as_str())?.map_or(0, |v| v.value()) >= max {
                return Ok(EmojiWrite::Full);
            }
            bump(&mut counts, &owner, 1)?;
            codes.insert(code, id.as_str())?;
            put(&mut records, &emoji)?;
            Ok(EmojiWrite::Done)
        })
        .await
    }

    async fn emoji(&self, id: EmojiId) -> Result<Option<Emoji>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(EMOJI)?, &id.to_string()))
    }

    async fn emoji_by_shortcodes(
        &self,
        owner: UserId,
        codes: &[Shortcode],
    ) -> Result<Vec<Emoji>, StoreError> {
        self.read(|tx| {
            let owner = owner.to_string();
            let (index, records) = (tx.open_table(EMOJI_CODES)?, tx.open_table(EMOJI)?);
            let mut out = Vec::new();
            for code in codes {
                if let Some(id) = index.get((owner.as_str(), code.as_str()))?
                    && let Some(emoji) = get_json(&records, id.value())?
                {
                    out.push(emoji);
                }
            }
            Ok(out)
        })
    }

    async fn emojis(&self, owner: UserId) -> Result<Vec<Emoji>, StoreError> {
        self.read(|tx| {
            let owner = owner.to_string();
            let (index, records) = (tx.open_table(EMOJI_CODES)?, tx.open_table(EMOJI)?);
            let mut out = Vec::new();
            for entry in index.range((owner.as_str(), "")..)? {
                let (k, id) = entry?;
                if k.value().0 != owner {
                    break;
                }
                if let Some(emoji) = get_json(&records, id.value())? {
                    out.push(emoji);
                }
            }
            Ok(out)
        })
    }

    async fn rename_emoji(
        &self,
        owner: UserId,
        id: EmojiId,
        to: &Shortcode,
    ) -> Result<EmojiWrite, StoreError> {
        let to = to.clone();
        self.write(move |tx| {
            let mut records = tx.open_table(EMOJI)?;
            let Some(mut emoji) =
                get_json::<Emoji>(&records, &id.to_string())?.filter(|e| e.owner == owner)
            else {
                return Ok(EmojiWrite::IdConflict);
            };
            if emoji.shortcode == to {
                return Ok(EmojiWrite::Done);
            }
            let owner = owner.to_string();
            let mut codes = tx.open_table(EMOJI_CODES)?;
            if codes.get((owner.as_str(), to.as_str()))?.is_some() {
                return Ok(EmojiWrite::ShortcodeTaken);
            }
            codes.remove((owner.as_str(), emoji.shortcode.as_str()))?;
            let id = id.to_string();
            codes.insert((owner.as_str(), to.as_str()), id.as_str())?;
            emoji.shortcode = to;
            put(&mut records, &emoji)?;
            Ok(EmojiWrite::Done)
        })
        .await
    }

    async fn delete_emoji(&self, owner: UserId, id: EmojiId) -> Result<Option<Emoji>, StoreError> {
        self.write(move |tx| {
            let mut records = tx.open_table(EMOJI)?;
            let key = id.to_string();
            let Some(emoji) = get_json::<Emoji>(&records, &key)?.filter(|e| e.owner == owner)
            else {
                return Ok(None);
            };
            records.remove(key.as_str())?;
            let owner = owner.to_string();
            tx.open_table(EMOJI_CODES)?
                .remove((owner.as_str(), emoji.shortcode.as_str()))?;
            bump(&mut tx.open_table(EMOJI_COUNT)?, &owner, -1)?;
            Ok(Some(emoji))
        })
        .await
    }
}
