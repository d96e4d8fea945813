//! Protocol v1: the frames that travel over the WebSocket (see
//! `docs/protocol.md`). Client frames are routed by `action`, server frames
//! are tagged by `type`. Parsing is strict about the fields it knows and
//! ignores the rest, so a spoofed `sender_id` is simply never read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::{
    Attachment, ClientMsgId, ConversationId, EmojiRef, FileName, MessageId, MessageText, Seq,
    StoredMessage, TextError, ThemeView, UploadId, UserId, UserProfile, Vote,
};

/// Every typed error the system reports, over HTTP and over the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    UnknownAction,
    InvalidFrame,
    InvalidRequest,
    TextTooLong,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    NotAMember,
    NotFound,
    HandleTaken,
    Conflict,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    UploadTypeNotAllowed,
    UploadTooLarge,
    ImageTooLarge,
    UploadIncomplete,
    UploadExpired,
    QuotaExceeded,
    ShortcodeTaken,
    InvalidTheme,
    LowContrast,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnknownAction => "unknown_action",
            ErrorCode::InvalidFrame => "invalid_frame",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotAMember => "not_a_member",
            ErrorCode::NotFound => "not_found",
            ErrorCode::HandleTaken => "handle_taken",
            ErrorCode::Conflict => "conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UploadTypeNotAllowed => "upload_type_not_allowed",
            ErrorCode::UploadTooLarge => "upload_too_large",
            ErrorCode::ImageTooLarge => "image_too_large",
            ErrorCode::UploadIncomplete => "upload_incomplete",
            ErrorCode::UploadExpired => "upload_expired",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::ShortcodeTaken => "shortcode_taken",
            ErrorCode::InvalidTheme => "invalid_theme",
            ErrorCode::LowContrast => "low_contrast",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The actions a client may send; also API Gateway's named routes.
pub const ACTIONS: [&str; 8] = [
    "send", "typing", "read", "resume", "ping", "edit", "delete", "vote",
];

/// The most messages one `resume` answers; `resumed.more` tells the client
/// to ask again.
pub const RESUME_PAGE: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    Send {
        id: ClientMsgId,
        conversation_id: ConversationId,
        content: Content,
    },
    Typing {
        id: Option<ClientMsgId>,
        conversation_id: ConversationId,
    },
    Read {
        id: Option<ClientMsgId>,
        conversation_id: ConversationId,
        seq: Seq,
    },
    Resume {
        id: Option<ClientMsgId>,
        conversation_id: ConversationId,
        last_seq: Seq,
    },
    Ping {
        id: Option<ClientMsgId>,
    },
    Edit {
        id: ClientMsgId,
        conversation_id: ConversationId,
        seq: Seq,
        text: MessageText,
    },
    Delete {
        id: ClientMsgId,
        conversation_id: ConversationId,
        seq: Seq,
    },
    Vote {
        id: Option<ClientMsgId>,
        conversation_id: ConversationId,
        seq: Seq,
        vote: Vote,
    },
}

impl ClientFrame {
    pub fn id(&self) -> Option<&ClientMsgId> {
        match self {
            ClientFrame::Send { id, .. }
            | ClientFrame::Edit { id, .. }
            | ClientFrame::Delete { id, .. } => Some(id),
            ClientFrame::Typing { id, .. }
            | ClientFrame::Vote { id, .. }
            | ClientFrame::Read { id, .. }
            | ClientFrame::Resume { id, .. }
            | ClientFrame::Ping { id } => id.as_ref(),
        }
    }
}

/// Why a frame was refused, with the id of the frame when it had a usable one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub id: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

/// What a message says: text, files, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub text: Option<MessageText>,
    pub attachments: Vec<AttachmentRequest>,
}

/// Why a message's content was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentError {
    TooLong(String),
    Invalid(String),
}

