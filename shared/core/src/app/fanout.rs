//! Getting frames to connections: the one push-and-prune path that message
//! delivery, replies and presence announcements all take. Work is bounded
//! by the recipients' connections; pushes run concurrently up to
//! `push_concurrency`.

use std::time::Duration;

use futures::StreamExt;

use super::access;
use super::error::AppResult;
use super::services::Services;
use crate::domain::{ConnectionId, UserId};
use crate::ports::{PresenceChange, PushError};
use crate::protocol::ServerFrame;

/// A push to a connection this young may have failed only because its
/// handshake is still running (API Gateway refuses posts during `$connect`),
/// so a 410 does not remove it.
pub const GONE_GRACE: Duration = Duration::from_secs(30);

/// The pushes that failed, each with its error. Gone connections among them
/// have already been pruned.
pub(crate) type Failures = Vec<(ConnectionId, PushError)>;

/// Sends a frame to one connection, such as the answer to its own frame.
/// Failures are logged: the frame it answers has nothing left to do. Like
/// every push, a Gone answer prunes the connection (a store read, and a
/// presence announcement if it was the user's last).
pub async fn reply(svc: &Services, connection: &ConnectionId, frame: &ServerFrame) {
    push(svc, std::slice::from_ref(connection), frame).await;
}

/// Pushes to every open connection of `users` except `skip`.
pub(crate) async fn push_to_users(
    svc: &Services,
    users: &[UserId],
    frame: &ServerFrame,
    skip: Option<&ConnectionId>,
) -> AppResult<Failures> {
    let targets = connections_of(svc, users, skip).await?;
    Ok(push(svc, &targets, frame).await)
}

/// Pushes to each target, prunes the gone ones, and tells the conversations
/// of any user that this took offline. The pruning and the announcements
/// are cleanup, so their failures are logged, not returned: the caller's
/// own work (a stored message, an accepted frame) is done either way.
pub(crate) async fn push(
    svc: &Services,
    targets: &[ConnectionId],
    frame: &ServerFrame,
) -> Failures {
    let (failures, offline) = push_and_prune(svc, targets, &frame.to_json()).await;
    for user in offline {
        if let Err(e) = announce_presence(svc, user, None).await {
            e.log();
        }
    }
    failures
}

/// Pushes the online count of each of the user's conversations to its
/// members. Connections found gone here are pruned without a further
/// announcement, which bounds the work; their counts refresh on the next
/// change.
pub(crate) async fn announce_presence(
    svc: &Services,
    user: UserId,
    skip: Option<&ConnectionId>,
) -> AppResult<()> {
    for (conversation, _) in svc.conversations.conversations_of(user).await? {
        let members = access::member_ids(svc, conversation.conversation_id).await?;
        let online = svc.connections.count_online(&members).await?;
        let frame = ServerFrame::Presence {
            conversation_id: conversation.conversation_id,
            online,
        };
        let targets = connections_of(svc, &members, skip).await?;
        push_and_prune(svc, &targets, &frame.to_json()).await;
    }
    Ok(())
}

/// The open connections of `users`, but `skip`.
pub(crate) async fn connections_of(
    svc: &Services,
    users: &[UserId],
    skip: Option<&ConnectionId>,
) -> AppResult<Vec<ConnectionId>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Ok(svc
        .connections
        .connections_of(users)
        .await?
        .into_iter()
        .map(|c| c.connection_id)
        .filter(|c| Some(c) != skip)
        .collect())
}

/// The one push-and-prune: sends `data` to every target, then removes the
/// connections that answered Gone and are past their handshake. Returns the
/// failed pushes and the users whose last connection was removed. A prune
/// that fails is logged; the connection's TTL or `$disconnect` removes it.
async fn push_and_prune(
    svc: &Services,
    targets: &[ConnectionId],
    data: &[u8],
) -> (Failures, Vec<UserId>) {
    let failures = send_all(svc, targets, data).await;
    let mut offline = Vec::new();
    for (id, e) in &failures {
        if !matches!(e, PushError::Gone) {
            continue;
        }
        match prune(svc, id).await {
            Ok(Some(user)) => offline.push(user),
            Ok(None) => {}
            Err(e) => e.log(),
        }
    }
    (failures, offline)
}

/// Pushes `data` to each target; returns the failures.
async fn send_all(svc: &Services, targets: &[ConnectionId], data: &[u8]) -> Failures {
    let pusher = &svc.pusher;
    // Owned ids keep the futures free of higher-ranked lifetimes, so the
    // whole fan-out stays `Send`.
    futures::stream::iter(targets.iter().cloned().map(|id| async move {
        match pusher.push(&id, data).await {
            Ok(()) => None,
            Err(e) => {
                if !matches!(e, PushError::Gone) {
                    tracing::warn!(connection_id = %id, error = %e, "push failed");
                }
                Some((id, e))
            }
        }
    }))
    .buffer_unordered(svc.settings.push_concurrency.max(1))
    .filter_map(|failed| async move { failed })
    .collect()
    .await
}

/// Removes a gone connection that is past its handshake; returns the user
/// when that was their last connection.
async fn prune(svc: &Services, connection: &ConnectionId) -> AppResult<Option<UserId>> {
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
