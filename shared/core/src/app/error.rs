//! The one error type of the use cases, and its one mapping to what clients
//! see: a code, an HTTP status and a public message.

use crate::auth::AuthError;
use crate::domain::{ChangeRefused, DomainError};
use crate::ports::{BlobError, IdpError, PushError, StoreError, StreamError};
use crate::protocol::ErrorCode;

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
    #[error("too many {what}; try again in {retry_after} s")]
    RateLimited {
        what: &'static str,
        retry_after: u64,
    },
    #[error("storage is unavailable")]
    Store(#[from] StoreError),
    #[error("the message stream is unavailable")]
    Stream(#[from] StreamError),
    #[error("delivery failed; try again")]
    Delivery(#[from] PushError),
    #[error("blob storage is unavailable")]
    Blob(#[from] BlobError),
    #[error("the identity provider is unavailable")]
    Identity(#[from] IdpError),
    /// A failure of our own that no input explains (logged with its cause).
    #[error("internal error: {0}")]
    Internal(&'static str),
    #[error("internal error")]
    Auth(#[from] AuthError),
    #[error("internal error")]
    Task(#[from] tokio::task::JoinError),
}

impl From<ChangeRefused> for AppError {
    fn from(r: ChangeRefused) -> Self {
        match r {
            ChangeRefused::Missing => AppError::NotFound("message"),
            ChangeRefused::NotAuthor => {
                AppError::Forbidden("only the author (or a group admin, to delete) may do that")
            }
        }
    }
}

impl AppError {
    /// Seconds to wait before trying again, for `rate_limited`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// The error frame answering the frame `id`.
    pub fn frame(&self, id: Option<String>) -> crate::protocol::ServerFrame {
        crate::protocol::ServerFrame::Error {
            id,
            code: self.code(),
            message: self.public_message(),
            retry_after: self.retry_after(),
        }
    }

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
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Store(_)
            | AppError::Stream(_)
            | AppError::Delivery(_)
            | AppError::Blob(_)
            | AppError::Identity(_) => ErrorCode::Unavailable,
            AppError::Internal(_) | AppError::Auth(_) | AppError::Task(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> u16 {
        match self.code() {
            ErrorCode::MalformedJson
            | ErrorCode::UnknownAction
            | ErrorCode::InvalidFrame
            | ErrorCode::InvalidRequest
            | ErrorCode::TextTooLong
            | ErrorCode::InvalidTheme => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden | ErrorCode::NotAMember | ErrorCode::QuotaExceeded => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::HandleTaken
            | ErrorCode::Conflict
            | ErrorCode::UploadIncomplete
            | ErrorCode::ShortcodeTaken => 409,
            ErrorCode::UploadExpired => 410,
            ErrorCode::PayloadTooLarge | ErrorCode::UploadTooLarge => 413,
            ErrorCode::UnsupportedMediaType | ErrorCode::UploadTypeNotAllowed => 415,
            ErrorCode::ImageTooLarge | ErrorCode::LowContrast => 422,
            ErrorCode::RateLimited => 429,
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