impl Content {
    /// The rules of `send` (socket and HTTP alike): text is required unless
    /// there are attachments; at most `Attachment::MAX_PER_MESSAGE` of them.
    pub fn parse(
        text: Option<String>,
        attachments: Vec<AttachmentRequest>,
    ) -> Result<Self, ContentError> {
        let text = match text {
            // A message of files alone needs no words.
            Some(t) if t.trim().is_empty() && !attachments.is_empty() => None,
            Some(t) => Some(MessageText::parse(t).map_err(|e| match e {
                TextError::TooLong => ContentError::TooLong(e.to_string()),
                TextError::Empty => ContentError::Invalid(e.to_string()),
            })?),
            None if attachments.is_empty() => {
                return Err(ContentError::Invalid("missing field `text`".into()));
            }
            None => None,
        };
        if attachments.len() > Attachment::MAX_PER_MESSAGE {
            return Err(ContentError::Invalid(format!(
                "at most {} attachments per message",
                Attachment::MAX_PER_MESSAGE
            )));
        }
        Ok(Self { text, attachments })
    }
}

/// A finished attachment upload of the sender's, named for the members.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttachmentRequest {
    pub upload_id: UploadId,
    pub name: FileName,
}

#[derive(Deserialize)]
struct SendFields {
    id: ClientMsgId,
    conversation_id: ConversationId,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentRequest>,
}

#[derive(Deserialize)]
struct ConversationFields {
    #[serde(default)]
    id: Option<ClientMsgId>,
    conversation_id: ConversationId,
}

#[derive(Deserialize)]
struct ReadFields {
    #[serde(default)]
    id: Option<ClientMsgId>,
    conversation_id: ConversationId,
    seq: u64,
}

#[derive(Deserialize)]
struct ResumeFields {
    #[serde(default)]
    id: Option<ClientMsgId>,
    conversation_id: ConversationId,
    last_seq: u64,
}

#[derive(Deserialize)]
struct EditFields {
    id: ClientMsgId,
    conversation_id: ConversationId,
    seq: u64,
    text: String,
}

#[derive(Deserialize)]
struct DeleteFields {
    id: ClientMsgId,
    conversation_id: ConversationId,
    seq: u64,
}

#[derive(Deserialize)]
struct VoteFields {
    #[serde(default)]
    id: Option<ClientMsgId>,
    conversation_id: ConversationId,
    seq: u64,
    vote: Vote,
}

#[derive(Deserialize)]
struct PingFields {
    #[serde(default)]
    id: Option<ClientMsgId>,
}

/// Parses one client frame.
pub fn parse_client_frame(body: &str) -> Result<ClientFrame, FrameError> {
    let value: Value = serde_json::from_str(body).map_err(|e| FrameError {
        id: None,
        code: ErrorCode::MalformedJson,
        message: format!("frame is not valid JSON: {e}"),
    })?;
    // The id is echoed in any error, even when the rest of the frame is bad,
    // so a client can tell which of its frames failed.
    let echo_id = value
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| ClientMsgId::parse(s).is_ok())
        .map(str::to_owned);
    let fail = |code: ErrorCode, message: String| FrameError {
        id: echo_id.clone(),
        code,
        message,
    };
    let Some(object) = value.as_object() else {
        return Err(fail(
            ErrorCode::InvalidFrame,
            "frame must be a JSON object".into(),
        ));
    };
    let action = match object.get("action") {
        Some(Value::String(a)) => a.as_str(),
        Some(_) => {
            return Err(fail(
                ErrorCode::InvalidFrame,
                "field `action` must be a string".into(),
            ));
        }
        None => {
            return Err(fail(
                ErrorCode::InvalidFrame,
                "missing field `action`".into(),
            ));
        }
    };
    let fields = |e: serde_json::Error| fail(ErrorCode::InvalidFrame, e.to_string());
    let text = |t: String| {
        MessageText::parse(t).map_err(|e| match e {
            TextError::TooLong => fail(ErrorCode::TextTooLong, e.to_string()),
            TextError::Empty => fail(ErrorCode::InvalidFrame, e.to_string()),
        })
    };
    match action {
        "send" => {
            let f: SendFields = serde_json::from_value(value.clone()).map_err(fields)?;
            let content = Content::parse(f.text, f.attachments).map_err(|e| match e {
                ContentError::TooLong(m) => fail(ErrorCode::TextTooLong, m),
                ContentError::Invalid(m) => fail(ErrorCode::InvalidFrame, m),
            })?;
            Ok(ClientFrame::Send {
                id: f.id,
                conversation_id: f.conversation_id,
                content,
            })
        }
        "edit" => {
            let f: EditFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Edit {
                id: f.id,
                conversation_id: f.conversation_id,
                seq: Seq(f.seq),
                text: text(f.text)?,
            })
        }
        "delete" => {
            let f: DeleteFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Delete {
                id: f.id,
                conversation_id: f.conversation_id,
                seq: Seq(f.seq),
            })
        }
        "vote" => {
            let f: VoteFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Vote {
                id: f.id,
                conversation_id: f.conversation_id,
                seq: Seq(f.seq),
                vote: f.vote,
            })
        }
        "typing" => {
            let f: ConversationFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Typing {
                id: f.id,
                conversation_id: f.conversation_id,
            })
        }
        "read" => {
            let f: ReadFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Read {
                id: f.id,
                conversation_id: f.conversation_id,
                seq: Seq(f.seq),
            })
        }
        "resume" => {
            let f: ResumeFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Resume {
                id: f.id,
                conversation_id: f.conversation_id,
                last_seq: Seq(f.last_seq),
            })
        }
        "ping" => {
            let f: PingFields = serde_json::from_value(value.clone()).map_err(fields)?;
            Ok(ClientFrame::Ping { id: f.id })
        }
        other => Err(fail(
            ErrorCode::UnknownAction,
            format!(
                "unknown action `{}`; expected one of {}",
                truncate(other, 40),
                ACTIONS.join(", ")
            ),
        )),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    Accepted,
    Persisted,
    /// A connection of at least one other member has it.
    Delivered,
}

