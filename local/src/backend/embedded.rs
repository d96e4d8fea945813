//! The embedded backend: the store and the stream in redb files in the data
//! dir, blobs in this server's own S3 endpoint over a folder of it, and the
//! gateway's own connection table as the pusher.

use std::sync::Arc;

use anyhow::Context;
use chitter_aws::{S3BlobStore, clients};
use chitter_core::auth::{Auth, AuthSettings};
use chitter_embedded::{EmbeddedS3, EmbeddedStore, EmbeddedStream, S3Credentials, WriteFault};
use chitter_wiring::Wiring;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{Inputs, LocalS3, StreamHandle, Wired};
use crate::emulated;
use crate::esm;
use crate::faults::{self, Kind};
use crate::sweeper;

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
    let s3 = local_s3(inputs.secret.expose(), &dir.join("s3"), &inputs)?;
    let svc = Arc::new(
        Wiring::new(store.clone())
            .stream(stream.clone())
            .pusher(inputs.connections.clone())
            .blobs(Arc::new(s3.store.clone()))
            .auth(Auth::new(&secret.jwt()?, AuthSettings::default()))
            .identity(config.identity_provider()?)
            .settings(config.settings())
            .clock(inputs.clock.clone())
            .metrics(inputs.metrics.clone())
            .build(),
    );
    // The persist function's own services: its store writes may fail.
    let persist = match config.faults.store {
        p if p > 0.0 => Arc::new(
            Wiring::new(Arc::new(store.with_write_faults(Arc::new(move || {
                faults::strikes(Kind::Store, p).then(|| {
                    if rand::random() {
                        WriteFault::BeforeCommit
                    } else {
                        WriteFault::AfterCommit
                    }
                })
            }))))
            .stream(stream.clone())
            .pusher(inputs.connections.clone())
            .blobs(Arc::new(s3.store.clone()))
            .settings(config.settings())
            .clock(inputs.clock.clone())
            .metrics(inputs.metrics.clone())
            .build(),
        ),
        _ => svc.clone(),
    };
    let sweeper = sweeper::Sweeper::new(svc.clone(), store, s3.server.bucket_dir());
    sweeper.clone().start(inputs.shutdown.clone());
    esm::start_embedded(
        persist,
        stream.clone(),
        config.stream_batch_size,
        config.faults,
        inputs.control,
        inputs.shutdown,
    );
    Ok(Wired {
        svc,
        stream: StreamHandle::Embedded(stream),
        s3: Some(s3),
        storage_origin: None,
        sweeper: Some(sweeper),
    })
}

/// The S3 endpoint over `root`, and the S3 adapter that reaches it: over
/// loopback for its own requests, and at the public URL for the presigned
/// URLs browsers use.
fn local_s3(secret: &[u8], root: &std::path::Path, inputs: &Inputs<'_>) -> anyhow::Result<LocalS3> {
    // Derived from the signing secret, so presigned URLs survive a restart.
    let derived = Sha256::digest([b"s3:".as_slice(), secret].concat());
    let credentials = S3Credentials {
        access_key: "chitter-local".to_owned(),
        secret_key: SecretString::from(
            derived
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ),
    };
    let server = EmbeddedS3::open(root, &credentials).context("opening the S3 folder")?;
    let client = |endpoint: &str| {
        clients::s3_at(
            endpoint,
            emulated::REGION,
            &credentials.access_key,
            credentials.secret_key.expose_secret(),
        )
    };
    let loopback = format!("http://127.0.0.1:{}", inputs.addr.port());
    let presigner = client(inputs.public_url);
    let store =
        S3BlobStore::new(client(&loopback), EmbeddedS3::BUCKET).presigning_with(presigner.clone());
    Ok(LocalS3 {
        server,
        store,
        presigner,
    })
}
