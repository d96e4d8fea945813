//! `LimitStore`: a count per key and window, moved atomically, so racing
//! uses each get their own number.

use std::sync::Arc;

use chitter_core::ports::Store;
use chrono::{TimeDelta, Utc};

pub async fn limit_counters_count_each_use_once_per_window<S: Store + 'static>(s: Arc<S>) {
    let start = Utc::now();
    let end = start + TimeDelta::seconds(10);
    let key = format!("sends#{}", uuid::Uuid::new_v4());
    assert_eq!(s.count_use(&key, start, end).await.unwrap(), 1);
    assert_eq!(s.count_use(&key, start, end).await.unwrap(), 2);
    // Another key, and the next window, start again.
    assert_eq!(
        s.count_use(&format!("{key}x"), start, end).await.unwrap(),
        1
    );
    let later = end + TimeDelta::seconds(10);
    assert_eq!(s.count_use(&key, end, later).await.unwrap(), 1);

    // Twenty uses at once: each gets its own count.
    let racing = (0..20).map(|_| {
        let (s, key) = (s.clone(), key.clone());
        async move {
            s.count_use(&key, later, later + TimeDelta::seconds(10))
                .await
                .unwrap()
        }
    });
    let mut counts = futures::future::join_all(racing).await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u64>>());
}
