//! What only the backend and developers on this machine may do: push to any
//! connection (`@connections`), list the open connections, and hold or
//! release the stream consumer. These routes answer loopback peers only,
//! whatever address the app is on.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use http::StatusCode;

use crate::apigw::management;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    let connections = any(management::post)
        .get(management::get)
        .delete(management::delete);
    Router::new()
        .route("/@connections/{id}", connections.clone())
        .route("/{stage}/@connections/{id}", connections)
        .route("/_local/connections", get(list_connections))
        .route("/_local/stream", get(stream_status))
        .route("/_local/stream/pause", post(pause_stream))
        .route("/_local/stream/resume", post(resume_stream))
        .layer(axum::middleware::from_fn(loopback_only))
}

async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if peer.ip().is_loopback() {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"message": "Forbidden"})),
        )
            .into_response()
    }
}

async fn stream_status(State(app): State<AppState>) -> Response {
    match app.stream.pending().await {
        Ok(pending) => axum::Json(serde_json::json!({
            "paused": app.control.is_paused(),
            "shards": app.stream.shards(),
            "pending": pending,
            "connections": app.connections.len(),
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "stream status failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The open connections, for developers (and tests) who need an id to try
/// the `@connections` API with.
async fn list_connections(State(app): State<AppState>) -> axum::Json<serde_json::Value> {
    let connections: Vec<serde_json::Value> = app
        .connections
        .list()
        .into_iter()
        .map(|(id, info)| {
            serde_json::json!({
                "connection_id": id,
                "user_id": info.principal,
                "connected_at": info.connected_at,
                "source_ip": info.source_ip,
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "connections": connections }))
}

async fn pause_stream(State(app): State<AppState>) -> StatusCode {
    app.control.pause();
    StatusCode::NO_CONTENT
}

async fn resume_stream(State(app): State<AppState>) -> StatusCode {
    app.control.resume();
    StatusCode::NO_CONTENT
}
