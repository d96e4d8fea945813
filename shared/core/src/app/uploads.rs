//! Uploads through presigned URLs. `create` records a pending upload and
//! signs a PUT for exactly the declared type and size; the client sends the
//! file straight to S3; `finalize` reads what arrived and keeps it only if
//! its bytes are an allowed type within the kind's size and dimensions and
//! the owner's quota. Pending files live under `incoming/` (which S3's
//! lifecycle rule empties), kept ones under `media/`, written by us with
//! the type found in their bytes, so a file is never served as anything
//! but what its bytes are.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::{AppError, AppResult};
use super::limits;
use super::services::Services;
use crate::domain::{
    Caller, Dimensions, MediaType, Upload, UploadId, UploadKind, UploadState, UserId,
};
use crate::ports::{BlobKey, Deleted, Finalized, Metric, PresignedRequest};
use crate::protocol::ErrorCode;

/// Uploads one user may have started and not yet finalized.
pub const MAX_PENDING: usize = 20;
/// Uploads one user may keep, whatever their sizes.
pub const MAX_UPLOADS: usize = 1000;

/// Where the client's PUT lands.
pub fn incoming_key(owner: UserId, id: UploadId) -> AppResult<BlobKey> {
    Ok(BlobKey::parse(&format!("incoming/{owner}/{id}"))?)
}

/// Where a checked upload is kept.
pub fn media_key(owner: UserId, id: UploadId) -> AppResult<BlobKey> {
    Ok(BlobKey::parse(&format!("media/{owner}/{id}"))?)
}

/// A new upload and where to send it.
#[derive(Debug, Clone, Serialize)]
pub struct UploadTicket {
    pub upload_id: UploadId,
    pub kind: UploadKind,
    /// The request the client makes: method, URL and the headers it must
    /// send as they are (the content type is signed; so is the length).
    pub upload: PresignedRequest,
    /// Finalize before this, or the upload is forgotten.
    pub finalize_by: DateTime<Utc>,
}

/// An upload as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct UploadView {
    pub upload_id: UploadId,
    pub kind: UploadKind,
    pub content_type: MediaType,
    pub size: u64,
    pub state: UploadState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    pub created_at: DateTime<Utc>,
    /// A short-lived download URL (ready uploads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_expires_at: Option<DateTime<Utc>>,
}

/// A user's uploads and how much of the quota they use.
#[derive(Debug, Clone, Serialize)]
pub struct UploadList {
    pub uploads: Vec<UploadView>,
    pub bytes_used: u64,
    pub quota_bytes: u64,
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::bad_request(code, message)
}

fn type_not_allowed(kind: UploadKind, t: Option<MediaType>) -> AppError {
    let allowed: Vec<&str> = MediaType::ALL
        .into_iter()
        .filter(|t| kind.accepts(*t))
        .map(MediaType::mime)
        .collect();
    let what = t.map_or("this file type".to_owned(), |t| t.mime().to_owned());
    refuse(
        ErrorCode::UploadTypeNotAllowed,
        format!(
            "{what} is not allowed for a {}: use {}",
            kind.as_str(),
            allowed.join(", ")
        ),
    )
}

fn too_large(kind: UploadKind) -> AppError {
    refuse(
        ErrorCode::UploadTooLarge,
        format!(
            "a {} may be at most {} bytes",
            kind.as_str(),
            kind.max_bytes()
        ),
    )
}

fn over_quota(svc: &Services) -> AppError {
    refuse(
        ErrorCode::QuotaExceeded,
        format!(
            "your uploads would pass your quota of {} bytes; delete some first",
            svc.settings.upload_quota_bytes
        ),
    )
}

