//! Direct chats, groups and rooms: creation, membership, history.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::{AppError, AppResult};
use super::services::Services;
use super::{access, fanout, uploads};
use crate::domain::{
    Attachment, Caller, Conversation, ConversationId, ConversationKind, EntryKind, Member,
    Retention, Role, Seq, StoredMessage, StreamEvent, Title, UploadId, UserId, UserProfile, Vote,
};
use crate::ports::AddMember;
use crate::protocol::ServerFrame;

/// A conversation as its member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    pub conversation_id: ConversationId,
    pub kind: ConversationKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seq: Seq,
    /// When the newest message was sent, or the conversation created.
    pub last_active: DateTime<Utc>,
    /// The caller's own read position and role.
    pub read_seq: Seq,
    pub role: Role,
    /// Members who have at least one open connection.
    pub online: u32,
    /// Messages disappear this many days after they were sent (1, 7 or
    /// 30); absent: kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u16>,
    /// Messages from others after `read_seq` (edits and deletes do not
    /// count), up to `UNREAD_CAP`: that value means "at least that many".
    pub unread: u32,
    pub member_count: u64,
    /// Every member of a chat or group; in a room, only the caller (see
    /// `GET /api/profiles` for the senders).
    pub members: Vec<MemberView>,
}

/// The most unread messages counted one by one.
pub const UNREAD_CAP: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    #[serde(flatten)]
    pub profile: UserProfile,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub read_seq: Seq,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryPage {
    /// Newest first.
    pub messages: Vec<HistoryItem>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<Seq>,
}

/// A log entry as its reader sees it: with the reader's own vote.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    #[serde(flatten)]
    pub message: StoredMessage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_vote: Option<Vote>,
}

pub const HISTORY_DEFAULT: usize = 50;
pub const HISTORY_MAX: usize = 100;

fn member(
    conversation_id: ConversationId,
    user_id: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Member {
    Member {
        conversation_id,
        user_id,
        role,
        joined_at: now,
        read_seq: Seq::ZERO,
    }
}

/// Opens the direct conversation with another user, creating it the first
/// time. Returns it and whether it is new.
pub async fn open_direct(
    svc: &Services,
    caller: &Caller,
    other: UserId,
) -> AppResult<(ConversationView, bool)> {
    access::other_user(
        svc,
        caller,
        other,
        "a direct conversation needs another user",
    )
    .await?;
    access::not_blocked(svc, caller.user_id, other).await?;
    let (id, created) = direct_between(svc, caller.user_id, other).await?;
    Ok((view(svc, caller, id).await?, created))
}

/// The two users' direct conversation, created by `by` if there is none;
/// true when it was created now.
pub(crate) async fn direct_between(
    svc: &Services,
    by: UserId,
    other: UserId,
) -> AppResult<(ConversationId, bool)> {
    let now = svc.clock.now();
    let c = Conversation {
        conversation_id: ConversationId::new(),
        kind: ConversationKind::Direct,
        title: None,
        created_by: by,
        created_at: now,
        last_seq: Seq::ZERO,
        last_message_at: None,
        retention: None,
    };
    let a = member(c.conversation_id, by, Role::Member, now);
    let b = member(c.conversation_id, other, Role::Member, now);
    let (c, created) = svc.conversations.find_or_create_direct(&c, &a, &b).await?;
    Ok((c.conversation_id, created))
}

/// Creates a group with the caller as its admin.
pub async fn create_group(
    svc: &Services,
    caller: &Caller,
    title: Title,
    members: &[UserId],
) -> AppResult<ConversationView> {
    let others: BTreeSet<UserId> = members
        .iter()
        .copied()
        .filter(|u| *u != caller.user_id)
        .collect();
    if others.len() + 1 > Conversation::MAX_MEMBERS {
        return Err(AppError::bad_request(
            crate::protocol::ErrorCode::InvalidRequest,
            format!(
                "a group holds at most {} members",
                Conversation::MAX_MEMBERS
            ),
        ));
    }
    let ids: Vec<UserId> = others.iter().copied().collect();
    if svc.users.profiles(&ids).await?.len() != ids.len() {
        return Err(AppError::NotFound("user"));
    }
    for other in &ids {
        access::not_blocked(svc, caller.user_id, *other).await?;
    }
    let now = svc.clock.now();
    let c = Conversation {
        conversation_id: ConversationId::new(),
        kind: ConversationKind::Group,
        title: Some(title),
        created_by: caller.user_id,
        created_at: now,
        last_seq: Seq::ZERO,
        last_message_at: None,
        retention: None,
    };
    let mut all = vec![member(c.conversation_id, caller.user_id, Role::Admin, now)];
    all.extend(
        ids.iter()
            .map(|u| member(c.conversation_id, *u, Role::Member, now)),
    );
    svc.conversations.create_conversation(&c, &all).await?;
    tracing::info!(conversation_id = %c.conversation_id, members = all.len(), "group created");
    view(svc, caller, c.conversation_id).await
}

/// The caller's conversations, most recently active first.
pub async fn list(svc: &Services, caller: &Caller) -> AppResult<Vec<ConversationView>> {
    let mut out = Vec::new();
    for (c, _) in svc.conversations.conversations_of(caller.user_id).await? {
        out.push(view(svc, caller, c.conversation_id).await?);
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.last_active));
    Ok(out)
}

