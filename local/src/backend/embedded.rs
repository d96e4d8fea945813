//! The embedded backend: the store, the stream and the blob folder in the
//! data dir, and the gateway's own connection table as the pusher.

use std::sync::Arc;

use anyhow::Context;
use chitter_core::auth::{Auth, AuthSettings};
use chitter_embedded::{EmbeddedStore, EmbeddedStream, FsBlobStore};
use chitter_wiring::Wiring;
use sha2::{Digest, Sha256};

use super::{Inputs, StreamHandle, Wired};
use crate::esm;

pub async fn wire(inputs: Inputs<'_>) -> anyhow::Result<Wired> {
    let config = inputs.config;
    let dir = &config.data_dir;
    let store =
        Arc::new(EmbeddedStore::open(&dir.join("store.redb")).context("opening the store")?);
    // The gateway lives in this process: no earlier connection survived.
    store.purge_connections().await?;
    store.purge_expired_tokens(chrono::Utc::now()).await?;
    let stream = Arc::new(
        EmbeddedStream::open(&dir.join("stream.redb"), config.stream_shards)
            .context("opening the stream")?,
    );
    let secret = inputs.secret;
    let blob_key = Sha256::digest([b"blobs:".as_slice(), secret.expose()].concat());
    let blobs = Arc::new(FsBlobStore::new(
        &dir.join("blobs"),
        inputs.public_url,
        &blob_key,
    )?);
    let svc = Arc::new(
        Wiring::new(store)
            .stream(stream.clone())
            .pusher(inputs.connections.clone())
            .blobs(blobs.clone())
            .auth(Auth::new(&secret.jwt()?, AuthSettings::default()))
            .settings(config.settings())
            .build(),
    );
    esm::start_embedded(
        svc.clone(),
        stream.clone(),
        config.stream_batch_size,
        inputs.control,
        inputs.shutdown,
    );
    Ok(Wired {
        svc,
        stream: StreamHandle::Embedded(stream),
        blobs: Some(blobs),
    })
}
