//! Thin handlers, one file per resource: extract, call one use case, answer.

pub mod accounts;
pub mod conversations;
pub mod friends;

use axum::response::Response;
use chitter_core::AppError;
use chitter_core::protocol::ErrorCode;
use http::{Method, StatusCode};

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
