//! Command line and environment settings.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chitter_core::Settings;
use chitter_core::auth::{AuthError, JwtSecret};
use chitter_core::ports::IdentityProvider;
use chitter_wiring::env::{Env, vars};
use clap::{Parser, ValueEnum};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// redb files in the data dir, a blob folder: no AWS at all.
    Embedded,
    /// DynamoDB, Kinesis and S3 through the AWS SDK, at the endpoints the
    /// SDK's usual settings give (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, ...).
    Aws,
}

/// Chitter on one machine: the four functions behind a local API Gateway
/// (WebSocket, HTTP and @connections APIs), a durable stream standing in for
/// Kinesis, an embedded store and a blob folder.
#[derive(Debug, Clone, Parser)]
#[command(name = "chitter-local", version)]
pub struct Config {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "CHITTER_PORT", default_value_t = 3000)]
    pub port: u16,

    /// Address to listen on. The default keeps it to this machine.
    #[arg(long, env = "CHITTER_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Where data lives: embedded files, or AWS services.
    #[arg(long, env = "CHITTER_BACKEND", value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,

    /// DynamoDB table (aws backend).
    #[arg(long, env = vars::TABLE, default_value = "chitter")]
    pub table: String,

    /// Kinesis stream name or ARN (aws backend).
    #[arg(long, env = vars::STREAM, default_value = "chitter-messages")]
    pub stream: String,

    /// S3 bucket for uploads (aws backend).
    #[arg(long, env = vars::BUCKET, default_value = "chitter-uploads")]
    pub bucket: String,

    /// Create the table, stream and bucket if they are missing (aws backend).
    #[arg(long, env = "CHITTER_PROVISION", default_value_t = false)]
    pub provision: bool,

    /// Address S3 by path, as most S3 stand-ins need (aws backend).
    #[arg(long, env = "CHITTER_S3_PATH_STYLE", default_value_t = false)]
    pub s3_path_style: bool,

    /// How often an idle shard is polled, in milliseconds (aws backend;
    /// Lambda polls each shard about once a second). Appends made by this
    /// process are read at once, whatever the interval.
    #[arg(long, env = "CHITTER_POLL_INTERVAL_MS", default_value_t = 1000)]
    pub poll_interval_ms: u64,

    /// Where the store, the stream and uploads live (and, with the aws
    /// backend, the consumer's checkpoints).
    #[arg(long, env = "CHITTER_DATA_DIR", default_value = ".chitter")]
    pub data_dir: PathBuf,

    /// The web client's build to serve at `/` (`npm run build` in `web/`).
    /// Defaults to the source tree's `web/dist`.
    #[arg(long, env = "CHITTER_WEB_DIR")]
    pub web_dir: Option<PathBuf>,

    /// The URL browsers use to reach this server, for presigned links.
    /// Defaults to http://localhost:<port>.
    #[arg(long, env = "CHITTER_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Token signing secret (at least 32 bytes). Without it a random one is
    /// kept in the data dir.
    #[arg(long, env = vars::JWT_SECRET, hide_env_values = true)]
    pub jwt_secret: Option<SecretArg>,

    /// Stream shards. Fixed when the stream file is created.
    #[arg(long, env = "CHITTER_STREAM_SHARDS", default_value_t = 4)]
    pub stream_shards: u32,

    /// Most records in one batch to the persist function.
    #[arg(long, env = "CHITTER_STREAM_BATCH_SIZE", default_value_t = 100)]
    pub stream_batch_size: usize,

    /// Start with the stream consumer held back: messages are accepted and
    /// kept, but not persisted until `POST /_local/stream/resume`.
    #[arg(long, env = "CHITTER_STREAM_PAUSED", default_value_t = false)]
    pub stream_paused: bool,

    /// Close a connection after this many seconds without a frame from the
    /// client (API Gateway: 600).
    #[arg(long, env = "CHITTER_IDLE_TIMEOUT_SECS", default_value_t = 600)]
    pub idle_timeout_secs: u64,

    /// Bytes of finished uploads one user may keep.
    #[arg(long, env = "CHITTER_UPLOAD_QUOTA_BYTES", default_value_t = 200 * 1024 * 1024)]
    pub upload_quota_bytes: u64,

    /// How long a presigned upload URL works, in seconds.
    #[arg(long, env = "CHITTER_UPLOAD_URL_SECS", default_value_t = 300)]
    pub upload_url_secs: u64,

    /// Per-user rate limits on sends, typing, uploads and sign-in attempts
    /// (see `docs/security.md`); `false` only for load tests.
    #[arg(long, env = "CHITTER_RATE_LIMITS", default_value_t = true, action = clap::ArgAction::Set)]
    pub rate_limits: bool,

    /// Faults to inject, for the fault-injection tests only, as
    /// `name=probability` pairs: `persist-crash`, `redeliver`, `push-gone`,
    /// `push-throttle`, `store` (see `docs/security.md`). Empty: none.
    #[arg(long, env = "CHITTER_FAULTS", default_value = "")]
    pub faults: crate::faults::Faults,

    /// Sign-in with an OpenID provider: its issuer URL, exactly as its ID
    /// tokens name it (https, or http on this machine). Unset: off.
    #[arg(long, env = vars::OIDC_ISSUER)]
    pub oidc_issuer: Option<String>,

    /// This app's client id at the OpenID provider.
    #[arg(long, env = vars::OIDC_CLIENT_ID)]
    pub oidc_client_id: Option<String>,

    /// The OpenID provider's name on the sign-in button.
    #[arg(long, env = vars::OIDC_NAME)]
    pub oidc_name: Option<String>,

    /// Close any connection after this many seconds (API Gateway: 7200).
    #[arg(long, env = "CHITTER_MAX_CONNECTION_SECS", default_value_t = 7200)]
    pub max_connection_secs: u64,
}

