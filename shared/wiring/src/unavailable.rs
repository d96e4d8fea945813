//! Stands in for a port a function does not use, so that its binary does
//! not link that service's SDK. Any call is an error naming the port.

use std::time::Duration;

use async_trait::async_trait;

use chitter_core::domain::ConnectionId;
use chitter_core::ports::{
    BlobError, BlobInfo, BlobKey, BlobStore, MessageStream, PresignedRequest, PushError, Pusher,
    StreamError,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct Unavailable;

fn reason(port: &str) -> chitter_core::ports::BoxError {
    format!("the {port} is not configured for this function").into()
}

#[async_trait]
impl MessageStream for Unavailable {
    async fn append(&self, _: &str, _: Vec<u8>) -> Result<String, StreamError> {
        Err(StreamError(reason("message stream")))
    }
}

#[async_trait]
impl Pusher for Unavailable {
    async fn push(&self, _: &ConnectionId, _: &[u8]) -> Result<(), PushError> {
        Err(PushError::Backend(reason("pusher")))
    }

    async fn disconnect(&self, _: &ConnectionId) -> Result<(), PushError> {
        Err(PushError::Backend(reason("pusher")))
    }
}

#[async_trait]
impl BlobStore for Unavailable {
    async fn presign_put(
        &self,
        _: &BlobKey,
        _: &str,
        _: u64,
        _: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn presign_get(&self, _: &BlobKey, _: Duration) -> Result<PresignedRequest, BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn presign_download(
        &self,
        _: &BlobKey,
        _: Duration,
        _: &str,
    ) -> Result<PresignedRequest, BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn stat(&self, _: &BlobKey) -> Result<Option<BlobInfo>, BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn read(&self, _: &BlobKey) -> Result<Option<Vec<u8>>, BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn put(&self, _: &BlobKey, _: &str, _: Vec<u8>) -> Result<(), BlobError> {
        Err(BlobError(reason("blob store")))
    }

    async fn delete(&self, _: &BlobKey) -> Result<(), BlobError> {
        Err(BlobError(reason("blob store")))
    }
}
