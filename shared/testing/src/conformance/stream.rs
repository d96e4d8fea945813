//! `MessageStream`: records with one partition key keep their order.

use std::collections::BTreeMap;

use async_trait::async_trait;

use chitter_core::ports::MessageStream;

/// Reads back what a stream holds, for the stream conformance body.
#[async_trait]
pub trait StreamProbe: Send + Sync {
    /// Every record as (partition key, data), each shard in order.
    async fn records(&self) -> Vec<(String, Vec<u8>)>;
}

/// Sequence numbers compare as big decimal integers.
fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub async fn streams_keep_each_key_in_order(stream: &dyn MessageStream, probe: &dyn StreamProbe) {
    let keys = ["conv-a", "conv-b", "conv-c"];
    let mut sent: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut last: BTreeMap<&str, String> = BTreeMap::new();
    for i in 0..30 {
        let key = keys[i % 3];
        let data = format!("{key}:{i}");
        let seq = stream.append(key, data.clone().into_bytes()).await.unwrap();
        if let Some(prev) = last.insert(key, seq.clone()) {
            assert_eq!(
                numeric_order(&prev, &seq),
                std::cmp::Ordering::Less,
                "{prev} then {seq}"
            );
        }
        sent.entry(key).or_default().push(data);
    }
    let mut got: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (key, data) in probe.records().await {
        let key = keys
            .iter()
            .find(|k| **k == key)
            .copied()
            .expect("a key we wrote");
        got.entry(key)
            .or_default()
            .push(String::from_utf8(data).unwrap());
    }
    assert_eq!(got, sent);
}
