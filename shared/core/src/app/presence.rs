//! Connections coming and going, and the online counts they change.

use super::error::AppResult;
use super::fanout;
use super::services::Services;
use crate::domain::{Caller, ConnectionId, ConnectionRecord};
use crate::ports::PresenceChange;

/// `$connect`: registers the connection and, when the user just came online,
/// tells the members of their conversations.
pub async fn connect(svc: &Services, caller: &Caller, connection: ConnectionId) -> AppResult<()> {
    let now = svc.clock.now();
    let record = ConnectionRecord {
        connection_id: connection.clone(),
        user_id: caller.user_id,
        connected_at: now,
        expires_at: now + svc.settings.max_connection_time,
    };
    let change = svc.connections.add_connection(&record).await?;
    tracing::info!(connection_id = %connection, user_id = %caller.user_id, "connected");
    // Best effort: the connection is registered, and failing the handshake
    // now would leave it registered with no `$disconnect` to come. Rooms
    // are subscribed after the connection is registered and before the
    // count is announced, so the count includes it.
    if let Err(e) = fanout::subscribe_rooms(svc, &record).await {
        e.log();
    }
    if change == PresenceChange::CameOnline
        && let Err(e) = fanout::announce_presence(svc, caller.user_id, Some(&connection)).await
    {
        e.log();
    }
    Ok(())
}

/// `$disconnect` (or a server-side close): forgets the connection.
pub async fn disconnect(svc: &Services, connection: &ConnectionId) -> AppResult<()> {
    if let Some((record, change)) = svc.connections.remove_connection(connection).await? {
        tracing::info!(connection_id = %connection, user_id = %record.user_id, "disconnected");
        fanout::unsubscribe_rooms(svc, connection).await?;
        if change == PresenceChange::WentOffline {
            fanout::announce_presence(svc, record.user_id, None).await?;
        }
    }
    Ok(())
}
