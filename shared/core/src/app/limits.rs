//! Rate limits: how often one user may do what. Each limited use is one
//! atomic increment of a counter for the user, the action and the current
//! window; past the limit the answer is `rate_limited` with the seconds
//! until the window ends, and nobody else is affected.

use std::time::Duration;

use super::error::{AppError, AppResult};
use super::services::Services;
use crate::ports::Metric;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Named in the key and in the error ("too many sends").
    pub what: &'static str,
    pub max: u64,
    pub window: Duration,
}

/// Messages, edits, deletes and votes, per user.
pub const SENDS: Limit = Limit {
    what: "sends",
    max: 60,
    window: Duration::from_secs(10),
};
/// Typing notices, per user (clients send one every few seconds).
pub const TYPING: Limit = Limit {
    what: "typing notices",
    max: 20,
    window: Duration::from_secs(10),
};
/// Uploads started, per user.
pub const UPLOADS: Limit = Limit {
    what: "uploads",
    max: 30,
    window: Duration::from_secs(60),
};
/// Sign-in attempts, per handle, right or wrong: slows password guessing
/// against one account without locking its owner out for long.
pub const SIGN_INS: Limit = Limit {
    what: "sign-in attempts",
    max: 10,
    window: Duration::from_secs(300),
};

/// Counts one use of `limit` by `subject`; refuses it past the limit.
pub(crate) async fn check(svc: &Services, limit: Limit, subject: &str) -> AppResult<()> {
    if !svc.settings.rate_limits {
        return Ok(());
    }
    let window = i64::try_from(limit.window.as_secs())
        .unwrap_or(i64::MAX)
        .max(1);
    let now = svc.clock.now();
    let start_secs = now.timestamp() - now.timestamp().rem_euclid(window);
    let start = chrono::DateTime::from_timestamp(start_secs, 0).unwrap_or(now);
    let end = start + chrono::TimeDelta::seconds(window);
    let key = format!("{}#{subject}", limit.what.replace(' ', "_"));
    let used = svc.limits.count_use(&key, start, end).await?;
    if used > limit.max {
        // Rounded up: a client told 7 with 7.7 s left would be refused again.
        let left_ms = u64::try_from((end - now).num_milliseconds()).unwrap_or(0);
        let retry_after = left_ms.div_ceil(1000).max(1);
        svc.metrics.count(Metric::RateLimited, 1);
        return Err(AppError::RateLimited {
            what: limit.what,
            retry_after,
        });
    }
    Ok(())
}
