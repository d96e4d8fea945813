//! The socket's frames: the message function's use cases. What the stream
//! carries on to be stored is the persist function's (`persisting`).

use super::error::{AppError, AppResult};
use super::services::Services;
use super::{access, emoji, fanout, limits};
use crate::domain::{
    Attachment, Caller, Change, ChangeRefused, ClientMsgId, ConnectionId, ConversationId,
    ConversationKind, MessageId, Role, Seq, StreamChange, StreamEvent, StreamMessage, UploadKind,
    UploadState, UserId, Vote,
};
use crate::ports::{Metric, PushError};
use crate::protocol::{
    AckStatus, AttachmentRequest, ClientFrame, Content, ErrorCode, RESUME_PAGE, ServerFrame,
    parse_client_frame,
};

/// Handles one client frame. Every outcome the client should hear of, the
/// errors included, is pushed back to its connection; nothing is returned
/// because API Gateway does not relay a route's result.
pub async fn handle_frame(svc: &Services, caller: &Caller, connection: &ConnectionId, body: &str) {
    let reply = match parse_client_frame(body) {
        Err(e) => Some(ServerFrame::from(e)),
        Ok(frame) => {
            let id = frame.id().map(ToString::to_string);
            match dispatch(svc, caller, connection, frame).await {
                Ok(reply) => reply,
                // The connection itself is gone: there is no one to tell.
                Err(AppError::Delivery(PushError::Gone)) => None,
                Err(e) => {
                    e.log();
                    Some(e.frame(id))
                }
            }
        }
    };
    if let Some(reply) = reply {
        fanout::reply(svc, connection, &reply).await;
    }
}

async fn dispatch(
    svc: &Services,
    caller: &Caller,
    connection: &ConnectionId,
    frame: ClientFrame,
) -> AppResult<Option<ServerFrame>> {
    match frame {
        ClientFrame::Send {
            id,
            conversation_id,
            content,
        } => {
            access::require(svc, conversation_id, caller.user_id).await?;
            accept(svc, caller, Some(connection), id, conversation_id, content)
                .await
                .map(Some)
        }
        ClientFrame::Typing {
            conversation_id, ..
        } => {
            typing(svc, caller, conversation_id).await?;
            Ok(None)
        }
        ClientFrame::Read {
            conversation_id,
            seq,
            ..
        } => {
            read(svc, caller, connection, conversation_id, seq).await?;
            Ok(None)
        }
        ClientFrame::Resume {
            id,
            conversation_id,
            last_seq,
        } => resume(svc, caller, connection, id, conversation_id, last_seq)
            .await
            .map(Some),
        ClientFrame::Ping { id } => Ok(Some(ServerFrame::Pong { id })),
        ClientFrame::Edit {
            id,
            conversation_id,
            seq,
            text,
        } => {
            let emoji = emoji::resolve(svc, caller.user_id, &text).await?;
            let change = Change::Edit { text, emoji };
            request_change(svc, caller, connection, id, conversation_id, seq, change)
                .await
                .map(Some)
        }
        ClientFrame::Delete {
            id,
            conversation_id,
            seq,
        } => request_change(
            svc,
            caller,
            connection,
            id,
            conversation_id,
            seq,
            Change::Delete,
        )
        .await
        .map(Some),
        ClientFrame::Vote {
            conversation_id,
            seq,
            vote: ballot,
            ..
        } => vote(svc, caller, conversation_id, seq, ballot).await,
    }
}

/// In a direct chat, a block either way stops messages, changes, votes
/// and typing. One read answers
/// the common case (the sender has no blocks at all); only otherwise is
/// the conversation looked at. In groups a block withholds content from
/// the blocker instead (`deliver`, history).
async fn refuse_if_blocked(
    svc: &Services,
    sender: UserId,
    conversation_id: ConversationId,
) -> AppResult<()> {
    let related = svc.friends.block_relations(sender).await?;
    if related.is_empty() {
        return Ok(());
    }
    let direct = svc
        .conversations
        .conversation(conversation_id)
        .await?
        .is_some_and(|c| c.kind == ConversationKind::Direct);
    if direct
        && access::member_ids(svc, conversation_id)
            .await?
            .iter()
            .any(|m| related.contains(m))
    {
        return Err(AppError::Forbidden("one of you blocks the other"));
    }
    Ok(())
}

