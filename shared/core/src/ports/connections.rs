//! Open WebSocket connections and the presence they make.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{ConnectionId, ConnectionRecord, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceChange {
    CameOnline,
    WentOffline,
    Unchanged,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Registers a connection; `CameOnline` when it is the user's first.
    async fn add_connection(&self, c: &ConnectionRecord) -> Result<PresenceChange, StoreError>;
    /// Removes a connection; `WentOffline` when it was the user's last.
    async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(ConnectionRecord, PresenceChange)>, StoreError>;
    async fn connection(&self, id: &ConnectionId) -> Result<Option<ConnectionRecord>, StoreError>;
    /// Every open connection of these users.
    async fn connections_of(&self, users: &[UserId]) -> Result<Vec<ConnectionRecord>, StoreError>;
    /// How many of these users have at least one connection.
    async fn count_online(&self, users: &[UserId]) -> Result<u32, StoreError>;
}