/// Reserves an upload and signs the PUT that sends it.
pub async fn create(
    svc: &Services,
    caller: &Caller,
    kind: UploadKind,
    content_type: &str,
    size: u64,
) -> AppResult<UploadTicket> {
    limits::check(svc, limits::UPLOADS, &caller.user_id.to_string()).await?;
    let declared = MediaType::parse(content_type).map_err(|_| type_not_allowed(kind, None))?;
    if !kind.accepts(declared) {
        return Err(type_not_allowed(kind, Some(declared)));
    }
    if size == 0 {
        return Err(refuse(ErrorCode::InvalidRequest, "size must be at least 1"));
    }
    if size > kind.max_bytes() {
        return Err(too_large(kind));
    }
    let used = svc.uploads.bytes_used(caller.user_id).await?;
    if used.saturating_add(size) > svc.settings.upload_quota_bytes {
        return Err(over_quota(svc));
    }
    let now = svc.clock.now();
    // Bounds what one user can hold in flight and in all, whatever the
    // sizes: the list is one Query, and its pending items expire by TTL.
    let existing = svc.uploads.uploads(caller.user_id).await?;
    let in_flight = existing
        .iter()
        .filter(|u| u.state == UploadState::Pending && u.expires_at > now)
        .count();
    if in_flight >= MAX_PENDING {
        return Err(refuse(
            ErrorCode::QuotaExceeded,
            format!("you have {MAX_PENDING} uploads in progress; finalize them or wait an hour"),
        ));
    }
    if existing.len() >= MAX_UPLOADS {
        return Err(refuse(
            ErrorCode::QuotaExceeded,
            format!("you have {MAX_UPLOADS} uploads, the most one user keeps; delete some first"),
        ));
    }
    let upload = Upload {
        upload_id: UploadId::new(),
        owner: caller.user_id,
        kind,
        content_type: declared,
        size,
        state: UploadState::Pending,
        dimensions: None,
        created_at: now,
        expires_at: now + svc.settings.upload_pending_ttl,
    };
    svc.uploads.create_upload(&upload).await?;
    let key = incoming_key(upload.owner, upload.upload_id)?;
    let request = svc
        .blobs
        .presign_put(&key, declared.mime(), size, svc.settings.upload_url_ttl)
        .await?;
    Ok(UploadTicket {
        upload_id: upload.upload_id,
        kind,
        upload: request,
        finalize_by: upload.expires_at,
    })
}

/// Checks what arrived for a pending upload and keeps it, or deletes it and
/// says why. Finalizing a ready upload again answers the same.
pub async fn finalize(svc: &Services, caller: &Caller, id: UploadId) -> AppResult<UploadView> {
    let upload = own(svc, caller, id).await?;
    if upload.state == UploadState::Ready {
        return view(svc, upload).await;
    }
    let incoming = incoming_key(upload.owner, id)?;
    if upload.expires_at <= svc.clock.now() {
        discard(svc, &upload).await?;
        svc.metrics.count(Metric::UploadsRefused, 1);
        return Err(refuse(
            ErrorCode::UploadExpired,
            "this upload waited too long to be finalized; start a new one",
        ));
    }
    let Some(info) = svc.blobs.stat(&incoming).await? else {
        return Err(refuse(
            ErrorCode::UploadIncomplete,
            "nothing has been uploaded yet: PUT the file to the upload URL first",
        ));
    };
    match checked(&upload, info.size, svc.blobs.read(&incoming).await?) {
        Ok((bytes, content_type, dimensions)) => {
            let ready = Upload {
                content_type,
                size: bytes.len() as u64,
                state: UploadState::Ready,
                dimensions,
                ..upload.clone()
            };
            let media = media_key(upload.owner, id)?;
            svc.blobs.put(&media, content_type.mime(), bytes).await?;
            match svc
                .uploads
                .finalize_upload(&ready, svc.settings.upload_quota_bytes)
                .await?
            {
                Finalized::Done => {
                    // An empty object stays in the file's place, so that the
                    // upload URL (create-only) cannot be used again; the
                    // lifecycle rule removes it.
                    svc.blobs
                        .put(&incoming, "application/octet-stream", Vec::new())
                        .await?;
                    view(svc, ready).await
                }
                Finalized::OverQuota => {
                    discard(svc, &upload).await?;
                    svc.metrics.count(Metric::UploadsRefused, 1);
                    Err(over_quota(svc))
                }
                // Another finalize of the same upload won (its file is the
                // same), or a delete did: then the file just written is
                // nobody's.
                Finalized::NotPending => match svc.uploads.upload(upload.owner, id).await? {
                    Some(current) => view(svc, current).await,
                    None => {
                        svc.blobs.delete(&media).await?;
                        Err(AppError::NotFound("upload"))
                    }
                },
            }
        }
        Err(refusal) => {
            discard(svc, &upload).await?;
            svc.metrics.count(Metric::UploadsRefused, 1);
            Err(refusal)
        }
    }
}