/// A frame the server pushes to a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Ack {
        id: ClientMsgId,
        conversation_id: ConversationId,
        message_id: MessageId,
        status: AckStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<Seq>,
        /// The emoji the message's `:shortcode:`s resolved to, so the
        /// sender shows what everyone else sees.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        emoji: Vec<EmojiRef>,
    },
    /// An entry of a conversation's log: a message, or an edit or delete
    /// of one (`kind`).
    Message(Box<StoredMessage>),
    /// A message's vote counts changed.
    Votes {
        conversation_id: ConversationId,
        seq: Seq,
        up: u64,
        down: u64,
        /// Grows with every vote on the message: of two `votes` frames,
        /// the one with the larger `rev` is newer.
        rev: u64,
        /// Who voted, and their vote now.
        user_id: UserId,
        vote: Vote,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// The conversation's retention changed (`days` absent: messages kept).
    Retention {
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days: Option<u16>,
        set_by: UserId,
    },
    /// Random matching paired you with `with` in this direct conversation.
    Matched {
        conversation_id: ConversationId,
        with: UserProfile,
    },
    Read {
        conversation_id: ConversationId,
        user_id: UserId,
        seq: Seq,
    },
    Presence {
        conversation_id: ConversationId,
        online: u32,
    },
    /// The conversation's theme changed (`theme` absent: it was cleared).
    Theme {
        conversation_id: ConversationId,
        set_by: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        theme: Option<Box<ThemeView>>,
    },
    Resumed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<ClientMsgId>,
        conversation_id: ConversationId,
        /// The newest sequence number sent in answer to this resume.
        last_seq: Seq,
        /// More messages wait: send `resume` again from `last_seq`.
        more: bool,
    },
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<ClientMsgId>,
    },
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        code: ErrorCode,
        message: String,
        /// `rate_limited`: seconds until the frame would be taken.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

impl ServerFrame {
    pub fn message(m: &StoredMessage) -> Self {
        ServerFrame::Message(Box::new(m.clone()))
    }

