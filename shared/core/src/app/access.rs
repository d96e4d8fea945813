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

/// Over HTTP a conversation the caller is not in is "not found" (404), as
/// if it did not exist; the socket names the refusal (`not_a_member`).
pub(crate) fn as_not_found(e: AppError) -> AppError {
    match e {
        AppError::NotAMember => AppError::NotFound("conversation"),
        other => other,
    }
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
