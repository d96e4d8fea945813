//! chitter-local: the four Chitter functions in one process, behind a
//! faithful emulation of API Gateway (WebSocket, HTTP and `@connections`
//! APIs), Lambda's Kinesis event source over a durable embedded stream, an
//! embedded store, and presigned blob uploads from a folder.

mod blobs;
mod config;
mod esm;
mod events;
mod gateway;
mod http_api;
mod management;
mod web;
mod ws;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::routing::{any, get, post};
use axum::serve::ListenerExt;
use chitter_core::adapters::aws::{self, AwsClients, AwsSettings};
use chitter_core::adapters::embedded::{EmbeddedStore, EmbeddedStream, FsBlobStore};
use chitter_core::auth::{Auth, AuthSettings};
use chitter_core::ports::SystemClock;
use chitter_core::{Services, Settings};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tower_http::cors::CorsLayer;

pub use config::{Backend, Config};
pub use esm::StreamControl;
pub use gateway::Gateway;

/// What every route handler shares.
#[derive(Clone)]
pub struct AppState {
    svc: Arc<Services>,
    gateway: Arc<Gateway>,
    stream: StreamHandle,
    control: StreamControl,
    /// The blob folder; with the aws backend, S3 serves uploads instead.
    blobs: Option<Arc<FsBlobStore>>,
    domain_name: String,
    idle_timeout: Duration,
    max_connection_time: Duration,
}

/// The stream behind the event source, for its status endpoint.
#[derive(Clone)]
enum StreamHandle {
    Embedded(Arc<EmbeddedStream>),
    Kinesis(Arc<esm::KinesisSource>),
}

impl StreamHandle {
    fn shards(&self) -> usize {
        match self {
            StreamHandle::Embedded(s) => s.shards() as usize,
            StreamHandle::Kinesis(k) => k.shards(),
        }
    }

    async fn pending(&self) -> anyhow::Result<Vec<u64>> {
        match self {
            StreamHandle::Embedded(s) => Ok(s.pending()?),
            StreamHandle::Kinesis(k) => k.pending().await,
        }
    }
}

/// A running chitter-local.
pub struct Server {
    addr: SocketAddr,
    gateway: Arc<Gateway>,
    blobs: Option<Arc<FsBlobStore>>,
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
        let secret = signing_secret(dir, config.jwt_secret.as_deref())?;
        let listener = tokio::net::TcpListener::bind((config.host, config.port))
            .await
            .with_context(|| format!("binding {}:{}", config.host, config.port))?;
        let addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", addr.port()));
        let gateway = Arc::new(Gateway::default());
        let settings = Settings {
            max_connection_time: config.max_connection_time(),
            ..Settings::default()
        };
        let (shutdown, shutdown_rx) = watch::channel(false);
        let control = StreamControl::new(config.stream_paused);

        let (svc, stream, blobs) = match config.backend {
            Backend::Embedded => {
                let store = Arc::new(
                    EmbeddedStore::open(&dir.join("store.redb")).context("opening the store")?,
                );
                // The gateway lives in this process: no earlier connection
                // survived.
                store.purge_connections().await?;
                store.purge_expired_tokens(chrono::Utc::now()).await?;
                let stream = Arc::new(
                    EmbeddedStream::open(&dir.join("stream.redb"), config.stream_shards)
                        .context("opening the stream")?,
                );
                let blob_key = Sha256::digest([b"blobs:".as_slice(), &secret].concat());
                let blobs = Arc::new(FsBlobStore::new(
                    &dir.join("blobs"),
                    &public_url,
                    &blob_key,
                )?);
                let svc = Arc::new(Services::new(
                    store,
                    stream.clone(),
                    gateway.clone(),
                    blobs.clone(),
                    Arc::new(SystemClock),
                    Auth::new(&secret, AuthSettings::default())?,
                    settings,
                ));
                esm::start_embedded(
                    svc.clone(),
                    stream.clone(),
                    config.stream_batch_size,
                    &control,
                    shutdown_rx.clone(),
                );
                (svc, StreamHandle::Embedded(stream), Some(blobs))
            }
            Backend::Aws => {
                let aws_settings = AwsSettings {
                    table: config.table.clone(),
                    stream: config.stream.clone(),
                    bucket: config.bucket.clone(),
                    // Pushes go through the management API, to this very
                    // gateway's @connections endpoint.
                    callback_url: format!("http://{addr}"),
                    jwt_secret: secret.clone(),
                    s3_path_style: config.s3_path_style,
                };
                let clients = AwsClients::from_env(&aws_settings).await;
                if config.provision {
                    aws::provision(
                        &clients,
                        &aws_settings,
                        i32::try_from(config.stream_shards).unwrap_or(1),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("provisioning AWS resources: {e}"))?;
                }
                let svc = Arc::new(
                    aws::services(&clients, &aws_settings, settings)
                        .map_err(|e| anyhow::anyhow!("building AWS services: {e}"))?,
                );
                let source = Arc::new(
                    esm::KinesisSource::open(clients.kinesis.clone(), &config.stream, dir)
                        .await
                        .context("opening the Kinesis stream")?,
                );
                source.start(
                    svc.clone(),
                    config.stream_batch_size,
                    Duration::from_millis(config.poll_interval_ms),
                    &control,
                    shutdown_rx.clone(),
                );
                (svc, StreamHandle::Kinesis(source), None)
            }
        };

