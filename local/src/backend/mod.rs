//! chitter-local's two backends, each wired into the same `Services`: the
//! embedded one (redb files and an S3 folder in the data dir) and the AWS
//! one (the AWS adapters, against stand-ins or real AWS).

mod aws;
mod embedded;

use std::sync::Arc;

use chitter_aws::S3BlobStore;
use chitter_core::Services;
use chitter_embedded::{EmbeddedS3, EmbeddedStream};
use tokio::sync::watch;

use crate::clock::LocalClock;
use crate::config::{Backend, Config, SigningSecret};
use crate::connection_table::ConnectionTable;
use crate::esm::{KinesisSource, StreamControl};
use crate::sweeper::Sweeper;

/// What a backend gives the server.
pub struct Wired {
    pub svc: Arc<Services>,
    pub stream: StreamHandle,
    /// This server's own S3 endpoint; with the aws backend, S3 (or its
    /// stand-in) serves uploads instead.
    pub s3: Option<LocalS3>,
    /// Where presigned URLs point when not at this server.
    pub storage_origin: Option<String>,
    /// The embedded backend's stand-in for TTLs and lifecycle rules.
    pub sweeper: Option<Sweeper>,
}

/// The embedded backend's S3: the endpoint, the adapter over it, and the
/// client that signs the URLs browsers use.
pub struct LocalS3 {
    pub server: EmbeddedS3,
    pub store: S3BlobStore,
    pub presigner: aws_sdk_s3::Client,
}

/// What both backends are wired from.
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub secret: &'a SigningSecret,
    /// Where the server listens, for the management API's callback URL.
    pub addr: std::net::SocketAddr,
    pub public_url: &'a str,
    pub connections: Arc<ConnectionTable>,
    pub metrics: Arc<chitter_core::ports::Counters>,
    pub control: &'a StreamControl,
    pub clock: Arc<LocalClock>,
    pub shutdown: watch::Receiver<bool>,
}

/// Opens the configured backend and starts its stream consumers.
pub async fn wire(inputs: Inputs<'_>) -> anyhow::Result<Wired> {
    match inputs.config.backend {
        Backend::Embedded => embedded::wire(inputs).await,
        Backend::Aws => aws::wire(inputs).await,
    }
}

/// The stream behind the event source, for its status endpoint.
#[derive(Clone)]
pub enum StreamHandle {
    Embedded(Arc<EmbeddedStream>),
    Kinesis(Arc<KinesisSource>),
}

impl StreamHandle {
    pub fn shards(&self) -> usize {
        match self {
            StreamHandle::Embedded(s) => s.shards() as usize,
            StreamHandle::Kinesis(k) => k.shards(),
        }
    }

    pub async fn pending(&self) -> anyhow::Result<Vec<u64>> {
        match self {
            StreamHandle::Embedded(s) => Ok(s.pending()?),
            StreamHandle::Kinesis(k) => k.pending().await,
        }
    }
}