    pub fn error(id: Option<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            id,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serialising these plain structs cannot fail: no maps with
        // non-string keys, no failing Serialize impls.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<FrameError> for ServerFrame {
    fn from(e: FrameError) -> Self {
        ServerFrame::Error {
            id: e.id,
            code: e.code,
            message: e.message,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONV: &str = "0190a7a4-9f3c-7b1e-8a2b-0c4d5e6f7a8b";

    fn err(body: &str) -> FrameError {
        parse_client_frame(body).unwrap_err()
    }

    #[test]
    fn parses_every_action() {
        let send = parse_client_frame(&format!(
            r#"{{"action":"send","id":"c1","conversation_id":"{CONV}","text":"hi"}}"#
        ))
        .unwrap();
        assert!(
            matches!(send, ClientFrame::Send { ref content, .. } if content.text.as_ref().is_some_and(|t| t.as_str() == "hi"))
        );
        assert_eq!(send.id().unwrap().as_str(), "c1");
        assert!(matches!(
            parse_client_frame(&format!(
                r#"{{"action":"typing","conversation_id":"{CONV}"}}"#
            )),
            Ok(ClientFrame::Typing { id: None, .. })
        ));
        assert!(matches!(
            parse_client_frame(&format!(
                r#"{{"action":"read","conversation_id":"{CONV}","seq":7}}"#
            )),
            Ok(ClientFrame::Read { seq: Seq(7), .. })
        ));
        assert!(matches!(
            parse_client_frame(&format!(
                r#"{{"action":"resume","id":"r","conversation_id":"{CONV}","last_seq":3}}"#
            )),
            Ok(ClientFrame::Resume {
                last_seq: Seq(3),
                ..
            })
        ));
        assert!(matches!(
            parse_client_frame(r#"{"action":"ping","id":"p"}"#),
            Ok(ClientFrame::Ping { id: Some(_) })
        ));
    }

    #[test]
    fn ignores_unknown_fields_such_as_a_spoofed_sender() {
        let f = parse_client_frame(&format!(
            r#"{{"action":"send","id":"c1","conversation_id":"{CONV}","text":"hi","sender_id":"someone-else"}}"#
        ));
        assert!(f.is_ok());
    }

    #[test]
    fn malformed_json_is_typed() {
        let e = err("{nope");
        assert_eq!(e.code, ErrorCode::MalformedJson);
        assert_eq!(e.id, None);
    }

    #[test]
    fn unknown_or_missing_action_is_typed_and_echoes_the_id() {
        let e = err(r#"{"action":"dance","id":"x1"}"#);
        assert_eq!(e.code, ErrorCode::UnknownAction);
        assert_eq!(e.id.as_deref(), Some("x1"));
        assert_eq!(err(r#"{"id":"x2"}"#).code, ErrorCode::InvalidFrame);
        assert_eq!(err(r#"{"action":5}"#).code, ErrorCode::InvalidFrame);
        assert_eq!(err(r#"[1,2]"#).code, ErrorCode::InvalidFrame);
    }

    #[test]
    fn missing_and_wrong_typed_fields_are_invalid_frames() {
        let e = err(r#"{"action":"send","id":"c1","text":"hi"}"#);
        assert_eq!(e.code, ErrorCode::InvalidFrame);
        assert!(e.message.contains("conversation_id"), "{}", e.message);
        let e = err(&format!(
            r#"{{"action":"read","conversation_id":"{CONV}","seq":"7"}}"#
        ));
        assert_eq!(e.code, ErrorCode::InvalidFrame);
        let e = err(r#"{"action":"typing","conversation_id":"nope"}"#);
        assert_eq!(e.code, ErrorCode::InvalidFrame);
        let e = err(&format!(
            r#"{{"action":"read","conversation_id":"{CONV}","seq":-1}}"#
        ));
        assert_eq!(e.code, ErrorCode::InvalidFrame);
    }

    #[test]
    fn text_over_the_limit_has_its_own_code() {
        let long = "x".repeat(MessageText::MAX_CHARS + 1);
        let e = err(&format!(
            r#"{{"action":"send","id":"c1","conversation_id":"{CONV}","text":"{long}"}}"#
        ));
        assert_eq!(e.code, ErrorCode::TextTooLong);
        assert_eq!(e.id.as_deref(), Some("c1"));
    }

    #[test]
    fn an_unusable_id_is_not_echoed() {
        let e = err(r#"{"action":"ping","id":"has space"}"#);
        assert_eq!(e.code, ErrorCode::InvalidFrame);
        assert_eq!(e.id, None);
    }

    #[test]
    fn server_frames_have_the_documented_shape() {
        let f = ServerFrame::Presence {
            conversation_id: ConversationId::parse(CONV).unwrap(),
            online: 2,
        };
        let v: Value = serde_json::from_slice(&f.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"presence","conversation_id":CONV,"online":2})
        );
        let e = ServerFrame::error(Some("c1".into()), ErrorCode::NotAMember, "no");
        let v: Value = serde_json::from_slice(&e.to_json()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type":"error","id":"c1","code":"not_a_member","message":"no"})
        );
    }
}