/// The sender's finished attachment uploads, looked up at once, in the
/// order given. Someone else's upload is "not found", like a missing one.
async fn attachments(
    svc: &Services,
    caller: &Caller,
    requested: Vec<AttachmentRequest>,
) -> AppResult<Vec<Attachment>> {
    if requested
        .iter()
        .enumerate()
        .any(|(i, a)| requested[..i].iter().any(|b| b.upload_id == a.upload_id))
    {
        return Err(AppError::bad_request(
            ErrorCode::InvalidFrame,
            "an upload is attached twice",
        ));
    }
    let uploads = futures::future::try_join_all(
        requested
            .iter()
            .map(|a| svc.uploads.upload(caller.user_id, a.upload_id)),
    )
    .await?;
    requested
        .into_iter()
        .zip(uploads)
        .map(|(a, upload)| match upload {
            None => Err(AppError::NotFound("upload")),
            Some(u) if u.kind != UploadKind::Attachment || u.state != UploadState::Ready => {
                Err(AppError::bad_request(
                    ErrorCode::InvalidFrame,
                    format!("upload {} is not a finished attachment", a.upload_id),
                ))
            }
            Some(u) => Ok(Attachment::of(&u, a.name)),
        })
        .collect()
}

/// `edit` or `delete`: checked against the message now, then put on the
/// conversation's stream like a message, so it is ordered with the
/// messages around it and stored once per client id. Whether the message
/// still exists is decided again when the change is stored (a delete may
/// have overtaken it); a refusal then reaches the client as an `error`.
async fn request_change(
    svc: &Services,
    caller: &Caller,
    connection: &ConnectionId,
    id: ClientMsgId,
    conversation_id: ConversationId,
    target_seq: Seq,
    change: Change,
) -> AppResult<ServerFrame> {
    let member = access::require(svc, conversation_id, caller.user_id).await?;
    limits::check(svc, limits::SENDS, &caller.user_id.to_string()).await?;
    refuse_if_blocked(svc, caller.user_id, conversation_id).await?;
    let target = svc
        .messages
        .entry(conversation_id, target_seq)
        .await?
        .filter(|t| t.kind == crate::domain::EntryKind::Message && !t.expired(svc.clock.now()))
        .ok_or(AppError::from(ChangeRefused::Missing))?;
    let moderator = target.sender_id != caller.user_id
        && matches!(change, Change::Delete)
        && member.role == Role::Admin
        && svc
            .conversations
            .conversation(conversation_id)
            .await?
            .is_some_and(|c| c.kind.is_titled());
    let c = StreamChange {
        message_id: MessageId::new(),
        conversation_id,
        sender_id: caller.user_id,
        client_msg_id: id.clone(),
        target_seq,
        change,
        sent_at: svc.clock.now(),
        origin: Some(connection.clone()),
        moderator,
    };
    if target.sender_id != caller.user_id && !moderator {
        return Err(ChangeRefused::NotAuthor.into());
    }
    let emoji = match &c.change {
        Change::Edit { emoji, .. } => emoji.clone(),
        Change::Delete => Vec::new(),
    };
    let message_id = c.message_id;
    append(svc, &StreamEvent::Change(c)).await?;
    svc.metrics.count(Metric::Accepted, 1);
    Ok(ServerFrame::Ack {
        id,
        conversation_id,
        message_id,
        status: AckStatus::Accepted,
        seq: None,
        emoji,
    })
}

