//! Logging setup shared by chitter-local and tests. The Lambda binaries use
//! the runtime's own subscriber, which honours the function's log format.

use tracing_subscriber::EnvFilter;

/// Logs on stderr (stdout carries only the listening line), filtered by
/// `RUST_LOG` (default `info`): human-readable, or one JSON object per
/// line, with span fields, when `CHITTER_LOG_FORMAT=json`.
pub fn init_local() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (several tests in one process) is harmless.
    let _ = if std::env::var("CHITTER_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
}
