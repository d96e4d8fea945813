//! Connections coming and going, and the online counts they change.

use std::time::Duration;

use super::accounts::Caller;
use super::fanout;
use super::{AppResult, Services};
use crate::domain::{ConnectionId, ConnectionRecord, UserId};
use crate::ports::PresenceChange;
use crate::protocol::ServerFrame;

/// A push to a connection this young may have failed only because its
/// handshake is still running (API Gateway refuses posts during `$connect`),
/// so a 410 does not remove it.
pub const GONE_GRACE: Duration = Duration::from_secs(30);

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
    // now would leave it registered with no `$disconnect` to come.
    if change == PresenceChange::CameOnline
        && let Err(e) = broadcast(svc, caller.user_id, Some(&connection)).await
    {
        e.log();
    }
    Ok(())
}

/// `$disconnect` (or a server-side close): forgets the connection.
pub async fn disconnect(svc: &Services, connection: &ConnectionId) -> AppResult<()> {
    if let Some((record, change)) = svc.connections.remove_connection(connection).await? {
        tracing::info!(connection_id = %connection, user_id = %record.user_id, "disconnected");
        if change == PresenceChange::WentOffline {
            broadcast(svc, record.user_id, None).await?;
        }
    }
    Ok(())
}

/// A push found the connection gone: drop it unless it is still connecting,
/// and tell the user's conversations if that took the user offline.
pub async fn drop_gone(svc: &Services, connection: &ConnectionId) -> AppResult<()> {
    if let Some(user) = remove_if_stale(svc, connection).await? {
        broadcast(svc, user, None).await?;
    }
    Ok(())
}

/// Removes a gone connection that is past its handshake; returns the user
/// when that was their last connection.
async fn remove_if_stale(svc: &Services, connection: &ConnectionId) -> AppResult<Option<UserId>> {
    let Some(record) = svc.connections.connection(connection).await? else {
        return Ok(None);
    };
    let age = (svc.clock.now() - record.connected_at).to_std();
    // A connection from the future (clock skew) counts as young.
    if age.map_or(true, |age| age < GONE_GRACE) {
        return Ok(None);
    }
    tracing::info!(connection_id = %connection, "removing stale connection");
    Ok(match svc.connections.remove_connection(connection).await? {
        Some((r, PresenceChange::WentOffline)) => Some(r.user_id),
        _ => None,
    })
}

/// Pushes the online count of each of the user's conversations to its
/// members. Connections found gone here are removed without a further
/// broadcast, which bounds the work; their counts refresh on the next change.
async fn broadcast(svc: &Services, user: UserId, skip: Option<&ConnectionId>) -> AppResult<()> {
    for (conversation, _) in svc.conversations.conversations_of(user).await? {
        let members: Vec<UserId> = svc
            .conversations
            .members(conversation.conversation_id)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let online = svc.connections.count_online(&members).await?;
        let frame = ServerFrame::Presence {
            conversation_id: conversation.conversation_id,
            online,
        };
        let targets = fanout::connections_of(svc, &members, skip).await?;
        for gone in fanout::deliver(svc, &targets, &frame.to_json()).await {
            remove_if_stale(svc, &gone).await?;
        }
    }
    Ok(())
}
