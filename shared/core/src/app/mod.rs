//! Use cases. Each takes the `Services` bundle of ports and knows nothing of
//! Lambda events, HTTP or storage technology.
//!
//! Modules lower in this list may not use those above them:
//! `conversations`, `friends`, `accounts` and `messaging` (the use cases the
//! functions call) over `presence` (connections coming and going) over
//! `fanout` (the one push-and-prune path) over `membership` (the one
//! membership check).

pub mod accounts;
pub mod conversations;
mod error;
mod fanout;
pub mod friends;
mod membership;
pub mod messaging;
pub mod presence;

pub use error::{AppError, AppResult};
pub use fanout::{GONE_GRACE, reply};

use std::sync::Arc;
use std::time::Duration;

use crate::auth::Auth;
use crate::domain::{Caller, UserId};
use crate::ports::{
    BlobStore, Clock, ConnectionStore, ConversationStore, FriendStore, MessageLog, MessageStream,
    Pusher, Store, TokenStore, UserStore,
};
use crate::protocol::ErrorCode;

/// Limits and lifetimes that the platform imposes or the operator chooses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API Gateway closes a connection after this long whatever happens.
    pub max_connection_time: Duration,
    /// Parallel pushes in one fan-out (API Gateway callbacks are HTTP calls).
    pub push_concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_connection_time: Duration::from_secs(2 * 3600),
            push_concurrency: 32,
        }
    }
}

/// Every port, built once per process (per Lambda cold start) and shared.
pub struct Services {
    pub users: Arc<dyn UserStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub connections: Arc<dyn ConnectionStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub friends: Arc<dyn FriendStore>,
    pub messages: Arc<dyn MessageLog>,
    pub stream: Arc<dyn MessageStream>,
    pub pusher: Arc<dyn Pusher>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
    /// Access tokens: only the function that issues and checks them (crud)
    /// holds the signing key; elsewhere this is `None`.
    pub auth: Option<Auth>,
    pub settings: Settings,
}

impl Services {
    pub fn new<S: Store + 'static>(
        store: Arc<S>,
        stream: Arc<dyn MessageStream>,
        pusher: Arc<dyn Pusher>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        auth: Option<Auth>,
        settings: Settings,
    ) -> Self {
        Self {
            users: store.clone(),
            tokens: store.clone(),
            connections: store.clone(),
            conversations: store.clone(),
            friends: store.clone(),
            messages: store,
            stream,
            pusher,
            blobs,
            clock,
            auth,
            settings,
        }
    }

    /// The token signer, or an internal error in a function built without it.
    pub fn auth(&self) -> AppResult<&Auth> {
        self.auth
            .as_ref()
            .ok_or(AppError::Internal("access tokens are not configured here"))
    }
}

/// Checks that `other` is an existing user other than the caller, before
/// relating the two (a direct chat, a friendship).
pub(crate) async fn require_other_user(
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

/// Runs CPU-heavy or blocking work (password hashing) off the async threads.
pub(crate) async fn blocking<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Ok(tokio::task::spawn_blocking(f).await?)
}
