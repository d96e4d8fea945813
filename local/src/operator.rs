//! What only the backend and developers on this machine may do: push to any
//! connection (`@connections`), list the open connections, hold or release
//! the stream consumer, move the clock forward and sweep now. These routes answer loopback peers only,
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
        .route("/_local/metrics", get(metrics))
        .route("/_local/faults", get(faults))
        .route("/_local/stream", get(stream_status))
        .route("/_local/stream/pause", post(pause_stream))
        .route("/_local/stream/resume", post(resume_stream))
        .route("/_local/clock", post(advance_clock))
        .route("/_local/sweep", post(sweep_now))
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

#[derive(serde::Deserialize)]
struct Advance {
    seconds: u32,
}

/// Moves the server's clock forward: `{"seconds": 86400}`.
async fn advance_clock(
    State(app): State<AppState>,
    axum::Json(advance): axum::Json<Advance>,
) -> Response {
    let now = app.clock.advance(advance.seconds);
    axum::Json(serde_json::json!({ "now": now })).into_response()
}

/// Runs the embedded backend's sweep now (on AWS, TTLs do this work).
async fn sweep_now(State(app): State<AppState>) -> Response {
    let Some(sweeper) = app.sweeper else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match sweeper.run().await {
        Ok(removed) => axum::Json(serde_json::json!({ "removed": removed })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "sweep failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
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

/// The functions' metrics since start, as CloudWatch would total them.
async fn metrics(State(app): State<AppState>) -> axum::Json<serde_json::Value> {
    let totals: serde_json::Map<String, serde_json::Value> = chitter_core::ports::Metric::ALL
        .iter()
        .map(|m| (m.name().to_owned(), app.metrics.get(*m).into()))
        .collect();
    axum::Json(totals.into())
}

/// Faults injected so far (`--faults`), by kind.
async fn faults() -> axum::Json<serde_json::Value> {
    axum::Json(crate::faults::injected())
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
