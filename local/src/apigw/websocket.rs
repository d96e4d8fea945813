//! The WebSocket API: handshake with the REQUEST authorizer and `$connect`,
//! route selection on `$request.body.action`, API Gateway's size limits and
//! timeouts, and `$disconnect` however the connection ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aws_lambda_events::query_map::QueryMap;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chitter_core::domain::ConnectionId;
use chitter_core::protocol::ACTIONS;
use chrono::Utc;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use rand::RngCore;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Error as WsError;

use super::events::{self, ConnectionContext};
use crate::connection_table::{MAX_FRAME, MAX_MESSAGE, Outbound, Registration};
use crate::state::AppState;

/// Frames of one connection being handled at once; beyond this the gateway
/// stops reading from that client until one finishes.
const IN_FLIGHT_PER_CONNECTION: usize = 16;

const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 4 * 1024;

/// The most queued frames written to a client with one flush.
const WRITE_BATCH: usize = 32;

/// How long one frame may take to reach a client that is not reading.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection id in API Gateway's style: 12 random bytes, base64.
fn new_connection_id() -> Option<ConnectionId> {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    ConnectionId::parse(&STANDARD.encode(bytes).replace('/', "_")).ok()
}

fn gateway_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response()
}

/// `GET /ws?ticket=...`
pub async fn handshake(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    let query: QueryMap = query.unwrap_or_default().parse().unwrap_or_default();
    // The authorizer's identity source is the `ticket` parameter: without it
    // API Gateway answers 401 and never calls the authorizer.
    if query.first(chitter_connect::TICKET_PARAM).is_none() {
        return gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let source_ip = peer.ip().to_string();
    let authorization = match chitter_connect::authorize(
        &app.svc,
        events::authorizer_event(&headers, &query, &source_ip),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "authorizer failed");
            return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        }
    };
    if !chitter_connect::allows(&authorization) {
        return gateway_error(StatusCode::FORBIDDEN, "Forbidden");
    }
    let Some(connection_id) = new_connection_id() else {
        return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    };
    let mut authorizer: HashMap<String, Value> = match authorization.context {
        Value::Object(map) => map.into_iter().collect(),
        _ => HashMap::new(),
    };
    if let Some(principal) = authorization.principal_id {
        authorizer.insert("principalId".into(), Value::from(principal));
    }
    let user_agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ctx = Arc::new(ConnectionContext {
        connection_id: connection_id.clone(),
        connected_at: Utc::now(),
        domain_name: app.domain_name.clone(),
        source_ip: source_ip.clone(),
        user_agent: user_agent.clone(),
        authorizer,
    });
    let principal = ctx
        .authorizer
        .get("principalId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let registration = app.connections.register(
        &connection_id,
        ctx.connected_at,
        source_ip,
        user_agent,
        principal,
    );
    // From here on, however this handshake or the socket after it ends
    // (even by the client going away while `$connect` runs, which drops this
    // future), the guard forgets the connection and runs `$disconnect`,
    // unless disarmed.
    let mut guard = DisconnectGuard {
        app: app.clone(),
        ctx: ctx.clone(),
        armed: true,
        reason: "Upgrade failed",
    };

    let response = chitter_connect::handle(&app.svc, ctx.connect_event(&headers, &query)).await;
    let status = match response {
        Ok(r) => u16::try_from(r.status_code).unwrap_or(500),
        Err(e) => {
            tracing::error!(error = %e, "$connect failed");
            500
        }
    };
    if !(200..300).contains(&status) {
        // A refused `$connect` registered nothing: no `$disconnect` follows,
        // as on API Gateway.
        guard.armed = false;
        app.connections.remove(&connection_id);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return gateway_error(status, status.canonical_reason().unwrap_or("Forbidden"));
    }

    // Open for pushes from the moment the client can see the 101: frames
    // queue until the socket's writer starts. If the upgrade never
    // completes, the guard still runs `$disconnect`; once it does, the guard
    // goes with the socket.
    app.connections.mark_open(&connection_id);
    upgrade
        .max_frame_size(MAX_FRAME)
        .max_message_size(MAX_MESSAGE)
        // Allocated up front for every connection, idle or not (the
        // library's default is 128 KiB). Client frames are mostly well under
        // 1 KiB; a larger one gets room for all of it, read 1 KiB at a time.
        .read_buffer_size(READ_BUFFER)
        // Frames fed before a flush collect here up to this size, and the
        // buffer keeps its largest size: the default (128 KiB) would stay
        // with every socket that was ever busy.
        .write_buffer_size(WRITE_BUFFER)
        // No async block here: the socket's task holds `run`'s future alone,
        // not a second copy of what it captures (memory per idle socket).
        .on_upgrade(move |socket| {
            let (sink, frames) = socket.split();
            run(guard, sink, frames, registration)
        })
}

