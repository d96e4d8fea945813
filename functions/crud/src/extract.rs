//! Extractors: what a handler needs from a request, already typed. Each
//! failure is an `ApiError`, so it gets the one `{code, message}` mapping.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, RawQuery, Request};
use axum::response::{IntoResponse, Response};
use chitter_core::app::accounts;
use chitter_core::domain::{Caller, ConversationId, EmojiId, Seq, ThemeId, UploadId, UserId};
use chitter_core::protocol::ErrorCode;
use chitter_core::{AppError, Services};
use http::request::Parts;
use http::{StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// Request bodies larger than this are refused before parsing.
pub const MAX_BODY: usize = 64 * 1024;

/// The caller, from the `Authorization: Bearer <access token>` header.
pub struct Authed(pub Caller);

impl FromRequestParts<Arc<Services>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, svc: &Arc<Services>) -> ApiResult<Self> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        Ok(Self(accounts::authenticate(svc, header)?))
    }
}

/// A JSON request body: `application/json` (415 otherwise), at most
/// `MAX_BODY` bytes (413), syntactically JSON (400 `malformed_json`) and of
/// the expected shape, with every field's checks passed (400
/// `invalid_request`).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> ApiResult<Self> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(AppError::bad_request(
                ErrorCode::UnsupportedMediaType,
                "the request body must be JSON: send content-type: application/json",
            )
            .into());
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                AppError::bad_request(
                    ErrorCode::PayloadTooLarge,
                    format!("request body is over {MAX_BODY} bytes"),
                )
            })?;
        serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            let code = if e.is_data() {
                ErrorCode::InvalidRequest
            } else {
                ErrorCode::MalformedJson
            };
            AppError::bad_request(code, format!("request body: {e}")).into()
        })
    }
}

/// `application/json` or `application/<something>+json`, any parameters.
fn is_json(content_type: Option<&http::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// The path's named segments, percent-decoded. An id that does not parse
/// names nothing that exists: 404, like an id that parses but is unknown.
pub struct PathParams(RawPathParams);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        RawPathParams::from_request_parts(parts, state)
            .await
            .map(Self)
            .map_err(|e| AppError::bad_request(ErrorCode::InvalidRequest, e.body_text()).into())
    }
}

impl PathParams {
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find_map(|(k, v)| (k == name).then_some(v))
            .unwrap_or("")
    }

    pub fn conversation(&self) -> ApiResult<ConversationId> {
        ConversationId::parse(self.raw("id")).map_err(|_| AppError::NotFound("conversation").into())
    }

    pub fn theme(&self) -> ApiResult<ThemeId> {
        ThemeId::parse(self.raw("id")).map_err(|_| AppError::NotFound("theme").into())
    }

    pub fn emoji(&self) -> ApiResult<EmojiId> {
        EmojiId::parse(self.raw("id")).map_err(|_| AppError::NotFound("emoji").into())
    }

    pub fn upload(&self) -> ApiResult<UploadId> {
        UploadId::parse(self.raw("id")).map_err(|_| AppError::NotFound("upload").into())
    }

    /// A message's sequence number in the path (`{seq}`).
    pub fn seq(&self) -> ApiResult<Seq> {
        self.raw("seq")
            .parse::<u64>()
            .map(Seq)
            .map_err(|_| AppError::NotFound("message").into())
    }

    /// An upload id under another name (`{upload}`).
    pub fn upload_named(&self, name: &str) -> ApiResult<UploadId> {
        UploadId::parse(self.raw(name)).map_err(|_| AppError::NotFound("attachment").into())
    }

    pub fn user(&self) -> ApiResult<UserId> {
        UserId::parse(self.raw("user")).map_err(|_| AppError::NotFound("user").into())
    }
}

/// The query string's parameters (the first value of each).
pub struct QueryParams(aws_lambda_events::query_map::QueryMap);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        Ok(Self(raw.unwrap_or_default().parse().unwrap_or_default()))
    }
}

impl QueryParams {
    /// A parameter's text, if present.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.first(name)
    }

    /// A non-negative integer parameter, if present.
    pub fn number(&self, name: &str) -> ApiResult<Option<u64>> {
        self.0
            .first(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    AppError::bad_request(
                        ErrorCode::InvalidRequest,
                        format!("`{name}` must be a non-negative integer"),
                    )
                    .into()
                })
            })
            .transpose()
    }
}

/// A JSON response with its status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> ApiResult<Response> {
    let body = serde_json::to_string(value)
        .map_err(|_| AppError::Internal("response could not be encoded"))?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub fn no_content() -> ApiResult<Response> {
    Ok(StatusCode::NO_CONTENT.into_response())
}
