//! Chitter's core: the domain, protocol v1, the ports, the use cases that
//! the four functions share, and the adapters behind the ports.

pub mod adapters;
pub mod app;
pub mod auth;
pub mod domain;
pub mod gateway;
pub mod ports;
pub mod protocol;
pub mod telemetry;

pub use app::{AppError, AppResult, Services, Settings};

#[cfg(feature = "testing")]
pub mod testing;
