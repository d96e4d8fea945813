//! The emulation of API Gateway: the WebSocket API (handshake with the
//! authorizer, route selection, limits and timeouts), the HTTP API
//! (payload-2.0 events to crud) and the `@connections` management API, over
//! the table of open connections (`crate::connection_table`).

pub mod events;
pub mod http;
pub mod management;
pub mod websocket;
