//! The conformance suite against the embedded adapters (redb).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chitter_embedded::{EmbeddedStore, EmbeddedStream};
use chitter_testing::conformance;
use chitter_testing::store_conformance;

/// A store in a fresh file that lives as long as the test process; the
/// directory is removed when the returned guard is dropped at exit.
fn store() -> Arc<EmbeddedStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).unwrap();
    // The open database keeps the file; the directory may go now.
    drop(dir);
    Arc::new(store)
}

store_conformance!(store());

#[tokio::test]
async fn streams_keep_each_key_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let stream = EmbeddedStream::open(&dir.path().join("stream.redb"), 4).unwrap();
    conformance::streams_keep_each_key_in_order(&stream, &stream).await;
}