/// `vote`: one vote per user per message, its counts pushed to every
/// member's connections when they change (the voter's too, which is the
/// answer); a repeated vote changes nothing and is answered alone.
async fn vote(
    svc: &Services,
    caller: &Caller,
    conversation_id: ConversationId,
    seq: Seq,
    ballot: Vote,
) -> AppResult<Option<ServerFrame>> {
    access::require(svc, conversation_id, caller.user_id).await?;
    limits::check(svc, limits::SENDS, &caller.user_id.to_string()).await?;
    refuse_if_blocked(svc, caller.user_id, conversation_id).await?;
    // A message past its retention is gone, even before storage removes it.
    if svc
        .messages
        .entry(conversation_id, seq)
        .await?
        .is_some_and(|m| m.expired(svc.clock.now()))
    {
        return Err(AppError::NotFound("message"));
    }
    let voted = svc
        .messages
        .vote(conversation_id, seq, caller.user_id, ballot)
        .await??;
    let frame = ServerFrame::Votes {
        conversation_id,
        seq,
        up: voted.tally.up,
        down: voted.tally.down,
        rev: voted.tally.rev,
        user_id: caller.user_id,
        vote: ballot,
    };
    if !voted.changed {
        return Ok(Some(frame));
    }
    fanout::push_to_conversation(svc, conversation_id, &frame, None, None).await?;
    Ok(None)
}

/// Puts a record on its conversation's stream partition.
pub(crate) async fn append(svc: &Services, event: &StreamEvent) -> AppResult<()> {
    let data = serde_json::to_vec(event)
        .map_err(|_| AppError::Internal("stream record could not be encoded"))?;
    svc.stream
        .append(&event.conversation_id().to_string(), data)
        .await?;
    Ok(())
}

/// Sends a message over HTTP (bots, integrations): the same path as the
/// socket's `send`, with the same idempotency by client message id. The
/// answer is the `accepted` ack; every member's connections, the sender's
/// included, then get the message.
pub async fn send_over_http(
    svc: &Services,
    caller: &Caller,
    id: ClientMsgId,
    conversation_id: ConversationId,
    content: Content,
) -> AppResult<ServerFrame> {
    access::require_visible(svc, conversation_id, caller.user_id).await?;
    accept(svc, caller, None, id, conversation_id, content)
        .await
        .map_err(|e| match e {
            // Over HTTP a wrong body is a request, not a frame.
            AppError::BadRequest {
                code: ErrorCode::InvalidFrame,
                message,
            } => AppError::bad_request(ErrorCode::InvalidRequest, message),
            e => e,
        })
}

/// `send` from a member: name the message, append it to the stream keyed
/// by conversation, and only then answer `accepted`.
async fn accept(
    svc: &Services,
    caller: &Caller,
    connection: Option<&ConnectionId>,
    id: ClientMsgId,
    conversation_id: ConversationId,
    content: Content,
) -> AppResult<ServerFrame> {
    limits::check(svc, limits::SENDS, &caller.user_id.to_string()).await?;
    let emoji = match &content.text {
        Some(text) => emoji::resolve(svc, caller.user_id, text).await?,
        None => Vec::new(),
    };
    refuse_if_blocked(svc, caller.user_id, conversation_id).await?;
    let attachments = attachments(svc, caller, content.attachments).await?;
    let message = StreamMessage {
        message_id: MessageId::new(),
        conversation_id,
        sender_id: caller.user_id,
        client_msg_id: id.clone(),
        text: content.text,
        emoji,
        attachments,
        sent_at: svc.clock.now(),
        origin: connection.cloned(),
    };
    append(svc, &StreamEvent::Message(message.clone())).await?;
    svc.metrics.count(Metric::Accepted, 1);
    tracing::debug!(message_id = %message.message_id, conversation_id = %conversation_id, "accepted");
    Ok(ServerFrame::Ack {
        id,
        conversation_id,
        message_id: message.message_id,
        status: AckStatus::Accepted,
        seq: None,
        emoji: message.emoji,
    })
}

