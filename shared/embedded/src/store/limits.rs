//! `LimitStore` in memory: chitter-local is one process, so counters need
//! no disk (and no fsync per message); a restart forgets them, which only
//! ever lets a little more through.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::EmbeddedStore;
use chitter_core::ports::{LimitStore, StoreError};

/// Counters kept before the ones of past windows are dropped.
const KEEP: usize = 10_000;

#[async_trait]
impl LimitStore for EmbeddedStore {
    async fn count_use(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut counters = self
            .limits
            .lock()
            .map_err(|_| StoreError::backend("rate limit counters poisoned"))?;
        if counters.len() >= KEEP {
            counters.retain(|_, (_, end, _)| *end > window_start);
        }
        let entry = counters
            .entry(key.to_owned())
            .or_insert((window_start, window_end, 0));
        if entry.0 != window_start {
            *entry = (window_start, window_end, 0);
        }
        entry.2 += 1;
        Ok(entry.2)
    }
}
