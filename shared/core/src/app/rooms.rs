//! Public rooms: anyone creates one, finds it in the directory, joins and
//! leaves. A room is a conversation of kind `room`; what sets it apart is
//! how its frames travel (see `fanout::audience`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::conversations::{self, ConversationView};
use super::error::{AppError, AppResult};
use super::services::Services;
use crate::domain::{
    Caller, Conversation, ConversationId, ConversationKind, Member, Role, Seq, Title,
};
use crate::ports::{AddMember, RoomListing};

pub const DIRECTORY_DEFAULT: usize = 20;
pub const DIRECTORY_MAX: usize = 50;

/// A room as the directory shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RoomView {
    pub conversation_id: ConversationId,
    pub title: Option<Title>,
    pub created_by: crate::domain::UserId,
    pub created_at: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
    pub member_count: u64,
    /// Members online when the count last changed.
    pub online: u32,
    /// Whether the caller is a member.
    pub joined: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoomPage {
    pub rooms: Vec<RoomView>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<ConversationId>,
}

fn room_view(listing: RoomListing, joined: bool) -> RoomView {
    let room = listing.room;
    RoomView {
        conversation_id: room.conversation_id,
        title: room.title,
        created_by: room.created_by,
        created_at: room.created_at,
        last_active: room.last_message_at.unwrap_or(room.created_at),
        member_count: listing.members,
        online: listing.online,
        joined,
    }
}

/// Creates a room with the caller as its admin and first member.
pub async fn create(svc: &Services, caller: &Caller, title: Title) -> AppResult<ConversationView> {
    let now = svc.clock.now();
    let room = Conversation {
        conversation_id: ConversationId::new(),
        kind: ConversationKind::Room,
        title: Some(title),
        created_by: caller.user_id,
        created_at: now,
        last_seq: Seq::ZERO,
        last_message_at: None,
        retention: None,
    };
    let creator = Member {
        conversation_id: room.conversation_id,
        user_id: caller.user_id,
        role: Role::Admin,
        joined_at: now,
        read_seq: Seq::ZERO,
    };
    svc.rooms.create_room(&room, &creator).await?;
    tracing::info!(conversation_id = %room.conversation_id, "room created");
    conversations::room_membership_changed(svc, &room, caller.user_id, true).await?;
    conversations::view(svc, caller, room.conversation_id).await
}

/// A page of the directory, newest rooms first.
pub async fn discover(
    svc: &Services,
    caller: &Caller,
    after: Option<ConversationId>,
    limit: Option<usize>,
) -> AppResult<RoomPage> {
    let limit = limit.unwrap_or(DIRECTORY_DEFAULT);
    if !(1..=DIRECTORY_MAX).contains(&limit) {
        return Err(AppError::bad_request(
            crate::protocol::ErrorCode::InvalidRequest,
            format!("limit must be 1-{DIRECTORY_MAX}"),
        ));
    }
    // One more than asked tells whether another page follows.
    let mut listings = svc.rooms.rooms(after, limit + 1).await?;
    let more = listings.len() > limit;
    listings.truncate(limit);
    let mine: HashSet<ConversationId> = svc
        .rooms
        .rooms_of(caller.user_id)
        .await?
        .into_iter()
        .collect();
    let next_after = more
        .then(|| listings.last().map(|l| l.room.conversation_id))
        .flatten();
    let rooms = listings
        .into_iter()
        .map(|l| {
            let joined = mine.contains(&l.room.conversation_id);
            room_view(l, joined)
        })
        .collect();
    Ok(RoomPage { rooms, next_after })
}

/// Joins a room (idempotent). A room the caller may not see is a 404, as
/// is any conversation that is not a room.
pub async fn join(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
) -> AppResult<ConversationView> {
    let room = svc
        .conversations
        .conversation(id)
        .await?
        .filter(|c| c.kind == ConversationKind::Room)
        .ok_or(AppError::NotFound("room"))?;
    let m = Member {
        conversation_id: id,
        user_id: caller.user_id,
        role: Role::Member,
        joined_at: svc.clock.now(),
        read_seq: room.last_seq,
    };
    match svc
        .conversations
        .add_member(&m, room.member_limit())
        .await?
    {
        AddMember::Added => {
            tracing::info!(conversation_id = %id, user_id = %caller.user_id, "joined room");
            conversations::room_membership_changed(svc, &room, caller.user_id, true).await?;
        }
        // Idempotent: a retried join also subscribes what the first missed.
        AddMember::AlreadyMember => {
            conversations::subscribe_user(svc, id, caller.user_id).await?;
        }
        AddMember::Full => return Err(AppError::Conflict("the room is full")),
        AddMember::NoSuchConversation => return Err(AppError::NotFound("room")),
    }
    conversations::view(svc, caller, id).await
}

/// Leaves a room: the same as removing oneself.
pub async fn leave(svc: &Services, caller: &Caller, id: ConversationId) -> AppResult<()> {
    svc.conversations
        .conversation(id)
        .await?
        .filter(|c| c.kind == ConversationKind::Room)
        .ok_or(AppError::NotFound("room"))?;
    conversations::remove_member(svc, caller, id, caller.user_id).await
}