/// One conversation with its members; only members may look.
pub async fn view(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
) -> AppResult<ConversationView> {
    let c = svc
        .conversations
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let (me, members, member_count, online) = if c.kind == ConversationKind::Room {
        // A room lists only the caller; its counts are the directory's (the
        // online count as last announced), not a read of every connection.
        let me = access::require_visible(svc, id, caller.user_id).await?;
        let (count, online) = svc
            .rooms
            .room(id)
            .await?
            .map_or((1, 0), |r| (r.members, r.online));
        (me.clone(), vec![me], count, online)
    } else {
        let members = svc.conversations.members(id).await?;
        let me = access::visible_in(&members, caller.user_id)?.clone();
        let ids: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
        let online = svc.connections.count_online(&ids).await?;
        let count = members.len() as u64;
        (me, members, count, online)
    };
    let ids: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
    let mut profiles: HashMap<UserId, UserProfile> = svc
        .users
        .profiles(&ids)
        .await?
        .into_iter()
        .map(|p| (p.user_id, p))
        .collect();
    let members = members
        .into_iter()
        .filter_map(|m| {
            profiles.remove(&m.user_id).map(|profile| MemberView {
                profile,
                role: m.role,
                joined_at: m.joined_at,
                read_seq: m.read_seq,
            })
        })
        .collect();
    let unread = if c.last_seq > me.read_seq {
        let after = svc.messages.after(id, me.read_seq, UNREAD_CAP).await?;
        u32::try_from(
            after
                .iter()
                .filter(|m| {
                    m.kind == EntryKind::Message
                        && m.sender_id != caller.user_id
                        && !m.expired(svc.clock.now())
                })
                .count(),
        )
        .unwrap_or(u32::MAX)
    } else {
        0
    };
    Ok(ConversationView {
        conversation_id: c.conversation_id,
        kind: c.kind,
        title: c.title,
        created_by: c.created_by,
        created_at: c.created_at,
        last_seq: c.last_seq,
        last_active: c.last_message_at.unwrap_or(c.created_at),
        read_seq: me.read_seq,
        role: me.role,
        online,
        retention_days: c.retention.map(Retention::as_days),
        unread,
        member_count,
        members,
    })
}

/// Loads the conversation and the caller's membership of it, for changes
/// only a group admin may make.
async fn admin_of_group(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
) -> AppResult<Conversation> {
    let (c, me) = group(svc, caller, id).await?;
    if me.role != Role::Admin {
        return Err(AppError::Forbidden("only a group admin may do that"));
    }
    Ok(c)
}

/// A group and the caller's membership of it.
async fn group(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
) -> AppResult<(Conversation, Member)> {
    let c = svc
        .conversations
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let me = access::require_visible(svc, id, caller.user_id).await?;
    if !c.kind.is_titled() {
        return Err(AppError::Conflict(
            "a direct conversation has no title or member changes",
        ));
    }
    Ok((c, me))
}

pub async fn rename(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    title: Title,
) -> AppResult<ConversationView> {
    admin_of_group(svc, caller, id).await?;
    svc.conversations.set_title(id, &title).await?;
    view(svc, caller, id).await
}

