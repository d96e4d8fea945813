//! The access checks the use cases share: the one membership check (an
//! unknown conversation answers exactly like one the caller is not in, so
//! conversation ids cannot be probed), and the other user of a relation.

use super::error::{AppError, AppResult};
use super::services::Services;
use crate::domain::{Caller, ConversationId, Member, UserId};
use crate::protocol::ErrorCode;

/// The user's membership of the conversation, or `NotAMember`.
pub(crate) async fn require(
    svc: &Services,
    conversation: ConversationId,
    user: UserId,
) -> AppResult<Member> {
    svc.conversations
        .member(conversation, user)
        .await?
        .ok_or(AppError::NotAMember)
}

/// The same check for the HTTP API, where a conversation the caller is not
/// in is "not found" (404), as if it did not exist; the socket names the
/// refusal instead (`not_a_member`).
pub(crate) async fn require_visible(
    svc: &Services,
    conversation: ConversationId,
    user: UserId,
) -> AppResult<Member> {
    require(svc, conversation, user).await.map_err(|e| match e {
        AppError::NotAMember => AppError::NotFound("conversation"),
        other => other,
    })
}

/// The same check on a member list already loaded (no second read).
pub(crate) fn visible_in(members: &[Member], user: UserId) -> AppResult<&Member> {
    members
        .iter()
        .find(|m| m.user_id == user)
        .ok_or(AppError::NotFound("conversation"))
}

/// The member ids of a conversation.
pub(crate) async fn member_ids(
    svc: &Services,
    conversation: ConversationId,
) -> AppResult<Vec<UserId>> {
    Ok(svc
        .conversations
        .members(conversation)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Checks that `other` is an existing user other than the caller, before
/// relating the two (a direct chat, a friendship).
pub(crate) async fn other_user(
    svc: &Services,
    caller: &Caller,
    other: UserId,
    if_self: &'static str,
) -> AppResult<()> {
    if other == caller.user_id {
        return Err(AppError::bad_request(ErrorCode::InvalidRequest, if_self));
    }
    svc.users
        .user(other)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("user"))
}

/// Refuses to relate two users when either blocks the other (a direct
/// chat, a friend request, a group, a match).
pub(crate) async fn not_blocked(svc: &Services, a: UserId, b: UserId) -> AppResult<()> {
    if svc.friends.blocked_between(a, b).await? {
        Err(AppError::Forbidden("one of you blocks the other"))
    } else {
        Ok(())
    }
}