        let shards = stream.shards();
        let state = AppState {
            svc,
            gateway: gateway.clone(),
            stream,
            control,
            blobs: blobs.clone(),
            domain_name: format!("localhost:{}", addr.port()),
            idle_timeout: config.idle_timeout(),
            max_connection_time: config.max_connection_time(),
        };
        let app = router(state);
        let mut stop = shutdown_rx;
        // Frames are small and latency matters: without TCP_NODELAY, two
        // frames in a row (`accepted`, then `persisted`) wait ~40 ms for the
        // client's delayed ACK.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "TCP_NODELAY not set");
            }
        });
        let served = tokio::spawn(async move {
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
        });

        let base = format!("http://{addr}");
        tracing::info!("web app        {public_url}/");
        tracing::info!("WebSocket API  ws://{addr}/ws?ticket=<ticket>");
        tracing::info!("HTTP API       {base}/api");
        tracing::info!("@connections   {base}/@connections/{{connection_id}}");
        match config.backend {
            Backend::Embedded => {
                tracing::info!("blobs          {base}/blobs/{{key}} (presigned)");
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
            gateway,
            blobs,
            shutdown,
            served,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The gateway's own pusher, as the embedded functions use it.
    pub fn pusher(&self) -> Arc<dyn chitter_core::ports::Pusher> {
        self.gateway.clone()
    }

    /// The blob folder (embedded backend only).
    pub fn blobs(&self) -> Option<Arc<FsBlobStore>> {
        self.blobs.clone()
    }

    /// Closes every connection (each gets `$disconnect`), stops the stream
    /// consumers and the listener.
    pub async fn shutdown(self) {
        self.gateway.close_all(1001, "Going away");
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.served).await;
    }
}

fn router(state: AppState) -> Router {
    let connections = any(management::post)
        .get(management::get)
        .delete(management::delete);
    // What only the backend may do (push to any connection, hold the
    // stream) answers only this machine, whatever address the app is on.
    let operator = Router::new()
        .route("/@connections/{id}", connections.clone())
        .route("/{stage}/@connections/{id}", connections)
        .route("/_local/connections", get(list_connections))
        .route("/_local/stream", get(stream_status))
        .route("/_local/stream/pause", post(pause_stream))
        .route("/_local/stream/resume", post(resume_stream))
        .layer(axum::middleware::from_fn(loopback_only));
    Router::new()
        .route("/ws", get(ws::handshake))
        .route(
            "/api/{*path}",
            any(http_api::invoke).layer(CorsLayer::permissive()),
        )
        .route("/blobs/{*key}", get(blobs::get).put(blobs::put))
        .merge(operator)
        .merge(web::routes())
        .layer(axum::extract::DefaultBodyLimit::max(blobs::MAX_UPLOAD))
        .with_state(state)
}

async fn stream_status(State(app): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match app.stream.pending().await {
        Ok(pending) => axum::Json(serde_json::json!({
            "paused": app.control.is_paused(),
            "shards": app.stream.shards(),
            "pending": pending,
            "connections": app.gateway.len(),
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "stream status failed");
            http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn loopback_only(
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if peer.ip().is_loopback() {
        next.run(request).await
    } else {
        (
            http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"message": "Forbidden"})),
        )
            .into_response()
    }
}

/// The open connections, for developers (and tests) who need an id to try
/// the `@connections` API with.
async fn list_connections(State(app): State<AppState>) -> axum::Json<serde_json::Value> {
    let connections: Vec<serde_json::Value> = app
        .gateway
        .list()
        .into_iter()
        .map(|(id, info)| {
            serde_json::json!({
                "connection_id": id,
                "user_id": info.principal,
                "connected_at": info.connected_at,
                "source_ip": info.source_ip,
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "connections": connections }))
}

async fn pause_stream(State(app): State<AppState>) -> http::StatusCode {
    app.control.pause();
    http::StatusCode::NO_CONTENT
}

async fn resume_stream(State(app): State<AppState>) -> http::StatusCode {
    app.control.resume();
    http::StatusCode::NO_CONTENT
}

/// The token signing secret: given, or kept in the data dir so tokens
/// survive a restart.
fn signing_secret(dir: &Path, given: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = given {
        anyhow::ensure!(
            s.len() >= 32,
            "CHITTER_JWT_SECRET must be at least 32 bytes"
        );
        return Ok(s.as_bytes().to_vec());
    }
    let path = dir.join("secret.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        _ => {
            let mut bytes = vec![0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(bytes)
        }
    }
}