type Checked = (Vec<u8>, MediaType, Option<Dimensions>);

/// What the kind allows, judged from the bytes alone.
fn checked(upload: &Upload, stored_size: u64, bytes: Option<Vec<u8>>) -> AppResult<Checked> {
    let kind = upload.kind;
    if stored_size > kind.max_bytes() {
        return Err(too_large(kind));
    }
    let Some(bytes) = bytes else {
        return Err(refuse(
            ErrorCode::UploadIncomplete,
            "the upload vanished while it was checked; upload it again",
        ));
    };
    if bytes.len() as u64 > kind.max_bytes() {
        return Err(too_large(kind));
    }
    let found = MediaType::sniff(&bytes);
    let content_type = found
        .filter(|t| kind.accepts(*t))
        .ok_or_else(|| type_not_allowed(kind, found))?;
    let dimensions = if content_type.is_image() {
        let d = Dimensions::of(&bytes).ok_or_else(|| {
            refuse(
                ErrorCode::UploadTypeNotAllowed,
                "the image's header cannot be read",
            )
        })?;
        let max = kind.max_side();
        if d.width > max || d.height > max || d.width == 0 || d.height == 0 {
            return Err(refuse(
                ErrorCode::ImageTooLarge,
                format!(
                    "the image is {}x{} pixels; a {} may be at most {max}x{max}",
                    d.width,
                    d.height,
                    kind.as_str()
                ),
            ));
        }
        Some(d)
    } else {
        None
    };
    Ok((bytes, content_type, dimensions))
}

/// Forgets an upload, then deletes its files (an emoji's stays whole).
async fn discard(svc: &Services, upload: &Upload) -> AppResult<()> {
    let removed = svc
        .uploads
        .delete_upload(upload.owner, upload.upload_id)
        .await?;
    if removed == Deleted::InUse {
        return Err(in_use());
    }
    svc.blobs
        .delete(&incoming_key(upload.owner, upload.upload_id)?)
        .await?;
    svc.blobs
        .delete(&media_key(upload.owner, upload.upload_id)?)
        .await?;
    Ok(())
}

fn in_use() -> AppError {
    AppError::Conflict("this upload is an emoji: delete the emoji instead")
}

/// The caller's own upload; anyone else's is not found.
async fn own(svc: &Services, caller: &Caller, id: UploadId) -> AppResult<Upload> {
    svc.uploads
        .upload(caller.user_id, id)
        .await?
        .ok_or(AppError::NotFound("upload"))
}

/// A short-lived download URL for a ready upload's file.
pub async fn download_url(
    svc: &Services,
    owner: UserId,
    id: UploadId,
) -> AppResult<PresignedRequest> {
    Ok(svc
        .blobs
        .presign_get(&media_key(owner, id)?, svc.settings.download_url_ttl)
        .await?)
}

