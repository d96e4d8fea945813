//! Warming a client during init: one quick request opens its connection
//! (DNS, TLS), so the first invocation does not pay for it.

/// A warm-up is worth one quick try: a failure only means the first real
/// call pays for the connection, while retries could stall init for seconds.
pub(crate) fn retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::disabled()
}

pub(crate) fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(1))
        .build()
}
