//! Getting frames to connections: the one push-and-prune path that message
//! delivery, replies and presence announcements all take. Work is bounded
//! by the recipients' connections; pushes run concurrently up to
//! `push_concurrency`.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;

use super::access;
use super::error::AppResult;
use super::services::Services;
use crate::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, ConversationKind, UserId,
};
use crate::ports::{Metric, PresenceChange, PushError};
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
        announce_online(svc, &conversation, skip).await?;
    }
    Ok(())
}

/// Pushes one conversation's online count to its members' connections. A
/// room counts the distinct users among its subscribed connections, which
/// is exact however many devices each has, and costs one read and one push
/// per online connection; the directory keeps the count it last announced.
pub(crate) async fn announce_online(
    svc: &Services,
    conversation: &Conversation,
    skip: Option<&ConnectionId>,
) -> AppResult<()> {
    let id = conversation.conversation_id;
    let (online, targets) = if conversation.kind == ConversationKind::Room {
        let now = svc.clock.now();
        let subscribers = svc.rooms.subscribers(id, now).await?;
        let online = distinct_users(subscribers.iter().map(|s| s.user_id));
        // The directory's copy; the push below is what members rely on.
        if let Err(e) = svc.rooms.set_online(id, online, now).await {
            tracing::warn!(conversation_id = %id, error = %e, "online count not recorded");
        }
        let targets = subscribers
            .into_iter()
            .map(|s| s.connection_id)
            .filter(|c| Some(c) != skip)
            .collect();
        (online, targets)
    } else {
        let members = access::member_ids(svc, id).await?;
        let online = svc.connections.count_online(&members).await?;
        (online, connections_of(svc, &members, skip).await?)
    };
    let frame = ServerFrame::Presence {
        conversation_id: id,
        online,
    };
    push_and_prune(svc, &targets, &frame.to_json()).await;
    Ok(())
}

/// How many different users these are.
pub(crate) fn distinct_users(users: impl Iterator<Item = UserId>) -> u32 {
    let set: HashSet<UserId> = users.collect();
    u32::try_from(set.len()).unwrap_or(u32::MAX)
}

/// Every open connection a conversation's frames reach, with its user: a
/// room's subscribed connections (bounded by who is online, whatever the
/// member count), or the members' connections in a chat or group (at most
/// `Conversation::MAX_MEMBERS` members to look up).
pub(crate) async fn audience(
    svc: &Services,
    conversation: ConversationId,
) -> AppResult<Vec<(ConnectionId, UserId)>> {
    let kind = svc
        .conversations
        .conversation(conversation)
        .await?
        .map(|c| c.kind);
    if kind == Some(ConversationKind::Room) {
        return Ok(svc
            .rooms
            .subscribers(conversation, svc.clock.now())
            .await?
            .into_iter()
            .map(|s| (s.connection_id, s.user_id))
            .collect());
    }
    let members = access::member_ids(svc, conversation).await?;
    Ok(svc
        .connections
        .connections_of(&members)
        .await?
        .into_iter()
        .map(|c| (c.connection_id, c.user_id))
        .collect())
}

/// Pushes to the conversation's audience, but `skip` and the connections
/// of `except` (the actor, for frames about themselves).
pub(crate) async fn push_to_conversation(
    svc: &Services,
    conversation: ConversationId,
    frame: &ServerFrame,
    skip: Option<&ConnectionId>,
    except: Option<UserId>,
) -> AppResult<Failures> {
    let targets: Vec<ConnectionId> = audience(svc, conversation)
        .await?
        .into_iter()
        .filter(|(c, u)| Some(c) != skip && Some(*u) != except)
        .map(|(c, _)| c)
        .collect();
    Ok(push(svc, &targets, frame).await)
}

/// Subscribes a new connection to each of its user's rooms, concurrently.
/// Best effort per room: `resume` in a room subscribes again, so a client
/// that resumes after connecting (as clients do) gets what this missed.
pub(crate) async fn subscribe_rooms(svc: &Services, record: &ConnectionRecord) -> AppResult<()> {
    let rooms = svc.rooms.rooms_of(record.user_id).await?;
    let subscribed = futures::stream::iter(rooms)
        .map(|room| async move { svc.rooms.subscribe(room, record).await })
        .buffer_unordered(svc.settings.push_concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    for result in subscribed {
        if let Err(e) = result {
            tracing::warn!(connection_id = %record.connection_id, error = %e, "room subscription failed");
        }
    }
    Ok(())
}

/// Ends a closed connection's room subscriptions, found by the
/// connection's own index (whatever its user's memberships are now); their
/// TTL (the connection's expiry) removes any this misses.
pub(crate) async fn unsubscribe_rooms(svc: &Services, connection: &ConnectionId) -> AppResult<()> {
    for room in svc.rooms.subscriptions_of(connection).await? {
        svc.rooms.unsubscribe(room, connection).await?;
    }
    Ok(())
}

/// Makes sure a connection gets a room's deliveries (after a subscription
/// that failed at connect time): one conditional write.
pub(crate) async fn ensure_subscribed(
    svc: &Services,
    room: ConversationId,
    connection: &ConnectionId,
) -> AppResult<()> {
    if let Some(record) = svc.connections.connection(connection).await? {
        svc.rooms.subscribe(room, &record).await?;
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
            Ok(()) => {
                svc.metrics.count(Metric::Pushed, 1);
                None
            }
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
    let Some((record, change)) = svc.connections.remove_connection(connection).await? else {
        return Ok(None);
    };
    svc.metrics.count(Metric::ConnectionsPruned, 1);
    unsubscribe_rooms(svc, connection).await?;
    Ok((change == PresenceChange::WentOffline).then_some(record.user_id))
}
