//! The domain: values that cannot be invalid once built, and the records the
//! stores keep. No AWS and no storage types here.

mod caller;
mod conversation;
mod emoji;
mod friend;
mod ids;
mod matching;
mod message;
mod theme;
mod upload;
mod user;

pub use caller::Caller;
pub use conversation::{Conversation, ConversationKind, Member, Retention, Role, Title};
pub use emoji::{Emoji, EmojiRef, Shortcode, shortcodes_in};
pub use friend::{FriendLink, FriendState};
pub use ids::{
    ClientMsgId, ConnectionId, ConversationId, EmojiId, MessageId, Seq, ThemeId, UploadId, UserId,
};
pub use matching::MatchState;
pub use message::{
    Change, ChangeRefused, EntryKind, MessageText, StoredMessage, StreamChange, StreamEvent,
    StreamMessage, Tally, TextError, Vote,
};
pub use theme::{
    Background, Layer, MIN_CONTRAST, Rgb, Theme, ThemeColors, ThemeError, ThemeSpec, ThemeView,
};
pub use upload::{Attachment, Dimensions, FileName, MediaType, Upload, UploadKind, UploadState};
pub use user::{
    DisplayName, ExternalIdentity, Handle, Password, UserProfile, UserRecord, handle_base,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A value that failed its constructor's checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct DomainError {
    pub field: &'static str,
    pub reason: &'static str,
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        Self { field, reason }
    }
}

/// A registered WebSocket connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub connection_id: ConnectionId,
    pub user_id: UserId,
    pub connected_at: DateTime<Utc>,
    /// When the platform will have closed it at the latest (the maximum
    /// connection time); stores may expire the record then.
    pub expires_at: DateTime<Utc>,
}
