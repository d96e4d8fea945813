//! Thin handlers, one file per resource: extract, call one use case, answer.

pub mod accounts;
pub mod conversations;
pub mod emoji;
pub mod friends;
pub mod matching;
pub mod rooms;
pub mod themes;
pub mod uploads;

use axum::response::Response;
use chitter_core::app::accounts as account_use_cases;
use chitter_core::domain::UserId;
use chitter_core::protocol::ErrorCode;
use chitter_core::{AppError, AppResult, Services};
use http::{Method, StatusCode};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::json;

pub async fn health() -> ApiResult<Response> {
    json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

/// No route has this path.
pub async fn not_found() -> ApiError {
    AppError::NotFound("route").into()
}

/// A route has this path, but not this method.
pub async fn method_not_allowed(method: Method) -> ApiError {
    AppError::bad_request(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed here"),
    )
    .into()
}

/// Someone named by id or by handle.
#[derive(Deserialize)]
pub struct Target {
    #[serde(default)]
    user_id: Option<UserId>,
    #[serde(default)]
    handle: Option<String>,
}

impl Target {
    pub async fn resolve(self, svc: &Services) -> AppResult<UserId> {
        match (self.user_id, self.handle) {
            (Some(id), _) => Ok(id),
            (None, Some(handle)) => Ok(account_use_cases::find_by_handle(svc, &handle)
                .await?
                .user_id),
            (None, None) => Err(AppError::bad_request(
                ErrorCode::InvalidRequest,
                "give `user_id` or `handle`",
            )),
        }
    }
}
