//! Friend requests and the friend list.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::access;
use super::error::{AppError, AppResult};
use super::services::Services;
use crate::domain::{Caller, FriendLink, FriendState, UserId, UserProfile};

#[derive(Debug, Clone, Serialize)]
pub struct FriendView {
    #[serde(flatten)]
    pub profile: UserProfile,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FriendList {
    pub friends: Vec<FriendView>,
    /// Requests others sent me.
    pub incoming: Vec<FriendView>,
    /// Requests I sent.
    pub outgoing: Vec<FriendView>,
}

/// Asks another user to be friends. Asking someone who already asked you
/// makes you friends; asking again changes nothing.
pub async fn request(svc: &Services, caller: &Caller, other: UserId) -> AppResult<FriendState> {
    access::other_user(svc, caller, other, "you cannot befriend yourself").await?;
    access::not_blocked(svc, caller.user_id, other).await?;
    let existing = svc.friends.friend_link(caller.user_id, other).await?;
    let state = match existing.map(|l| l.state) {
        Some(FriendState::Friends) => return Ok(FriendState::Friends),
        Some(FriendState::Outgoing) => return Ok(FriendState::Outgoing),
        Some(FriendState::Incoming) => FriendState::Friends,
        None => FriendState::Outgoing,
    };
    svc.friends
        .put_friend_link(&FriendLink {
            user_id: caller.user_id,
            other_id: other,
            state,
            since: svc.clock.now(),
        })
        .await?;
    Ok(state)
}

async fn incoming(svc: &Services, caller: &Caller, other: UserId) -> AppResult<FriendLink> {
    svc.friends
        .friend_link(caller.user_id, other)
        .await?
        .filter(|l| l.state == FriendState::Incoming)
        .ok_or(AppError::NotFound("friend request"))
}

pub async fn accept(svc: &Services, caller: &Caller, other: UserId) -> AppResult<()> {
    let mut link = incoming(svc, caller, other).await?;
    link.state = FriendState::Friends;
    link.since = svc.clock.now();
    svc.friends.put_friend_link(&link).await?;
    Ok(())
}

pub async fn decline(svc: &Services, caller: &Caller, other: UserId) -> AppResult<()> {
    incoming(svc, caller, other).await?;
    svc.friends
        .remove_friend_link(caller.user_id, other)
        .await?;
    Ok(())
}

/// Unfriends, or withdraws a request I sent.
pub async fn remove(svc: &Services, caller: &Caller, other: UserId) -> AppResult<()> {
    if svc
        .friends
        .remove_friend_link(caller.user_id, other)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound("friend"))
    }
}

pub async fn list(svc: &Services, caller: &Caller) -> AppResult<FriendList> {
    let links = svc.friends.friend_links(caller.user_id).await?;
    let ids: Vec<UserId> = links.iter().map(|l| l.other_id).collect();
    let profiles: HashMap<UserId, UserProfile> = svc
        .users
        .profiles(&ids)
        .await?
        .into_iter()
        .map(|p| (p.user_id, p))
        .collect();
    let mut out = FriendList::default();
    for link in links {
        let Some(profile) = profiles.get(&link.other_id).cloned() else {
            continue;
        };
        let view = FriendView {
            profile,
            since: link.since,
        };
        match link.state {
            FriendState::Friends => out.friends.push(view),
            FriendState::Incoming => out.incoming.push(view),
            FriendState::Outgoing => out.outgoing.push(view),
        }
    }
    Ok(out)
}

/// Blocks another user: they can no longer message you in a direct chat,
/// befriend you, be matched with you or add you to a group, and what they
/// send in groups you share reaches you without its content. Any friendship
/// between you ends. Blocking twice is fine.
pub async fn block(svc: &Services, caller: &Caller, other: UserId) -> AppResult<()> {
    access::other_user(svc, caller, other, "you cannot block yourself").await?;
    svc.friends.block(caller.user_id, other).await?;
    tracing::info!(user_id = %caller.user_id, "blocked a user");
    Ok(())
}

pub async fn unblock(svc: &Services, caller: &Caller, other: UserId) -> AppResult<()> {
    if svc.friends.unblock(caller.user_id, other).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("block"))
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BlockList {
    pub blocked: Vec<UserProfile>,
}

pub async fn blocks(svc: &Services, caller: &Caller) -> AppResult<BlockList> {
    let ids = svc.friends.blocks(caller.user_id).await?;
    let mut blocked = svc.users.profiles(&ids).await?;
    blocked.sort_by(|a, b| a.handle.as_str().cmp(b.handle.as_str()));
    Ok(BlockList { blocked })
}
