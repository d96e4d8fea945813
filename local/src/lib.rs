//! chitter-local: the four Chitter functions in one process, behind a
//! faithful emulation of API Gateway (`apigw`: WebSocket, HTTP and
//! `@connections` APIs), Lambda's Kinesis event source (`esm`) over a
//! durable embedded stream or a real one, either backend (`backend`), and
//! an S3 endpoint over a folder for presigned uploads (`s3`).

mod apigw;
mod backend;
mod clock;
mod config;
mod connection_table;
mod emulated;
mod esm;
mod faults;
mod operator;
mod s3;
mod state;
mod sweeper;
pub mod telemetry;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use tokio::sync::watch;
use tower_http::cors::CorsLayer;

pub use config::{Backend, Config};
pub use connection_table::ConnectionTable;
pub use esm::StreamControl;

use state::AppState;

/// A running chitter-local.
pub struct Server {
    addr: SocketAddr,
    connections: Arc<ConnectionTable>,
    s3: Option<backend::LocalS3>,
    shutdown: watch::Sender<bool>,
    served: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Opens the data dir (and, with the aws backend, the AWS resources),
    /// binds the port and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating data dir {}", dir.display()))?;
        // Before anything is opened or bound: a bad secret fails at once.
        let secret = config.signing_secret()?;
        let listener = tokio::net::TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("binding {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", addr.port()));
        if config.faults.any() {
            tracing::warn!(faults = ?config.faults, "injecting faults, as --faults asks");
        }
        let connections = Arc::new(ConnectionTable::with_faults(config.faults));
        let metrics = Arc::new(chitter_core::ports::Counters::default());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let control = StreamControl::new(config.stream_paused);
        let clock = Arc::new(clock::LocalClock::default());
        let wired = backend::wire(backend::Inputs {
            config: &config,
            secret: &secret,
            addr,
            public_url: &public_url,
            connections: connections.clone(),
            metrics: metrics.clone(),
            control: &control,
            clock: clock.clone(),
            shutdown: shutdown_rx.clone(),
        })
        .await?;

        let shards = wired.stream.shards();
        let state = AppState {
            api: chitter_crud::Api::new(wired.svc.clone()),
            svc: wired.svc,
            connections: connections.clone(),
            metrics,
            stream: wired.stream,
            control,
            clock,
            sweeper: wired.sweeper.clone(),
            domain_name: format!("localhost:{}", addr.port()),
            idle_timeout: config.idle_timeout(),
            max_connection_time: config.max_connection_time(),
        };
        let web_dir = config.web_dir.clone().unwrap_or_else(web::default_dir);
        let s3 = wired.s3.as_ref().map(|s| s.server.service());
        let storage = wired
            .storage_origin
            .clone()
            .unwrap_or_else(|| public_url.clone());
        let web = web::routes(&web_dir, &public_url, &storage);
        let served = serve(listener, router(state, s3, web), shutdown_rx);

        let base = format!("http://{addr}");
        tracing::info!("web app        {public_url}/");
        tracing::info!("WebSocket API  ws://{addr}/ws?ticket=<ticket>");
        tracing::info!("HTTP API       {base}/api");
        tracing::info!("@connections   {base}/@connections/{{connection_id}}");
        match config.backend {
            Backend::Embedded => {
                tracing::info!("S3             {base}/blobs (bucket `blobs`, path-style)");
                tracing::info!("data dir       {}", dir.display());
            }
            Backend::Aws => tracing::info!(
                "AWS backend    table {}, stream {}, bucket {}",
                config.table,
                config.stream,
                config.bucket
            ),
        }
        tracing::info!(
            "stream         {shards} shards{}, control at {base}/_local/stream",
            if config.stream_paused { ", paused" } else { "" }
        );
        Ok(Server {
            addr,
            connections,
            s3: wired.s3,
            shutdown,
            served,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway's own pusher, as the embedded functions use it.
    pub fn pusher(&self) -> Arc<dyn chitter_core::ports::Pusher> {
        self.connections.clone()
    }

    /// The blob adapter over this server's own S3 endpoint, and the client
    /// that presigns for it (embedded backend only).
    pub fn local_s3(&self) -> Option<(chitter_aws::S3BlobStore, aws_sdk_s3::Client)> {
        self.s3
            .as_ref()
            .map(|s| (s.store.clone(), s.presigner.clone()))
    }

    /// Closes every connection (each gets `$disconnect`), stops the stream
    /// consumers and the listener.
    pub async fn shutdown(self) {
        self.connections.close_all(1001, "Going away");
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.served).await;
    }
}

fn router(state: AppState, s3: Option<s3s::service::S3Service>, web: Router<AppState>) -> Router {
    let router = match s3 {
        Some(service) => s3::routes(service),
        None => Router::new(),
    };
    router
        .route("/ws", get(apigw::websocket::handshake))
        .route(
            "/api/{*path}",
            any(apigw::http::invoke).layer(CorsLayer::permissive()),
        )
        .merge(operator::routes())
        .merge(web)
        .with_state(state)
}

/// Serves until shutdown is signalled.
fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    // Frames are small and latency matters: without TCP_NODELAY, two
    // frames in a row (`accepted`, then `persisted`) wait ~40 ms for the
    // client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY not set");
        }
    });
    tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server failed");
        }
    })
}
