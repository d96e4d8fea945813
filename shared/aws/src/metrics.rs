//! The counts an operator watches, as CloudWatch metrics in the embedded
//! metric format: the function gathers counts during an invocation and
//! then prints one JSON line to its log, from which CloudWatch takes the
//! metrics (no API call, nothing to wait for).

use chitter_core::ports::{Counters, Metric, Metrics};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

pub struct EmfMetrics {
    namespace: String,
    function: &'static str,
    counts: Counters,
}

impl EmfMetrics {
    /// Metrics in `namespace`, with the dimension `Function` = `function`.
    pub fn new(namespace: &str, function: &'static str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            function,
            counts: Counters::default(),
        }
    }

    /// The line for the counts gathered since the last one, which it
    /// resets; `None` when nothing was counted.
    pub fn line(&self, now: DateTime<Utc>) -> Option<String> {
        let counts: Vec<(Metric, u64)> = self
            .counts
            .take()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        if counts.is_empty() {
            return None;
        }
        let mut record = Map::new();
        record.insert(
            "_aws".into(),
            json!({
                "Timestamp": now.timestamp_millis(),
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["Function"]],
                    "Metrics": counts
                        .iter()
                        .map(|(m, _)| json!({"Name": m.name(), "Unit": "Count"}))
                        .collect::<Vec<_>>(),
                }],
            }),
        );
        record.insert("Function".into(), self.function.into());
        for (m, n) in counts {
            record.insert(m.name().into(), n.into());
        }
        Some(Value::Object(record).to_string())
    }

    /// Prints the line, if any, to stdout: Lambda sends it to CloudWatch
    /// Logs. Called once at the end of each invocation.
    pub fn flush(&self) {
        if let Some(line) = self.line(Utc::now()) {
            println!("{line}");
        }
    }
}

impl Metrics for EmfMetrics {
    fn count(&self, metric: Metric, n: u64) {
        self.counts.count(metric, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_invocation_with_only_what_was_counted() {
        let m = EmfMetrics::new("Chitter/prod", "persist");
        let now = DateTime::from_timestamp(1_795_511_697, 0).unwrap();
        assert_eq!(m.line(now), None);
        m.count(Metric::Persisted, 3);
        m.count(Metric::BatchItemFailures, 1);
        m.count(Metric::Persisted, 2);
        let line: Value = serde_json::from_str(&m.line(now).unwrap()).unwrap();
        assert_eq!(
            line,
            json!({
                "_aws": {
                    "Timestamp": 1_795_511_697_000_i64,
                    "CloudWatchMetrics": [{
                        "Namespace": "Chitter/prod",
                        "Dimensions": [["Function"]],
                        "Metrics": [
                            {"Name": "Persisted", "Unit": "Count"},
                            {"Name": "BatchItemFailures", "Unit": "Count"},
                        ],
                    }],
                },
                "Function": "persist",
                "Persisted": 5,
                "BatchItemFailures": 1,
            })
        );
        assert_eq!(m.line(now), None, "counts are reset");
    }
}
