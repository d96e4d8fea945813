//! Pushing frames to connections (API Gateway's management API).

use async_trait::async_trait;

use super::BoxError;
use crate::domain::ConnectionId;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The connection is closed or unknown (HTTP 410 from API Gateway).
    #[error("connection is gone")]
    Gone,
    #[error("push failed")]
    Backend(#[source] BoxError),
}

#[async_trait]
pub trait Pusher: Send + Sync {
    async fn push(&self, connection: &ConnectionId, data: &[u8]) -> Result<(), PushError>;
    /// Closes the connection from the server side.
    async fn disconnect(&self, connection: &ConnectionId) -> Result<(), PushError>;
}
