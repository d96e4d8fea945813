//! Custom emoji: a user's library made from finished emoji uploads, and the
//! resolution of `:shortcode:`s in a message to the sender's emoji.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::{AppError, AppResult};
use super::services::Services;
use super::uploads;
use crate::domain::{
    Caller, Emoji, EmojiId, EmojiRef, MediaType, MessageText, Shortcode, UploadId, UploadKind,
    UploadState, UserId, shortcodes_in,
};
use crate::ports::EmojiWrite;
use crate::protocol::ErrorCode;

/// The most distinct emoji one message may use; more stay text.
pub const MAX_PER_MESSAGE: usize = 20;
/// The most distinct `:name:`s of one message looked up.
pub const MAX_CANDIDATES: usize = 50;

/// An emoji as clients see it, with a short-lived URL of its image.
#[derive(Debug, Clone, Serialize)]
pub struct EmojiView {
    pub emoji_id: EmojiId,
    pub shortcode: Shortcode,
    pub owner: UserId,
    pub content_type: MediaType,
    pub width: u32,
    pub height: u32,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub url_expires_at: DateTime<Utc>,
}

async fn view(svc: &Services, e: Emoji) -> AppResult<EmojiView> {
    let url = uploads::download_url(svc, e.owner, e.upload_id()).await?;
    Ok(EmojiView {
        emoji_id: e.emoji_id,
        shortcode: e.shortcode,
        owner: e.owner,
        content_type: e.content_type,
        width: e.dimensions.width,
        height: e.dimensions.height,
        created_at: e.created_at,
        url: url.url,
        url_expires_at: url.expires_at,
    })
}

fn taken(code: &Shortcode) -> AppError {
    AppError::bad_request(
        ErrorCode::ShortcodeTaken,
        format!("you already have an emoji called :{code}:"),
    )
}

/// Makes an emoji of one of the caller's finished emoji uploads.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    upload_id: UploadId,
    shortcode: Shortcode,
) -> AppResult<EmojiView> {
    let upload = svc
        .uploads
        .upload(caller.user_id, upload_id)
        .await?
        .ok_or(AppError::NotFound("upload"))?;
    if upload.kind != UploadKind::Emoji {
        return Err(AppError::bad_request(
            ErrorCode::InvalidRequest,
            "upload_id must name an upload of kind `emoji`",
        ));
    }
    let (UploadState::Ready, Some(dimensions)) = (upload.state, upload.dimensions) else {
        return Err(AppError::bad_request(
            ErrorCode::UploadIncomplete,
            "finalize the upload first",
        ));
    };
    let emoji = Emoji {
        emoji_id: EmojiId::from_upload(upload_id),
        owner: caller.user_id,
        shortcode,
        content_type: upload.content_type,
        dimensions,
        created_at: svc.clock.now(),
    };
    match svc
        .emoji
        .create_emoji(&emoji, svc.settings.max_emoji)
        .await?
    {
        EmojiWrite::Done => view(svc, emoji).await,
        EmojiWrite::ShortcodeTaken => Err(taken(&emoji.shortcode)),
        EmojiWrite::Full => Err(AppError::bad_request(
            ErrorCode::QuotaExceeded,
            format!(
                "you have {} emoji, the most one library holds; delete some first",
                svc.settings.max_emoji
            ),
        )),
        EmojiWrite::IdConflict => Err(AppError::Conflict("that upload is an emoji already")),
        // Deleted while this was asked.
        EmojiWrite::UploadNotReady => Err(AppError::NotFound("upload")),
    }
}

/// The caller's library, by shortcode.
pub async fn list(svc: &Services, caller: &Caller) -> AppResult<Vec<EmojiView>> {
    let mut out = Vec::new();
    for e in svc.emoji.emojis(caller.user_id).await? {
        out.push(view(svc, e).await?);
    }
    Ok(out)
}

/// Any emoji, for anyone signed in: messages show others' emoji.
pub async fn get(svc: &Services, id: EmojiId) -> AppResult<EmojiView> {
    let e = svc
        .emoji
        .emoji(id)
        .await?
        .ok_or(AppError::NotFound("emoji"))?;
    view(svc, e).await
}

/// Renames one of the caller's emoji. Messages sent before keep showing it
/// where they used the old name.
pub async fn rename(
    svc: &Services,
    caller: &Caller,
    id: EmojiId,
    to: Shortcode,
) -> AppResult<EmojiView> {
    match svc.emoji.rename_emoji(caller.user_id, id, &to).await? {
        EmojiWrite::Done => {}
        EmojiWrite::ShortcodeTaken => return Err(taken(&to)),
        EmojiWrite::IdConflict | EmojiWrite::Full | EmojiWrite::UploadNotReady => {
            return Err(AppError::NotFound("emoji"));
        }
    }
    get(svc, id).await
}

/// Deletes one of the caller's emoji and its image. Messages that used it
/// show its shortcode as text from then on.
pub async fn delete(svc: &Services, caller: &Caller, id: EmojiId) -> AppResult<()> {
    svc.emoji
        .delete_emoji(caller.user_id, id)
        .await?
        .ok_or(AppError::NotFound("emoji"))?;
    uploads::forget(svc, caller.user_id, id.upload()).await
}

/// The sender's emoji that the text's `:shortcode:`s name, at send time.
/// Unknown names stay text.
pub async fn resolve(
    svc: &Services,
    sender: UserId,
    text: &MessageText,
) -> AppResult<Vec<EmojiRef>> {
    let codes = shortcodes_in(text.as_str(), MAX_CANDIDATES);
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let found = svc.emoji.emoji_by_shortcodes(sender, &codes).await?;
    // In the text's order.
    Ok(codes
        .iter()
        .filter_map(|code| {
            found
                .iter()
                .find(|e| &e.shortcode == code)
                .map(|e| EmojiRef {
                    shortcode: e.shortcode.clone(),
                    emoji_id: e.emoji_id,
                })
        })
        .collect())
}
