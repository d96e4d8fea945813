//! chitter-local's clock: the system's, moved forward on request
//! (`POST /_local/clock`), so that what expires after days (messages under
//! a retention, tokens, uploads) can be tried and tested in seconds.

use std::sync::atomic::{AtomicI64, Ordering};

use chitter_core::ports::Clock;
use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Default)]
pub struct LocalClock {
    ahead_secs: AtomicI64,
}

impl LocalClock {
    /// Moves the clock forward (never back: stored times must not be in
    /// the future of "now") and returns the new time.
    pub fn advance(&self, secs: u32) -> DateTime<Utc> {
        self.ahead_secs.fetch_add(i64::from(secs), Ordering::SeqCst);
        self.now()
    }
}

impl Clock for LocalClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::seconds(self.ahead_secs.load(Ordering::SeqCst))
    }
}