pub async fn add_member(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    user: UserId,
) -> AppResult<ConversationView> {
    let c = admin_of_group(svc, caller, id).await?;
    if c.kind == ConversationKind::Room {
        return Err(AppError::Conflict("people join a room themselves"));
    }
    svc.users
        .user(user)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    access::not_blocked(svc, caller.user_id, user).await?;
    let m = member(id, user, Role::Member, svc.clock.now());
    match svc.conversations.add_member(&m, c.member_limit()).await? {
        AddMember::Added | AddMember::AlreadyMember => view(svc, caller, id).await,
        AddMember::Full => Err(AppError::Conflict("the group is full")),
        AddMember::NoSuchConversation => Err(AppError::NotFound("conversation")),
    }
}

/// Sets how long the conversation keeps its messages (any member of a
/// direct chat, admins of a group). New messages carry the time they
/// disappear; the ones already stored are worked through by the persist
/// function, a page per stream record, in order with the messages. Every
/// member is told with a `retention` frame.
pub async fn set_retention(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    retention: Option<Retention>,
) -> AppResult<ConversationView> {
    let c = svc
        .conversations
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let me = access::require_visible(svc, id, caller.user_id).await?;
    if c.kind.is_titled() && me.role != Role::Admin {
        return Err(AppError::Forbidden("only a group admin may do that"));
    }
    svc.conversations.set_retention(id, retention).await?;
    let sweep = StreamEvent::Retention {
        conversation_id: id,
        after: Seq::ZERO,
    };
    super::messaging::append(svc, &sweep).await?;
    let frame = ServerFrame::Retention {
        conversation_id: id,
        days: retention.map(Retention::as_days),
        set_by: caller.user_id,
    };
    fanout::push_to_conversation(svc, id, &frame, None, None).await?;
    tracing::info!(conversation_id = %id, days = ?retention.map(Retention::as_days), "retention set");
    view(svc, caller, id).await
}

/// Makes a member an admin, or an admin a member (admins only). A group
/// keeps at least one admin.
pub async fn set_role(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    user: UserId,
    role: Role,
) -> AppResult<ConversationView> {
    admin_of_group(svc, caller, id).await?;
    let mut target = svc
        .conversations
        .member(id, user)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    if target.role == role {
        return view(svc, caller, id).await;
    }
    // Only a demotion needs the admins counted (a room's whole member list).
    if role == Role::Member {
        let members = svc.conversations.members(id).await?;
        let admins = members.iter().filter(|m| m.role == Role::Admin).count();
        if admins <= 1 {
            return Err(AppError::Conflict("a group keeps at least one admin"));
        }
    }
    target.role = role;
    if !svc.conversations.set_role(&target).await? {
        return Err(AppError::NotFound("member"));
    }
    // Two admins demoting each other at once both pass the count above;
    // whoever finds no admin left afterwards undoes its own demotion.
    if role == Role::Member
        && !svc
            .conversations
            .members(id)
            .await?
            .iter()
            .any(|m| m.role == Role::Admin)
    {
        target.role = Role::Admin;
        svc.conversations.set_role(&target).await?;
        return Err(AppError::Conflict("a group keeps at least one admin"));
    }
    tracing::info!(conversation_id = %id, ?role, "role changed");
    view(svc, caller, id).await
}

/// Removes a member; removing oneself is leaving, which any member may do.
/// A group left without an admin gets its longest-standing member as admin.
pub async fn remove_member(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    user: UserId,
) -> AppResult<()> {
    let c = if user == caller.user_id {
        group(svc, caller, id).await?.0
    } else {
        admin_of_group(svc, caller, id).await?
    };
    let Some(gone) = svc.conversations.member(id, user).await? else {
        return Err(AppError::NotFound("member"));
    };
    if !svc.conversations.remove_member(id, user).await? {
        return Err(AppError::NotFound("member"));
    }
    // First, before anything slower can fail: the user's connections stop
    // getting the room (and `subscribers` would skip them anyway).
    if c.kind == ConversationKind::Room {
        room_membership_changed(svc, &c, user, false).await?;
    }
    // Only an admin's leaving can leave the group without one.
    if gone.role == Role::Admin {
        let rest = svc.conversations.members(id).await?;
        let has_admin = rest.iter().any(|m| m.role == Role::Admin);
        if let Some(next) = rest.iter().min_by_key(|m| (m.joined_at, m.user_id))
            && !has_admin
        {
            let mut promoted = next.clone();
            promoted.role = Role::Admin;
            svc.conversations.set_role(&promoted).await?;
        }
    }
    tracing::info!(conversation_id = %id, user_id = %user, "member removed");
    Ok(())
}

