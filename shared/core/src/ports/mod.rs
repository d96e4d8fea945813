//! Ports: the narrow capabilities the use cases need from the outside world,
//! one file per port. The embedded adapters (`chitter-embedded`) and the AWS
//! adapters (`chitter-aws`) implement them in files of the same names and
//! pass the same conformance tests (`chitter-testing`).

mod blobs;
mod clock;
mod connections;
mod conversations;
mod emoji;
mod friends;
mod identity;
mod limits;
mod matching;
mod messages;
mod metrics;
mod pusher;
mod rooms;
mod stream;
mod themes;
mod tokens;
mod uploads;
mod users;

pub use blobs::{BlobError, BlobInfo, BlobKey, BlobStore, PresignedRequest};
pub use clock::{Clock, SystemClock};
pub use connections::{ConnectionStore, PresenceChange};
pub use conversations::{AddMember, ConversationStore};
pub use emoji::{EmojiStore, EmojiWrite};
pub use friends::FriendStore;
pub use identity::{IdentityProvider, IdpError, ProviderInfo};
pub use limits::LimitStore;
pub use matching::{MatchStore, Paired};
pub use messages::{MessageLog, Persisted, Voted};
pub use metrics::{Counters, Metric, Metrics};
pub use pusher::{PushError, Pusher};
pub use rooms::{RoomConnection, RoomListing, RoomStore};
pub use stream::{MessageStream, StreamError};
pub use themes::{
    AppliedTheme, Copied, MarketOrder, MarketPage, ThemeScope, ThemeStore, market_keys,
};
pub use tokens::{Spend, TokenGrant, TokenKind, TokenStore};
pub use uploads::{Deleted, Finalized, UploadStore};
pub use users::{NewIdentity, UserStore};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How every store port fails.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional create found the key taken.
    #[error("item already exists")]
    AlreadyExists,
    /// The backend failed; the operation may be retried.
    #[error("store backend failed")]
    Backend(#[source] BoxError),
}

impl StoreError {
    pub fn backend(e: impl Into<BoxError>) -> Self {
        StoreError::Backend(e.into())
    }
}

/// A store that implements every store port, as both store adapters do:
/// the ports share one table (one redb file, one DynamoDB table), so that a
/// message and its conversation's counter commit together.
pub trait Store:
    UserStore
    + TokenStore
    + ConnectionStore
    + ConversationStore
    + FriendStore
    + MessageLog
    + MatchStore
    + LimitStore
    + RoomStore
    + UploadStore
    + EmojiStore
    + ThemeStore
{
}

impl<T> Store for T where
    T: UserStore
        + TokenStore
        + ConnectionStore
        + ConversationStore
        + FriendStore
        + MessageLog
        + MatchStore
        + LimitStore
        + RoomStore
        + UploadStore
        + EmojiStore
        + ThemeStore
{
}
