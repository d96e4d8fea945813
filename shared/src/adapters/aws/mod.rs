//! The AWS adapters (DynamoDB, Kinesis, S3, API Gateway's management API)
//! and the configuration that builds them, once per cold start.

mod apigw;
mod dynamo;
mod kinesis;
mod s3;

pub use apigw::ApiGatewayPusher;
pub use dynamo::DynamoStore;
pub use kinesis::KinesisStream;
pub use s3::S3BlobStore;

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use super::unavailable::Unavailable;
use crate::app::{Services, Settings};
use crate::auth::{Auth, AuthSettings};
use crate::ports::{BlobStore, BoxError, MessageStream, Pusher, SystemClock};

/// Environment variables the functions read.
pub mod env {
    pub const TABLE: &str = "CHITTER_TABLE";
    /// Stream ARN (or name).
    pub const STREAM: &str = "CHITTER_STREAM";
    pub const BUCKET: &str = "CHITTER_BUCKET";
    /// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`
    pub const CALLBACK_URL: &str = "CHITTER_CALLBACK_URL";
    /// The access-token signing key (crud only).
    pub const JWT_SECRET: &str = "CHITTER_JWT_SECRET";
    /// `true` for S3 stand-ins that need path-style addressing.
    pub const S3_PATH_STYLE: &str = "CHITTER_S3_PATH_STYLE";
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("{0}")]
    Invalid(String),
}

/// Where the resources are; the signing secret stays out of `Debug`.
#[derive(Clone)]
pub struct AwsSettings {
    pub table: String,
    pub stream: String,
    pub bucket: String,
    pub callback_url: String,
    pub jwt_secret: Vec<u8>,
    pub s3_path_style: bool,
}

impl std::fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSettings")
            .field("table", &self.table)
            .field("stream", &self.stream)
            .field("bucket", &self.bucket)
            .field("callback_url", &self.callback_url)
            .field("s3_path_style", &self.s3_path_style)
            .finish_non_exhaustive()
    }
}

/// The SDK clients, built once and shared by every invocation.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub kinesis: aws_sdk_kinesis::Client,
    pub s3: aws_sdk_s3::Client,
    pub management: aws_sdk_apigatewaymanagement::Client,
}

impl AwsClients {
    /// Loads the SDK config (region, credentials, endpoint overrides such as
    /// `AWS_ENDPOINT_URL_DYNAMODB`) from the environment.
    pub async fn from_env(settings: &AwsSettings) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::new(&config, settings)
    }

    pub fn new(config: &SdkConfig, settings: &AwsSettings) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(settings.s3_path_style)
            .build();
        let management = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(&settings.callback_url)
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            kinesis: aws_sdk_kinesis::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            management: aws_sdk_apigatewaymanagement::Client::from_conf(management),
        }
    }
}

/// A warm-up is worth one quick try: a failure only means the first real
/// call pays for the connection, while retries could stall init for seconds.
pub(crate) fn warm_up_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::disabled()
}

pub(crate) fn warm_up_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(1))
        .build()
}

/// The use cases wired to all four AWS adapters (chitter-local, tests).
pub fn services(
    clients: &AwsClients,
    settings: &AwsSettings,
    app: Settings,
) -> Result<Services, BoxError> {
    let auth = Auth::new(&settings.jwt_secret, AuthSettings::default())?;
    Ok(Services::new(
        Arc::new(DynamoStore::new(clients.dynamodb.clone(), &settings.table)),
        Arc::new(KinesisStream::new(
            clients.kinesis.clone(),
            &settings.stream,
        )),
        Arc::new(ApiGatewayPusher::new(clients.management.clone())),
        Arc::new(S3BlobStore::new(clients.s3.clone(), &settings.bucket)),
        Arc::new(SystemClock),
        auth,
        app,
    ))
}

