//! The one membership check. An unknown conversation answers exactly like
//! one the caller is not in, so conversation ids cannot be probed.

use super::{AppError, AppResult, Services};
use crate::domain::{ConversationId, Member, UserId};

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
