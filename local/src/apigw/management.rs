//! The `@connections` management API, in the wire format of API Gateway's
//! (and so of the AWS SDK's `apigatewaymanagement` client): POST sends,
//! GET describes, DELETE closes, and an unknown id is a 410 `GoneException`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::connection_table::PostError;
use crate::state::AppState;

fn aws_error(status: StatusCode, kind: &'static str, message: &str) -> Response {
    let mut r = (
        status,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response();
    r.headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(kind));
    r
}

fn gone() -> Response {
    aws_error(StatusCode::GONE, "GoneException", "")
}

/// The id from either `/@connections/{id}` or `/{stage}/@connections/{id}`.
/// Axum has already percent-decoded it.
fn connection_id(params: &HashMap<String, String>) -> &str {
    params.get("id").map_or("", String::as_str)
}

pub async fn post(
    State(app): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if body.is_empty() {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "Data is required",
        );
    }
    match app.connections.post(connection_id(&params), &body) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(PostError::Gone) => gone(),
        Err(PostError::TooLarge) => aws_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Payload is larger than 128 KB",
        ),
        Err(PostError::Throttled) => aws_error(
            StatusCode::TOO_MANY_REQUESTS,
            "LimitExceededException",
            "The client is not reading fast enough",
        ),
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub async fn get(
    State(app): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    match app.connections.info(connection_id(&params)) {
        Some(info) => {
            let mut identity = serde_json::json!({ "sourceIp": info.source_ip });
            if let Some(ua) = info.user_agent {
                identity["userAgent"] = ua.into();
            }
            axum::Json(serde_json::json!({
                "connectedAt": iso(info.connected_at),
                "identity": identity,
                "lastActiveAt": iso(info.last_active_at),
            }))
            .into_response()
        }
        None => gone(),
    }
}

pub async fn delete(
    State(app): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    match app
        .connections
        .close(connection_id(&params), 1000, "Connection closed by server")
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => gone(),
    }
}
