//! Blobs in S3 through presigned URLs: the content type is part of the
//! signature, so an upload of another type is refused by S3 itself.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use chrono::Utc;

use chitter_core::ports::{BlobError, BlobInfo, BlobKey, BlobStore, PresignedRequest};

#[derive(Clone, Debug)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

impl S3BlobStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

fn blob_error(e: impl Into<chitter_core::ports::BoxError>) -> BlobError {
    BlobError(e.into())
}

fn presigned(p: aws_sdk_s3::presigning::PresignedRequest, ttl: Duration) -> PresignedRequest {
    PresignedRequest {
        method: p.method().to_owned(),
        url: p.uri().to_owned(),
        headers: p
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        expires_at: Utc::now() + ttl,
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn presign_put(
        &self,
        key: &BlobKey,
        content_type: &str,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let config = PresigningConfig::expires_in(ttl).map_err(blob_error)?;
        let p = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
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
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
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
