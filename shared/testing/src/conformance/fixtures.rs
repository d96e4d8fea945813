//! Records for the conformance bodies to store.

use chrono::{Duration, Utc};

use chitter_core::domain::{
    ClientMsgId, ConnectionId, ConnectionRecord, Conversation, ConversationId, ConversationKind,
    DisplayName, Handle, Member, MessageId, MessageText, Role, Seq, StreamMessage, Title, UserId,
    UserRecord,
};

pub fn user(handle: &str) -> UserRecord {
    UserRecord {
        user_id: UserId::new(),
        handle: Handle::parse(handle).unwrap(),
        display_name: DisplayName::parse(handle).unwrap(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: Utc::now(),
    }
}

pub(crate) fn conversation(kind: ConversationKind, by: UserId) -> Conversation {
    Conversation {
        conversation_id: ConversationId::new(),
        kind,
        title: (kind == ConversationKind::Group).then(|| Title::parse("Team").unwrap()),
        created_by: by,
        created_at: Utc::now(),
        last_seq: Seq::ZERO,
        last_message_at: None,
        retention: None,
    }
}

pub(crate) fn member(c: &Conversation, user: UserId, role: Role) -> Member {
    Member {
        conversation_id: c.conversation_id,
        user_id: user,
        role,
        joined_at: Utc::now(),
        read_seq: Seq::ZERO,
    }
}

pub(crate) fn message(
    c: ConversationId,
    sender: UserId,
    client_id: &str,
    text: &str,
) -> StreamMessage {
    StreamMessage {
        message_id: MessageId::new(),
        conversation_id: c,
        sender_id: sender,
        client_msg_id: ClientMsgId::parse(client_id).unwrap(),
        text: Some(MessageText::parse(text.into()).unwrap()),
        emoji: Vec::new(),
        attachments: Vec::new(),
        sent_at: Utc::now(),
        origin: Some(ConnectionId::parse("origin-conn").unwrap()),
    }
}

pub(crate) fn connection(user: UserId, id: &str) -> ConnectionRecord {
    let now = Utc::now();
    ConnectionRecord {
        connection_id: ConnectionId::parse(id).unwrap(),
        user_id: user,
        connected_at: now,
        expires_at: now + Duration::hours(2),
    }
}
