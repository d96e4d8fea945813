//! The bundle of ports every use case takes, and the settings beside it.

use std::sync::Arc;
use std::time::Duration;

use super::error::{AppError, AppResult};
use crate::auth::Auth;
use crate::ports::{
    BlobStore, Clock, ConnectionStore, ConversationStore, EmojiStore, FriendStore,
    IdentityProvider, LimitStore, MatchStore, MessageLog, MessageStream, Metrics, Pusher,
    RoomStore, ThemeStore, TokenStore, UploadStore, UserStore,
};

/// Limits and lifetimes that the platform imposes or the operator chooses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API Gateway closes a connection after this long whatever happens.
    pub max_connection_time: Duration,
    /// Parallel pushes in one fan-out (API Gateway callbacks are HTTP calls).
    pub push_concurrency: usize,
    /// Bytes of finished uploads one user may keep.
    pub upload_quota_bytes: u64,
    /// How long a presigned upload URL works.
    pub upload_url_ttl: Duration,
    /// How long a pending upload may wait to be finalized.
    pub upload_pending_ttl: Duration,
    /// How long a presigned download URL works.
    pub download_url_ttl: Duration,
    /// Emoji in one user's library.
    pub max_emoji: u64,
    /// Whether per-user rate limits apply (`app::limits`); off only for
    /// load tests.
    pub rate_limits: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_connection_time: Duration::from_secs(2 * 3600),
            push_concurrency: 32,
            upload_quota_bytes: 200 * 1024 * 1024,
            upload_url_ttl: Duration::from_secs(5 * 60),
            upload_pending_ttl: Duration::from_secs(60 * 60),
            download_url_ttl: Duration::from_secs(60 * 60),
            max_emoji: 100,
            rate_limits: true,
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
    pub matches: Arc<dyn MatchStore>,
    pub rooms: Arc<dyn RoomStore>,
    pub limits: Arc<dyn LimitStore>,
    pub uploads: Arc<dyn UploadStore>,
    pub emoji: Arc<dyn EmojiStore>,
    pub themes: Arc<dyn ThemeStore>,
    pub stream: Arc<dyn MessageStream>,
    pub pusher: Arc<dyn Pusher>,
    pub blobs: Arc<dyn BlobStore>,
    /// The OpenID provider people may sign in with, when one is configured.
    pub identity: Option<Arc<dyn IdentityProvider>>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<dyn Metrics>,
    /// Access tokens: only the function that issues and checks them (crud)
    /// holds the signing key; elsewhere this is `None`.
    pub auth: Option<Auth>,
    pub settings: Settings,
}

impl Services {
    /// The token signer, or an internal error in a function built without it.
    pub fn access_tokens(&self) -> AppResult<&Auth> {
        self.auth
            .as_ref()
            .ok_or(AppError::Internal("access tokens are not configured here"))
    }
}

/// Runs CPU-heavy or blocking work off the async threads.
pub(crate) async fn blocking<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// Password hashing: off the async threads, and at most one per core at a
/// time (each takes 19 MiB; a burst of sign-ups waits its turn rather than
/// growing the process).
pub(crate) async fn hashing<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // The permit moves into the job: a request dropped while it hashes
    // (a client gone) keeps its place until the hash ends. The semaphore
    // is never closed.
    let permit = crate::auth::HASHING.acquire().await.ok();
    blocking(move || {
        let _permit = permit;
        f()
    })
    .await
}