/// Runs `$disconnect` (1006, `reason`) for an accepted connection unless
/// disarmed: when the upgrade never completes, or when the socket's task ends
/// without reaching its own `$disconnect` (a panic, or the runtime shutting
/// down).
struct DisconnectGuard {
    app: AppState,
    ctx: Arc<ConnectionContext>,
    armed: bool,
    reason: &'static str,
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if self.armed {
            let (app, ctx) = (self.app.clone(), self.ctx.clone());
            let reason = self.reason;
            tokio::spawn(async move { disconnect(&app, &ctx, 1006, reason).await });
        }
    }
}

async fn disconnect(app: &AppState, ctx: &ConnectionContext, code: u16, reason: &str) {
    app.connections.remove(&ctx.connection_id);
    if let Err(e) = chitter_connect::handle(&app.svc, ctx.disconnect_event(code, reason)).await {
        tracing::error!(error = %e, "$disconnect failed");
    }
}

/// API Gateway's route selection on `$request.body.action`.
pub fn select_route(body: &str) -> &'static str {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) else {
        return "$default";
    };
    match map.get("action").and_then(Value::as_str) {
        Some(action) => ACTIONS
            .iter()
            .find(|a| **a == action)
            .copied()
            .unwrap_or("$default"),
        None => "$default",
    }
}

fn is_too_big(e: &axum::Error) -> bool {
    ws_error(e).is_some_and(|e| matches!(e, WsError::Capacity(_)))
}

/// A text frame that is not UTF-8: RFC 6455 closes with 1007.
fn is_bad_text(e: &axum::Error) -> bool {
    ws_error(e).is_some_and(|e| matches!(e, WsError::Utf8(_)))
}

fn ws_error(e: &axum::Error) -> Option<&WsError> {
    use std::error::Error as _;
    e.source().and_then(|s| s.downcast_ref::<WsError>())
}

/// Writes the frames already queued together (a write to the socket per
/// WRITE_BUFFER) with one flush, not a flush each. Returns whether the
/// socket stays open: no Close among them, and every step in time (a
/// client that stops reading, like a suspended phone, must not hold the
/// connection forever).
async fn write_batch(sink: &mut SplitSink<WebSocket, Message>, queued: &mut Vec<Outbound>) -> bool {
    for out in queued.drain(..) {
        let message = match out {
            Outbound::Text(t) => Message::Text(t.into()),
            Outbound::Binary(b) => Message::Binary(b.into()),
            Outbound::Close(code, reason) => {
                let close = Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }));
                // It goes out with the frames before it; the socket ends
                // either way.
                if in_time(sink.feed(close)).await {
                    in_time(sink.flush()).await;
                }
                return false;
            }
        };
        if !in_time(sink.feed(message)).await {
            return false;
        }
    }
    in_time(sink.flush()).await
}

/// Waits for a queued frame and takes up to WRITE_BATCH of those queued;
/// false once the queue is empty and every sender gone.
async fn next_batch(rx: &flume::Receiver<Outbound>, queued: &mut Vec<Outbound>) -> bool {
    let Ok(first) = rx.recv_async().await else {
        return false;
    };
    queued.push(first);
    queued.extend(rx.try_iter().take(WRITE_BATCH - 1));
    true
}

/// Whether a socket write finished without error within WRITE_TIMEOUT.
async fn in_time<E>(write: impl Future<Output = Result<(), E>>) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, write).await, Ok(Ok(())))
}

