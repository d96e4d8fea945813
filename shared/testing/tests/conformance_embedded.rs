//! The conformance suite against the embedded adapters (redb).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chitter_core::domain::Seq;
use chitter_core::ports::MessageLog;
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

/// What persist writes through the deferred log and then syncs is on disk:
/// it is there after the store is closed and opened again.
#[tokio::test]
async fn deferred_writes_survive_a_reopen_once_synced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = EmbeddedStore::open(&path).unwrap();
    let id = conformance::deferred_writes_number_alike_and_sync(&store).await;
    drop(store);
    let again = EmbeddedStore::open(&path).unwrap();
    assert_eq!(again.after(id, Seq::ZERO, 10).await.unwrap().len(), 3);
}
