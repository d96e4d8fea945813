//! Use cases. Each takes the `Services` bundle of ports and knows nothing of
//! Lambda events, HTTP or storage technology.

pub mod accounts;
pub mod conversations;
pub mod fanout;
pub mod friends;
pub mod messaging;
pub mod presence;

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Auth, AuthError};
use crate::domain::DomainError;
use crate::ports::{
    BlobError, BlobStore, Clock, ConnectionStore, ConversationStore, FriendStore, MessageLog,
    MessageStream, PushError, Pusher, StoreError, StreamError, TokenStore, UserStore,
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
    pub auth: Auth,
    pub settings: Settings,
}

/// A store that implements every store port, as both adapters do.
pub trait Store:
    UserStore + TokenStore + ConnectionStore + ConversationStore + FriendStore + MessageLog
{
}

impl<T> Store for T where
    T: UserStore + TokenStore + ConnectionStore + ConversationStore + FriendStore + MessageLog
{
}

impl Services {
    pub fn new<S: Store + 'static>(
        store: Arc<S>,
        stream: Arc<dyn MessageStream>,
        pusher: Arc<dyn Pusher>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        auth: Auth,
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
}

/// The one error type of the use cases. `code` and `status` are the single
/// mapping to what clients see; internal causes are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(#[from] DomainError),
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("wrong handle or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("you are not a member of this conversation")]
    NotAMember,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("that handle is taken")]
    HandleTaken,
    #[error("{0}")]
    Conflict(&'static str),
    #[error("storage is unavailable")]
    Store(#[from] StoreError),
    #[error("the message stream is unavailable")]
    Stream(#[from] StreamError),
    #[error("delivery failed; try again")]
    Delivery(#[from] PushError),
    #[error("blob storage is unavailable")]
    Blob(#[from] BlobError),
    /// A failure of our own that no input explains (logged with its cause).
    #[error("internal error: {0}")]
    Internal(&'static str),
    #[error("internal error")]
    Auth(#[from] AuthError),
    #[error("internal error")]
    Task(#[from] tokio::task::JoinError),
}

impl AppError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Invalid(_) => ErrorCode::InvalidRequest,
            AppError::BadRequest { code, .. } => *code,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotAMember => ErrorCode::NotAMember,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::HandleTaken => ErrorCode::HandleTaken,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Store(_)
            | AppError::Stream(_)
            | AppError::Delivery(_)
            | AppError::Blob(_) => ErrorCode::Unavailable,
            AppError::Internal(_) | AppError::Auth(_) | AppError::Task(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> u16 {
        match self.code() {
            ErrorCode::MalformedJson
            | ErrorCode::UnknownAction
            | ErrorCode::InvalidFrame
            | ErrorCode::InvalidRequest
            | ErrorCode::TextTooLong => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden | ErrorCode::NotAMember => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::HandleTaken | ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// True for failures of our own side, which are logged with their cause.
    pub fn is_internal(&self) -> bool {
        self.status() >= 500
    }

    /// What the client is told. Internal causes stay in the logs.
    pub fn public_message(&self) -> String {
        if self.code() == ErrorCode::Internal {
            "internal error".to_owned()
        } else {
            self.to_string()
        }
    }

    /// Logs an internal error with its full cause chain, once.
    pub fn log(&self) {
        if self.is_internal() {
            let mut chain = String::new();
            let mut source = std::error::Error::source(self);
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(code = self.code().as_str(), "{self}{chain}");
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Checks that `other` is an existing user other than the caller, before
/// relating the two (a direct chat, a friendship).
pub(crate) async fn require_other_user(
    svc: &Services,
    caller: &accounts::Caller,
    other: crate::domain::UserId,
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