async fn run(
    mut guard: DisconnectGuard,
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: SplitStream<WebSocket>,
    registration: Registration,
) {
    guard.reason = "Connection lost";
    let (app, ctx) = (&guard.app, &guard.ctx);
    let id = ctx.connection_id.clone();
    let tx = registration.tx;
    let rx = registration.rx;
    let closed_by_server = Arc::new(Notify::new());
    let writer = tokio::spawn({
        let closed_by_server = closed_by_server.clone();
        async move {
            let mut queued = Vec::new();
            while next_batch(&rx, &mut queued).await && write_batch(&mut sink, &mut queued).await {}
            closed_by_server.notify_one();
        }
    });

    let limiter = Arc::new(Semaphore::new(IN_FLIGHT_PER_CONNECTION));
    // One timer for both limits (each costs every open socket): it fires at
    // the idle deadline or at the end of the connection's lifetime, whichever
    // is sooner.
    let ends_at = deadline_after(app.max_connection_time);
    let timer = tokio::time::sleep_until(deadline_after(app.idle_timeout).min(ends_at));
    tokio::pin!(timer);
    let (code, reason): (u16, &str) = loop {
        tokio::select! {
            frame = frames.next() => {
                let now = Utc::now();
                registration.last_active_ms.store(now.timestamp_millis(), Ordering::Relaxed);
                timer.as_mut().reset(deadline_after(app.idle_timeout).min(ends_at));
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        let body = text.to_string();
                        let route = select_route(&body);
                        invoke(app, ctx, &limiter, &tx, route, body, false).await;
                    }
                    Some(Ok(Message::Binary(data))) => {
                        invoke(app, ctx, &limiter, &tx, "$default", STANDARD.encode(&data), true).await;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(frame))) => {
                        break (frame.map_or(1005, |f| f.code), "Client closed the connection");
                    }
                    Some(Err(e)) if is_too_big(&e) => {
                        let _ = tx.try_send(Outbound::Close(1009, "Message too big"));
                        break (1009, "Message too big");
                    }
                    Some(Err(e)) if is_bad_text(&e) => {
                        let _ = tx.try_send(Outbound::Close(1007, "Invalid UTF-8 in a text frame"));
                        break (1007, "Invalid UTF-8 in a text frame");
                    }
                    Some(Err(_)) | None => break (1006, "Connection lost"),
                }
            }
            // `try_send`: with a full queue the close frame cannot be sent
            // anyway, and waiting for room could wait forever.
            () = &mut timer => {
                let _ = tx.try_send(Outbound::Close(1001, "Going away"));
                let lived_out = Instant::now() >= ends_at;
                break (1001, if lived_out { "Maximum connection time" } else { "Idle timeout" });
            }
            () = closed_by_server.notified() => break (1000, "Closed by the server"),
        }
    };
    app.connections.remove(&id);
    drop(tx);
    // Let the writer flush its close frame, then give up on a stuck client:
    // aborting the writer drops the socket.
    let abort = writer.abort_handle();
    if tokio::time::timeout(std::time::Duration::from_secs(2), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
    tracing::debug!(connection_id = %id, code, reason, "connection ended");
    // Boxed: `$disconnect`'s future is large, and inline it would be part of
    // every open connection's task (most of an idle socket's memory).
    guard.armed = false;
    Box::pin(disconnect(&guard.app, &guard.ctx, code, reason)).await;
}

/// `limit` from now; a limit too large to add (a way to set none) is a
/// deadline thirty years away.
fn deadline_after(limit: std::time::Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(limit)
        .unwrap_or_else(|| now + std::time::Duration::from_secs(30 * 365 * 86_400))
}

/// Invokes the message function for one frame, as its own task so that a
/// slow frame does not hold up the next (Lambda runs them concurrently too).
async fn invoke(
    app: &AppState,
    ctx: &Arc<ConnectionContext>,
    limiter: &Arc<Semaphore>,
    tx: &flume::Sender<Outbound>,
    route: &str,
    body: String,
    base64: bool,
) {
    let Ok(permit) = limiter.clone().acquire_owned().await else {
        return;
    };
    let event = ctx.message_event(route, body, base64);
    let request_id = event.request_context.request_id.clone().unwrap_or_default();
    let (app, ctx, tx) = (app.clone(), ctx.clone(), tx.clone());
    tokio::spawn(async move {
        let _permit = permit;
        let failed = match chitter_message::handle(&app.svc, event).await {
            Ok(r) => r.status_code >= 500,
            Err(e) => {
                tracing::error!(error = %e, "message function failed");
                true
            }
        };
        if failed {
            // What API Gateway sends the client when an integration fails.
            let body = serde_json::json!({
                "message": "Internal server error",
                "connectionId": ctx.connection_id.as_str(),
                "requestId": request_id,
            });
            let _ = tx.try_send(Outbound::Text(body.to_string()));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_selection_follows_the_action_field() {
        assert_eq!(select_route(r#"{"action":"send"}"#), "send");
        assert_eq!(select_route(r#"{"action":"ping","x":1}"#), "ping");
        assert_eq!(select_route(r#"{"action":"dance"}"#), "$default");
        assert_eq!(select_route(r#"{"action":5}"#), "$default");
        assert_eq!(select_route("not json"), "$default");
        assert_eq!(select_route("[]"), "$default");
    }

    #[test]
    fn a_limit_too_large_to_add_is_a_distant_deadline() {
        let far = deadline_after(std::time::Duration::MAX);
        assert!(far > Instant::now() + std::time::Duration::from_secs(20 * 365 * 86_400));
        let soon = deadline_after(std::time::Duration::from_secs(1));
        assert!(soon <= Instant::now() + std::time::Duration::from_secs(1));
    }

    #[test]
    fn connection_ids_look_like_api_gateways() {
        let id = new_connection_id().unwrap();
        assert_eq!(id.as_str().len(), 16);
        assert_ne!(id, new_connection_id().unwrap());
    }
}
