//! Presigned uploads and downloads under `/blobs/`, the local stand-in for
//! the S3 bucket.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chitter_core::ports::BlobKey;
use chitter_embedded::UploadCheck;
use chrono::Utc;
use serde::Deserialize;

use crate::state::AppState;

/// The largest upload accepted.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

#[derive(Deserialize)]
pub struct Signed {
    #[serde(default)]
    expires: i64,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    content_type: Option<String>,
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

fn check(
    app: &AppState,
    method: &str,
    key: &str,
    signed: Signed,
    sent_type: Option<&str>,
) -> Result<BlobKey, Box<Response>> {
    let key = BlobKey::parse(key).map_err(|e| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &e.to_string(),
        ))
    })?;
    let Some(blobs) = &app.blobs else {
        return Err(Box::new(refuse(
            StatusCode::NOT_FOUND,
            "not_found",
            "uploads go to S3 with this backend",
        )));
    };
    let check = UploadCheck {
        expires: signed.expires,
        content_type: signed.content_type,
        signature: signed.signature,
    };
    blobs
        .verify(method, &key, &check, sent_type, Utc::now())
        .map_err(|e| Box::new(refuse(StatusCode::FORBIDDEN, "forbidden", &e.to_string())))?;
    Ok(key)
}

pub async fn put(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sent_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let key = match check(&app, "PUT", &key, signed, sent_type) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let Some(blobs) = &app.blobs else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "no blob folder");
    };
    match blobs.put(&key, sent_type, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "blob write failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "upload failed",
            )
        }
    }
}

pub async fn get(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
) -> Response {
    let key = match check(&app, "GET", &key, signed, None) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let Some(blobs) = &app.blobs else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "no blob folder");
    };
    match blobs.get(&key).await {
        Ok(Some((body, content_type))) => {
            let mut r = body.into_response();
            let ct = content_type
                .and_then(|ct| HeaderValue::from_str(&ct).ok())
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            r.headers_mut().insert(http::header::CONTENT_TYPE, ct);
            // Never let a browser sniff an upload into something runnable.
            r.headers_mut().insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        Ok(None) => refuse(StatusCode::NOT_FOUND, "not_found", "no such blob"),
        Err(e) => {
            tracing::error!(error = %e, "blob read failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "download failed",
            )
        }
    }
}
