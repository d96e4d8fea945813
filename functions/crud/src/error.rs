//! The one mapping from a use-case error to an HTTP answer: the status and
//! a JSON `{code, message}`; internal causes are logged, never sent.

use axum::response::{IntoResponse, Response};
use chitter_core::AppError;
use http::{HeaderValue, StatusCode, header};

/// A use-case error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        error_response(&self.0)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The answer for an error: its status, `{code, message}`, and for a 401
/// the `WWW-Authenticate` challenge.
pub fn error_response(e: &AppError) -> Response {
    let mut body = serde_json::json!({
        "code": e.code(),
        "message": e.public_message(),
    });
    if let Some(secs) = e.retry_after() {
        body["retry_after"] = secs.into();
    }
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(secs) = e.retry_after()
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}
