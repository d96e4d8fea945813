//! The emulation of API Gateway: the WebSocket API (handshake with the
//! authorizer, route selection, limits and timeouts), the HTTP API
//! (payload-2.0 events to crud), the `@connections` management API, and
//! the table of open connections behind them.

pub mod connections;
pub mod events;
pub mod http;
pub mod management;
pub mod websocket;

pub use connections::ConnectionTable;