/// A secret from the command line or the environment: never printed.
#[derive(Clone)]
pub struct SecretArg(String);

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The token signing secret's bytes, also the root of the blob folder's
/// URL signing key.
pub struct SigningSecret(SecretSlice<u8>);

impl SigningSecret {
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    pub fn jwt(&self) -> Result<JwtSecret, AuthError> {
        JwtSecret::new(self.expose().to_vec())
    }
}

impl Config {
    /// The token signing secret: given, or kept in the data dir so that
    /// tokens survive a restart.
    pub fn signing_secret(&self) -> anyhow::Result<SigningSecret> {
        if let Some(SecretArg(s)) = &self.jwt_secret {
            anyhow::ensure!(
                s.len() >= JwtSecret::MIN_LEN,
                "CHITTER_JWT_SECRET must be at least {} bytes",
                JwtSecret::MIN_LEN
            );
            return Ok(SigningSecret(SecretSlice::from(s.as_bytes().to_vec())));
        }
        let path = self.data_dir.join("secret.key");
        let bytes = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= JwtSecret::MIN_LEN => bytes,
            _ => {
                let mut bytes = vec![0u8; JwtSecret::MIN_LEN];
                rand::rng().fill_bytes(&mut bytes);
                std::fs::write(&path, &bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
                bytes
            }
        };
        Ok(SigningSecret(SecretSlice::from(bytes)))
    }

    /// The use cases' settings.
    pub fn settings(&self) -> Settings {
        Settings {
            max_connection_time: self.max_connection_time(),
            upload_url_ttl: Duration::from_secs(self.upload_url_secs),
            upload_quota_bytes: self.upload_quota_bytes,
            rate_limits: self.rate_limits,
            ..Settings::default()
        }
    }

    /// The OpenID provider, read by the same rules as the crud function's.
    pub fn identity_provider(&self) -> anyhow::Result<Option<Arc<dyn IdentityProvider>>> {
        let env = Env::from_lookup(|name| match name {
            vars::OIDC_ISSUER => self.oidc_issuer.clone(),
            vars::OIDC_CLIENT_ID => self.oidc_client_id.clone(),
            vars::OIDC_NAME => self.oidc_name.clone(),
            _ => None,
        });
        Ok(env.identity_provider()?)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    pub fn max_connection_time(&self) -> Duration {
        Duration::from_secs(self.max_connection_secs)
    }
}
