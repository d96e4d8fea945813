//! Counts an operator watches: CloudWatch metrics on AWS (the embedded
//! metric format, one log line per invocation), running totals in
//! chitter-local (`GET /_local/metrics`).

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Messages, edits and deletes put on the stream and acknowledged
    /// `accepted` (a client's resend of the same id counts again).
    Accepted,
    /// Stream entries stored for the first time (a redelivery is not one;
    /// nor is a retry of a store that succeeded but answered an error).
    Persisted,
    /// Frames pushed to connections.
    Pushed,
    /// Connections a push found gone, removed.
    ConnectionsPruned,
    /// Batches persist answered with a failed record (the earliest, which
    /// Lambda retries from).
    BatchItemFailures,
    /// Requests and frames refused for a rate limit.
    RateLimited,
    /// Uploads refused when finalized (type, size, dimensions, quota, late).
    UploadsRefused,
}

impl Metric {
    pub const ALL: [Metric; 7] = [
        Metric::Accepted,
        Metric::Persisted,
        Metric::Pushed,
        Metric::ConnectionsPruned,
        Metric::BatchItemFailures,
        Metric::RateLimited,
        Metric::UploadsRefused,
    ];

    /// The metric's name in CloudWatch and in chitter-local's totals.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accepted => "Accepted",
            Metric::Persisted => "Persisted",
            Metric::Pushed => "Pushed",
            Metric::ConnectionsPruned => "ConnectionsPruned",
            Metric::BatchItemFailures => "BatchItemFailures",
            Metric::RateLimited => "RateLimited",
            Metric::UploadsRefused => "UploadsRefused",
        }
    }
}

pub trait Metrics: Send + Sync {
    fn count(&self, metric: Metric, n: u64);
}

/// Counts in memory: chitter-local's totals, the default, and what the
/// CloudWatch adapter gathers between two log lines.
#[derive(Debug, Default)]
pub struct Counters([AtomicU64; Metric::ALL.len()]);

impl Counters {
    pub fn get(&self, metric: Metric) -> u64 {
        self.0[metric as usize].load(Ordering::Relaxed)
    }

    /// Every count, each reset to zero.
    pub fn take(&self) -> [(Metric, u64); Metric::ALL.len()] {
        Metric::ALL.map(|m| (m, self.0[m as usize].swap(0, Ordering::Relaxed)))
    }
}

impl Metrics for Counters {
    fn count(&self, metric: Metric, n: u64) {
        self.0[metric as usize].fetch_add(n, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_and_take_resets() {
        let c = Counters::default();
        c.count(Metric::Accepted, 2);
        c.count(Metric::UploadsRefused, 1);
        c.count(Metric::Accepted, 1);
        assert_eq!(c.get(Metric::Accepted), 3);
        let taken = c.take();
        assert_eq!(taken[0], (Metric::Accepted, 3));
        assert_eq!(taken[6], (Metric::UploadsRefused, 1));
        assert!(c.take().iter().all(|(_, n)| *n == 0));
    }
}
