//! Random matching: ask to meet someone, wait, and be paired into a direct
//! conversation with the longest-waiting other user. Both are told live.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::AppResult;
use super::services::Services;
use super::{accounts, conversations, fanout};
use crate::domain::{Caller, ConversationId, MatchState, UserId, UserProfile};
use crate::ports::Paired;
use crate::protocol::ServerFrame;

/// Candidates looked at per round; each is one conditional write.
const CANDIDATES: usize = 20;
/// Rounds before answering "waiting": another request may pair us
/// meanwhile, which sends us round again.
const ROUNDS: usize = 3;

/// Where the caller stands.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MatchView {
    Idle,
    Waiting {
        since: DateTime<Utc>,
    },
    Matched {
        conversation_id: ConversationId,
        with: UserProfile,
    },
}

pub async fn status(svc: &Services, caller: &Caller) -> AppResult<MatchView> {
    let now = svc.clock.now();
    match svc.matches.match_state(caller.user_id).await? {
        None => Ok(MatchView::Idle),
        Some(s) if s.lapsed(now) => Ok(MatchView::Idle),
        Some(MatchState::Waiting { since }) => Ok(MatchView::Waiting { since }),
        Some(MatchState::Matched {
            with,
            conversation_id,
            ..
        }) => matched(svc, caller.user_id, with, conversation_id).await,
    }
}

/// Asks to be matched. Idempotent: while waiting it keeps the place in the
/// queue, and once matched it answers the same match until the caller
/// leaves it (`leave`).
pub async fn request(svc: &Services, caller: &Caller) -> AppResult<MatchView> {
    let me = caller.user_id;
    let now = svc.clock.now();
    let mut since = None;
    for _ in 0..ROUNDS {
        match svc.matches.match_state(me).await? {
            Some(MatchState::Matched {
                with,
                conversation_id,
                ..
            }) => return matched(svc, me, with, conversation_id).await,
            Some(s @ MatchState::Waiting { .. }) if s.lapsed(now) => {
                svc.matches.leave_matching(me).await?;
                svc.matches.enqueue(me, now).await?;
                since = Some(now);
            }
            Some(MatchState::Waiting { since: s }) => since = Some(s),
            None => {
                if !svc.matches.enqueue(me, now).await? {
                    continue;
                }
                since = Some(now);
            }
        }
        let mut taken = false;
        for other in svc
            .matches
            .waiting(now - MatchState::WAIT, CANDIDATES)
            .await?
        {
            if other == me || svc.friends.blocked_between(me, other).await? {
                continue;
            }
            match svc.matches.pair(me, other, now).await? {
                Paired::Done => {
                    tracing::info!(user_id = %me, with = %other, "matched");
                    return matched(svc, me, other, None).await;
                }
                Paired::SecondTaken => continue,
                Paired::FirstTaken => {
                    taken = true;
                    break;
                }
            }
        }
        if !taken {
            break;
        }
    }
    Ok(MatchView::Waiting {
        since: since.unwrap_or(now),
    })
}

/// Leaves the queue, or ends the caller's side of a match (the conversation
/// stays). Leaving when idle is fine.
pub async fn leave(svc: &Services, caller: &Caller) -> AppResult<()> {
    svc.matches.leave_matching(caller.user_id).await?;
    Ok(())
}

/// A match as the caller sees it. The first to get here after the pairing
/// opens the conversation (or finds the pair's existing one) and tells both
/// users; a crash before that is finished by the next request or status.
async fn matched(
    svc: &Services,
    me: UserId,
    with: UserId,
    conversation: Option<ConversationId>,
) -> AppResult<MatchView> {
    let conversation_id = match conversation {
        Some(id) => id,
        None => {
            let (id, _) = conversations::direct_between(svc, me, with).await?;
            svc.matches.set_match_conversation(me, with, id).await?;
            for (user, other) in [(me, with), (with, me)] {
                let frame = ServerFrame::Matched {
                    conversation_id: id,
                    with: accounts::profile(svc, other).await?,
                };
                fanout::push_to_users(svc, &[user], &frame, None).await?;
            }
            id
        }
    };
    Ok(MatchView::Matched {
        conversation_id,
        with: accounts::profile(svc, with).await?,
    })
}
