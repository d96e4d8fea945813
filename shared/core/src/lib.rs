//! Chitter's core: the domain, protocol v1, the ports, and the use cases the
//! four functions share. No adapter lives here, and none can be named: the
//! adapter crates (`chitter-aws`, `chitter-embedded`) depend on this one,
//! never the other way.

pub mod app;
pub mod auth;
pub mod authorizer;
pub mod domain;
pub mod oidc;
pub mod ports;
pub mod protocol;

pub use app::{AppError, AppResult, Services, Settings};