async fn view(svc: &Services, upload: Upload) -> AppResult<UploadView> {
    let url = match upload.state {
        UploadState::Ready => Some(download_url(svc, upload.owner, upload.upload_id).await?),
        UploadState::Pending => None,
    };
    Ok(UploadView {
        upload_id: upload.upload_id,
        kind: upload.kind,
        content_type: upload.content_type,
        size: upload.size,
        state: upload.state,
        width: upload.dimensions.map(|d| d.width),
        height: upload.dimensions.map(|d| d.height),
        created_at: upload.created_at,
        url_expires_at: url.as_ref().map(|u| u.expires_at),
        url: url.map(|u| u.url),
    })
}

pub async fn get(svc: &Services, caller: &Caller, id: UploadId) -> AppResult<UploadView> {
    view(svc, own(svc, caller, id).await?).await
}

/// The caller's uploads, pending ones included, with the quota.
pub async fn list(svc: &Services, caller: &Caller) -> AppResult<UploadList> {
    let mut uploads = Vec::new();
    for upload in svc.uploads.uploads(caller.user_id).await? {
        uploads.push(view(svc, upload).await?);
    }
    Ok(UploadList {
        uploads,
        bytes_used: svc.uploads.bytes_used(caller.user_id).await?,
        quota_bytes: svc.settings.upload_quota_bytes,
    })
}

/// Deletes one of the caller's uploads and its file, freeing its bytes;
/// an emoji's upload goes with the emoji, not by itself, and an image one
/// of the caller's themes shows stays while it does.
pub async fn delete(svc: &Services, caller: &Caller, id: UploadId) -> AppResult<()> {
    let upload = own(svc, caller, id).await?;
    if upload.kind == UploadKind::Background
        && let Some(theme) = svc
            .themes
            .themes(caller.user_id)
            .await?
            .into_iter()
            .find(|t| t.spec.background.uploads().contains(&id))
    {
        return Err(refuse(
            ErrorCode::Conflict,
            format!(
                "your theme \"{}\" shows this image; take it out of the theme first",
                theme.spec.name
            ),
        ));
    }
    discard(svc, &upload).await
}

/// Keeps `bytes`, a copy of `source`'s checked file, as a new ready upload
/// of the caller's, within their quota.
pub(super) async fn adopt(
    svc: &Services,
    caller: &Caller,
    source: &Upload,
    bytes: Vec<u8>,
) -> AppResult<UploadId> {
    let now = svc.clock.now();
    let pending = Upload {
        upload_id: UploadId::new(),
        owner: caller.user_id,
        state: UploadState::Pending,
        size: bytes.len() as u64,
        created_at: now,
        expires_at: now + svc.settings.upload_pending_ttl,
        ..source.clone()
    };
    svc.uploads.create_upload(&pending).await?;
    let media = media_key(caller.user_id, pending.upload_id)?;
    svc.blobs
        .put(&media, source.content_type.mime(), bytes)
        .await?;
    let ready = Upload {
        state: UploadState::Ready,
        ..pending.clone()
    };
    match svc
        .uploads
        .finalize_upload(&ready, svc.settings.upload_quota_bytes)
        .await?
    {
        Finalized::Done => Ok(ready.upload_id),
        Finalized::OverQuota => {
            discard(svc, &pending).await?;
            Err(over_quota(svc))
        }
        Finalized::NotPending => Err(AppError::Internal("a new upload was finalized twice")),
    }
}

/// Deletes an upload and its files, whatever uses it.
pub(super) async fn forget(svc: &Services, owner: UserId, id: UploadId) -> AppResult<()> {
    match svc.uploads.upload(owner, id).await? {
        Some(upload) => discard(svc, &upload).await,
        None => Ok(()),
    }
}

/// Forgets uploads that were never finalized, as DynamoDB's TTL and S3's
/// lifecycle rule do on AWS (chitter-local runs this now and then).
pub async fn sweep(svc: &Services, expired: Vec<Upload>) -> AppResult<usize> {
    let mut n = 0;
    for upload in expired {
        if upload.state == UploadState::Pending {
            discard(svc, &upload).await?;
            n += 1;
        }
    }
    Ok(n)
}
