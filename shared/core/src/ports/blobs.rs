//! Blob storage reached through presigned URLs (S3).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::BoxError;
use crate::domain::DomainError;

/// A key inside the blob bucket, such as `media/<user>/<upload>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = !s.is_empty()
            && s.len() <= 512
            && !s.starts_with('/')
            && !s
                .split('/')
                .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "key",
                "must be 1-512 characters of A-Z a-z 0-9 / - _ . with no empty, . or .. segment",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An upload the client performs itself: `method url` with these headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub size: u64,
    pub content_type: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("blob store failed")]
pub struct BlobError(#[source] pub BoxError);

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// A URL that accepts one PUT of exactly `content_length` bytes of
    /// `content_type` to `key` until `ttl` ends, and only while `key` does
    /// not exist: the type, the length and `If-None-Match: *` are signed.
    /// `headers` lists what the client must send besides the length.
    async fn presign_put(
        &self,
        key: &BlobKey,
        content_type: &str,
        content_length: u64,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;
    /// A URL that serves `key` until `ttl` ends.
    async fn presign_get(
        &self,
        key: &BlobKey,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;
    /// `presign_get` that also makes the response carry this
    /// `Content-Disposition` (a file's name; inline or saved).
    async fn presign_download(
        &self,
        key: &BlobKey,
        ttl: Duration,
        content_disposition: &str,
    ) -> Result<PresignedRequest, BlobError>;
    /// What was uploaded, if anything: used to validate an upload.
    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobInfo>, BlobError>;
    /// The whole blob, if it exists. Callers check its size with `stat`
    /// first: this reads everything into memory.
    async fn read(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError>;
    /// Stores `body` under `key`, replacing what was there.
    async fn put(&self, key: &BlobKey, content_type: &str, body: Vec<u8>) -> Result<(), BlobError>;
    /// Removes `key`; removing what is not there is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
}