/// Subscribes each open connection of the user to the room (idempotent);
/// returns the connections.
pub(crate) async fn subscribe_user(
    svc: &Services,
    room: ConversationId,
    user: UserId,
) -> AppResult<Vec<crate::domain::ConnectionRecord>> {
    let connections = svc.connections.connections_of(&[user]).await?;
    for c in &connections {
        svc.rooms.subscribe(room, c).await?;
    }
    Ok(connections)
}

/// After a user joins or leaves a room: their open connections start or
/// stop getting its deliveries, and if they are online the members hear
/// the new count. The membership is written first and the connections read
/// after, and a connection subscribes only while the membership stands, so
/// a join or leave racing a connect or disconnect leaves no subscription
/// wrong.
pub(crate) async fn room_membership_changed(
    svc: &Services,
    room: &Conversation,
    user: UserId,
    joined: bool,
) -> AppResult<()> {
    let connections = if joined {
        subscribe_user(svc, room.conversation_id, user).await?
    } else {
        let connections = svc.connections.connections_of(&[user]).await?;
        for c in &connections {
            svc.rooms
                .unsubscribe(room.conversation_id, &c.connection_id)
                .await?;
        }
        connections
    };
    if !connections.is_empty() {
        fanout::announce_online(svc, room, None).await?;
    }
    Ok(())
}

/// Where to download a message's file, for a short while.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentDownload {
    #[serde(flatten)]
    pub attachment: Attachment,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// A file that a message of the conversation carries, for members only:
/// the message must still be there (not deleted) and the file too.
pub async fn attachment(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    seq: Seq,
    upload: UploadId,
) -> AppResult<AttachmentDownload> {
    access::require_visible(svc, id, caller.user_id).await?;
    let missing = || AppError::NotFound("attachment");
    let message = svc
        .messages
        .entry(id, seq)
        .await?
        .filter(|m| m.is_live_message() && !m.expired(svc.clock.now()))
        .ok_or_else(missing)?;
    let attachment = message
        .attachments
        .into_iter()
        .find(|a| a.upload_id == upload)
        .ok_or_else(missing)?;
    // The sender may have deleted the file since.
    svc.uploads
        .upload(message.sender_id, upload)
        .await?
        .ok_or_else(missing)?;
    let disposition = attachment
        .name
        .content_disposition(attachment.content_type.is_image());
    let url = svc
        .blobs
        .presign_download(
            &uploads::media_key(message.sender_id, upload)?,
            svc.settings.download_url_ttl,
            &disposition,
        )
        .await?;
    Ok(AttachmentDownload {
        attachment,
        url: url.url,
        expires_at: url.expires_at,
    })
}

/// A page of history, newest first, for members only.
pub async fn history(
    svc: &Services,
    caller: &Caller,
    id: ConversationId,
    before: Option<Seq>,
    limit: Option<usize>,
) -> AppResult<HistoryPage> {
    access::require_visible(svc, id, caller.user_id).await?;
    let limit = limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(AppError::bad_request(
            crate::protocol::ErrorCode::InvalidRequest,
            format!("limit must be 1-{HISTORY_MAX}"),
        ));
    }
    let mut messages = svc.messages.history(id, before, limit).await?;
    let now = svc.clock.now();
    let full = messages.len() == limit;
    // Older than the retention: gone, even while storage catches up. What
    // is older still is gone too, so a page that met one is the last.
    let kept = messages.len();
    messages.retain(|m| !m.expired(now));
    let next_before = match messages.last() {
        Some(oldest) if full && kept == messages.len() && oldest.seq > Seq(1) => Some(oldest.seq),
        _ => None,
    };
    let voted: Vec<Seq> = messages
        .iter()
        .filter(|m| m.is_live_message() && (m.up > 0 || m.down > 0))
        .map(|m| m.seq)
        .collect();
    let mine = svc.messages.votes_by(id, caller.user_id, &voted).await?;
    let blocked = svc.friends.blocks(caller.user_id).await?;
    let messages = messages
        .into_iter()
        .map(|message| HistoryItem {
            my_vote: mine
                .iter()
                .find(|(seq, _)| *seq == message.seq)
                .map(|(_, v)| *v),
            message: message.seen_by(&blocked),
        })
        .collect();
    Ok(HistoryPage {
        messages,
        next_before,
    })
}
