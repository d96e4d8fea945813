//! Blobs in S3 through presigned URLs: the content type and length of an
//! upload are part of its signature, so S3 itself refuses anything else,
//! and so is `If-None-Match: *`, so a URL cannot replace what it uploaded.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use chrono::Utc;

use chitter_core::ports::{BlobError, BlobInfo, BlobKey, BlobStore, PresignedRequest};

use crate::Lazy;

#[derive(Clone, Debug)]
pub struct S3BlobStore {
    client: Lazy<Client>,
    /// Signs the URLs browsers use; the same client unless browsers reach
    /// S3 at another address than this process does (chitter-local).
    presigner: Lazy<Client>,
    bucket: String,
}

impl S3BlobStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self::lazy(Lazy::ready(client), bucket)
    }

    /// With a client built on first use (see `Lazy`).
    pub fn lazy(client: Lazy<Client>, bucket: impl Into<String>) -> Self {
        Self {
            presigner: client.clone(),
            client,
            bucket: bucket.into(),
        }
    }

    /// Presigns with `client`, whose endpoint is the one browsers use: a
    /// SigV4 signature covers the host.
    pub fn presigning_with(mut self, client: Client) -> Self {
        self.presigner = Lazy::ready(client);
        self
    }
}

fn blob_error(e: impl Into<chitter_core::ports::BoxError>) -> BlobError {
    BlobError(e.into())
}

fn presigned(p: aws_sdk_s3::presigning::PresignedRequest, ttl: Duration) -> PresignedRequest {
    PresignedRequest {
        method: p.method().to_owned(),
        url: p.uri().to_owned(),
        // The length is signed too, but clients set it themselves (browsers
        // refuse to be told).
        headers: p
            .headers()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        expires_at: Utc::now() + ttl,
    }
}

fn is_not_found<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> bool {
    matches!(e.code(), Some("NoSuchKey" | "NotFound"))
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn presign_put(
        &self,
        key: &BlobKey,
        content_type: &str,
        content_length: u64,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let config = PresigningConfig::expires_in(ttl).map_err(blob_error)?;
        let length = i64::try_from(content_length).map_err(blob_error)?;
        let p = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .content_length(length)
            .if_none_match("*")
            .presigned(config)
            .await
            .map_err(blob_error)?;
        Ok(presigned(p, ttl))
    }

    async fn presign_get(
        &self,
        key: &BlobKey,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let config = PresigningConfig::expires_in(ttl).map_err(blob_error)?;
        let p = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(config)
            .await
            .map_err(blob_error)?;
        Ok(presigned(p, ttl))
    }

    async fn presign_download(
        &self,
        key: &BlobKey,
        ttl: Duration,
        content_disposition: &str,
    ) -> Result<PresignedRequest, BlobError> {
        let config = PresigningConfig::expires_in(ttl).map_err(blob_error)?;
        let p = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .response_content_disposition(content_disposition)
            .presigned(config)
            .await
            .map_err(blob_error)?;
        Ok(presigned(p, ttl))
    }

    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobInfo>, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => Ok(Some(BlobInfo {
                size: u64::try_from(out.content_length.unwrap_or(0)).unwrap_or(0),
                content_type: out.content_type,
            })),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) => Err(blob_error(e)),
        }
    }

    async fn read(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, BlobError> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => {
                let body = out.body.collect().await.map_err(blob_error)?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(is_not_found) => Ok(None),
            Err(e) => Err(blob_error(e)),
        }
    }

    async fn put(&self, key: &BlobKey, content_type: &str, body: Vec<u8>) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(blob_error)?;
        Ok(())
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(blob_error)?;
        Ok(())
    }
}
