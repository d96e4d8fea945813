//! Pushing frames to connections. Work is bounded by the recipients'
//! connections; pushes run concurrently up to `push_concurrency`.

use futures::StreamExt;

use super::{AppResult, Services, presence};
use crate::domain::{ConnectionId, UserId};
use crate::ports::PushError;
use crate::protocol::ServerFrame;

/// Sends a frame to one connection, such as a reply to its own frame. A gone
/// connection is left to `$disconnect`; other failures are logged.
pub async fn reply(svc: &Services, connection: &ConnectionId, frame: &ServerFrame) {
    match svc.pusher.push(connection, &frame.to_json()).await {
        Ok(()) | Err(PushError::Gone) => {}
        Err(e) => tracing::warn!(connection_id = %connection, error = %e, "reply failed"),
    }
}

/// Pushes to every open connection of `users` except `skip`, then drops the
/// connections that turned out to be gone.
pub async fn push_to_users(
    svc: &Services,
    users: &[UserId],
    frame: &ServerFrame,
    skip: Option<&ConnectionId>,
) -> AppResult<()> {
    let targets = connections_of(svc, users, skip).await?;
    let gone = deliver(svc, &targets, &frame.to_json()).await;
    for id in gone {
        presence::drop_gone(svc, &id).await?;
    }
    Ok(())
}

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

/// Pushes `data` to each target and returns those that are gone.
pub(crate) async fn deliver(
    svc: &Services,
    targets: &[ConnectionId],
    data: &[u8],
) -> Vec<ConnectionId> {
    let pusher = &svc.pusher;
    // Owned ids keep the futures free of higher-ranked lifetimes, so the
    // whole fan-out stays `Send`.
    futures::stream::iter(targets.iter().cloned().map(|id| async move {
        match pusher.push(&id, data).await {
            Ok(()) => None,
            Err(PushError::Gone) => Some(id),
            Err(e) => {
                tracing::warn!(connection_id = %id, error = %e, "push failed");
                None
            }
        }
    }))
    .buffer_unordered(svc.settings.push_concurrency.max(1))
    .filter_map(|gone| async move { gone })
    .collect()
    .await
}
