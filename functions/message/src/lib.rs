//! The message function: every client frame after the handshake (`send`,
//! `typing`, `read`, `resume`, `ping` and `$default`).

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use chitter_core::Services;
use chitter_core::app::{self, messaging};
use chitter_core::authorizer;
use chitter_core::protocol::{ErrorCode, ServerFrame};
use tracing::Instrument;

pub mod config;

pub use lambda_runtime::Error;

/// Handles one frame. Replies go back over the management API, so the
/// answer is 200 whatever the frame held; only a missing context (a
/// misconfigured route) is an error.
pub async fn handle(
    svc: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, Error> {
    let ctx = &event.request_context;
    // Every log line of the frame carries its ids.
    let span = tracing::info_span!(
        "frame",
        connection_id = ctx.connection_id.as_deref().unwrap_or_default(),
        request_id = ctx.request_id.as_deref().unwrap_or_default(),
        user_id = tracing::field::Empty,
    );
    handle_frame(svc, event).instrument(span).await
}

async fn handle_frame(
    svc: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, Error> {
    let ctx = &event.request_context;
    let caller = authorizer::caller(&ctx.authorizer.fields);
    let connection = authorizer::connection(ctx.connection_id.as_deref());
    let (Some(caller), Some(connection)) = (caller, connection) else {
        tracing::error!("route invoked without an authorized connection");
        return Ok(status(401));
    };
    tracing::Span::current().record("user_id", tracing::field::display(caller.user_id));
    let body = event.body.as_deref().unwrap_or_default();
    if event.is_base64_encoded {
        let frame = ServerFrame::error(
            None,
            ErrorCode::InvalidFrame,
            "binary frames are not supported; send JSON text",
        );
        app::reply(svc, &connection, &frame).await;
    } else {
        messaging::handle_frame(svc, &caller, &connection, body).await;
    }
    Ok(status(200))
}

fn status(code: u16) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(code);
    r
}
