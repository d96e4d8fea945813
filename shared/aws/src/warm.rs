//! Warming a client during a cold start: one quick request opens its
//! connection (DNS, TLS), so the first invocation need not pay for it.
//!
//! In an on-demand cold start a warm-up runs as its own task beside the
//! runtime's first poll for an event, not before it, and only for the
//! clients a call reaches after its first request: init stays short, and the
//! call's later requests find their connections open. A request that finds
//! no idle connection yet takes whichever comes first, the warm-up's
//! connection or its own.

use std::future::Future;
use std::pin::Pin;

/// A warm-up request, ready to spawn (see `chitter_wiring::AwsInit::warm_up`).
pub type Warm = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A warm-up is worth one quick try: a failure only means the first real
/// call pays for the connection, while retries would hold a connection slot
/// for seconds.
pub(crate) fn retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::disabled()
}

pub(crate) fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(1))
        .build()
}
