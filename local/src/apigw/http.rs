//! The HTTP API: each request under `/api` becomes a payload-2.0 event,
//! converted by lambda_http exactly as in Lambda, and goes to crud.

use std::net::SocketAddr;

use axum::body::Body as AxumBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lambda_http::Body;
use lambda_http::request::LambdaRequest;

use super::events;
use crate::state::AppState;

/// HTTP API's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub async fn invoke(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAYLOAD).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({"message": "Request Entity Too Large"})),
        )
            .into_response();
    };
    let event = events::http_event(&parts, &bytes, peer, &app.domain_name);
    let request: lambda_http::Request = LambdaRequest::ApiGatewayV2(event).into();
    match app.api.handle(request).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = match body {
                Body::Empty => AxumBody::empty(),
                Body::Text(t) => AxumBody::from(t),
                Body::Binary(b) => AxumBody::from(b),
                _ => AxumBody::empty(),
            };
            Response::from_parts(parts, body)
        }
        Err(e) => {
            tracing::error!(error = %e, "crud function failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(serde_json::json!({"message": "Internal Server Error"})),
            )
                .into_response()
        }
    }
}
