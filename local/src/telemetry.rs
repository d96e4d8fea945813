//! Logging setup shared by chitter-local and tests. The Lambda binaries use
//! the runtime's own subscriber, which honours the function's log format.

use tracing_subscriber::EnvFilter;

/// Human-readable logs, filtered by `RUST_LOG` (default `info`).
pub fn init_local() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (several tests in one process) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