/// `typing`: ephemeral, straight to the other members, never stored.
async fn typing(svc: &Services, caller: &Caller, conversation_id: ConversationId) -> AppResult<()> {
    access::require(svc, conversation_id, caller.user_id).await?;
    limits::check(svc, limits::TYPING, &caller.user_id.to_string()).await?;
    refuse_if_blocked(svc, caller.user_id, conversation_id).await?;
    let frame = ServerFrame::Typing {
        conversation_id,
        user_id: caller.user_id,
    };
    fanout::push_to_conversation(svc, conversation_id, &frame, None, Some(caller.user_id)).await?;
    Ok(())
}

/// `read`: stores the read position (never backwards, never past the newest
/// message) and tells the members, the reader's other devices included.
async fn read(
    svc: &Services,
    caller: &Caller,
    connection: &ConnectionId,
    conversation_id: ConversationId,
    seq: Seq,
) -> AppResult<()> {
    access::require(svc, conversation_id, caller.user_id).await?;
    let c = svc
        .conversations
        .conversation(conversation_id)
        .await?
        .ok_or(AppError::NotAMember)?;
    let seq = seq.min(c.last_seq);
    if !svc
        .conversations
        .mark_read(conversation_id, caller.user_id, seq)
        .await?
    {
        return Ok(());
    }
    let frame = ServerFrame::Read {
        conversation_id,
        user_id: caller.user_id,
        seq,
    };
    // A room's members are many: only the reader's own devices hear of it.
    if c.kind == ConversationKind::Room {
        fanout::push_to_users(svc, &[caller.user_id], &frame, Some(connection)).await?;
    } else {
        fanout::push_to_conversation(svc, conversation_id, &frame, Some(connection), None).await?;
    }
    Ok(())
}

/// `resume`: the messages after `last_seq`, in order, one page at a time.
async fn resume(
    svc: &Services,
    caller: &Caller,
    connection: &ConnectionId,
    id: Option<ClientMsgId>,
    conversation_id: ConversationId,
    last_seq: Seq,
) -> AppResult<ServerFrame> {
    access::require(svc, conversation_id, caller.user_id).await?;
    // Read first: every entry up to it is stored by the time the page is
    // read, so a page that ends early has all that remains up to it.
    let c = svc.conversations.conversation(conversation_id).await?;
    let newest = c.as_ref().map_or(last_seq, |c| c.last_seq);
    // A connection that resumes in a room gets its deliveries from now on,
    // even if subscribing failed when it connected.
    if c.is_some_and(|c| c.kind == ConversationKind::Room) {
        fanout::ensure_subscribed(svc, conversation_id, connection).await?;
    }
    let mut page = svc
        .messages
        .after(conversation_id, last_seq, RESUME_PAGE + 1)
        .await?;
    let more = page.len() > RESUME_PAGE;
    page.truncate(RESUME_PAGE);
    // The page goes this far even when retention hid some of it, so the
    // next `resume` starts after it (not at the same place forever).
    let looked = page.last().map_or(last_seq, |m| m.seq);
    let now = svc.clock.now();
    page.retain(|m| !m.expired(now));
    let blocked = svc.friends.blocks(caller.user_id).await?;
    for m in &page {
        let m = &m.seen_by(&blocked);
        // In order, one at a time: the connection must see them in sequence,
        // so the first failure ends the page.
        let failures = fanout::push(
            svc,
            std::slice::from_ref(connection),
            &ServerFrame::message(m),
        )
        .await;
        if let Some((_, e)) = failures.into_iter().next() {
            return Err(e.into());
        }
    }
    // Entries removed by retention leave holes below `newest`: a client
    // that is told it is there does not ask for them again.
    let last_seq = if more { looked } else { looked.max(newest) };
    Ok(ServerFrame::Resumed {
        id,
        conversation_id,
        last_seq,
        more,
    })
}