/// A Lambda function's init: reads the environment once and builds only
/// the adapters the function uses, so that its binary links only those
/// SDKs. Ports it does not use are `Unavailable`.
pub struct Init {
    config: SdkConfig,
}

fn var(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError::Missing(name))
}

impl Init {
    pub async fn from_env() -> Self {
        Self {
            config: aws_config::defaults(BehaviorVersion::latest()).load().await,
        }
    }

    pub fn store(&self) -> Result<Arc<DynamoStore>, ConfigError> {
        Ok(Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&self.config),
            var(env::TABLE)?,
        )))
    }

    pub fn stream(&self) -> Result<Arc<KinesisStream>, ConfigError> {
        Ok(Arc::new(KinesisStream::new(
            aws_sdk_kinesis::Client::new(&self.config),
            var(env::STREAM)?,
        )))
    }

    pub fn pusher(&self) -> Result<Arc<ApiGatewayPusher>, ConfigError> {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(&self.config)
            .endpoint_url(var(env::CALLBACK_URL)?)
            .build();
        Ok(Arc::new(ApiGatewayPusher::new(
            aws_sdk_apigatewaymanagement::Client::from_conf(config),
        )))
    }

    pub fn blobs(&self) -> Result<Arc<S3BlobStore>, ConfigError> {
        let path_style = std::env::var(env::S3_PATH_STYLE).is_ok_and(|v| v == "true" || v == "1");
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(path_style)
            .build();
        Ok(Arc::new(S3BlobStore::new(
            aws_sdk_s3::Client::from_conf(config),
            var(env::BUCKET)?,
        )))
    }

    pub fn services(
        &self,
        store: Arc<DynamoStore>,
        stream: Option<Arc<dyn MessageStream>>,
        pusher: Option<Arc<dyn Pusher>>,
        blobs: Option<Arc<dyn BlobStore>>,
    ) -> Result<Services, BoxError> {
        // Only the function that issues and checks access tokens (crud) is
        // given the signing key; the others get a random one they never use,
        // so the key is not in their configuration to leak.
        let secret = match std::env::var(env::JWT_SECRET) {
            Ok(s) => s.into_bytes(),
            Err(_) => crate::auth::SecretToken::generate()
                .expose()
                .as_bytes()
                .to_vec(),
        };
        Ok(Services::new(
            store,
            stream.unwrap_or_else(|| Arc::new(Unavailable)),
            pusher.unwrap_or_else(|| Arc::new(Unavailable)),
            blobs.unwrap_or_else(|| Arc::new(Unavailable)),
            Arc::new(SystemClock),
            Auth::new(&secret, AuthSettings::default())?,
            Settings::default(),
        ))
    }
}

/// Creates the table, stream and bucket as `template.yaml` defines them, if
/// they do not exist: for stand-ins and for trying the AWS path locally.
pub async fn provision(
    clients: &AwsClients,
    settings: &AwsSettings,
    shards: i32,
) -> Result<(), BoxError> {
    let ddb = &clients.dynamodb;
    if ddb
        .describe_table()
        .table_name(&settings.table)
        .send()
        .await
        .is_err()
    {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        ddb.create_table()
            .table_name(&settings.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .send()
            .await?;
        ddb.update_time_to_live()
            .table_name(&settings.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("ttl")
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    let stream_name = settings
        .stream
        .rsplit('/')
        .next()
        .unwrap_or(&settings.stream);
    let kinesis = &clients.kinesis;
    if kinesis
        .describe_stream_summary()
        .stream_name(stream_name)
        .send()
        .await
        .is_err()
    {
        kinesis
            .create_stream()
            .stream_name(stream_name)
            .shard_count(shards)
            .send()
            .await?;
    }
    if clients
        .s3
        .head_bucket()
        .bucket(&settings.bucket)
        .send()
        .await
        .is_err()
    {
        clients
            .s3
            .create_bucket()
            .bucket(&settings.bucket)
            .send()
            .await?;
    }
    Ok(())
}
