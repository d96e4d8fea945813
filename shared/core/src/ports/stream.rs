//! The durable, ordered message stream between message and persist.

use async_trait::async_trait;

use super::BoxError;

#[derive(Debug, thiserror::Error)]
#[error("stream append failed")]
pub struct StreamError(#[source] pub BoxError);

#[async_trait]
pub trait MessageStream: Send + Sync {
    /// Durably appends a record; records with the same partition key are
    /// delivered in append order. Returns the record's sequence number.
    async fn append(&self, partition_key: &str, data: Vec<u8>) -> Result<String, StreamError>;
}
