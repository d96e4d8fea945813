//! Counting uses of a limited action (sends, typing, uploads, sign-in
//! attempts) in fixed windows, one atomic increment per use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Counts one use of `key` in the window that started at
    /// `window_start` and lasts until `window_end`; returns the uses
    /// counted in that window so far, this one included.
    async fn count_use(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
