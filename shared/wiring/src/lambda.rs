//! A Lambda function's init: one SDK configuration, and only the adapters
//! the function uses, so that its package links only those SDKs. Each
//! adapter gets its client here, once per cold start.

use std::sync::Arc;

use aws_config::SdkConfig;
use chitter_aws::{ApiGatewayPusher, DynamoStore, EmfMetrics, KinesisStream, S3BlobStore, clients};

use crate::env::vars;

pub struct AwsInit {
    config: SdkConfig,
}

impl AwsInit {
    /// Loads the SDK configuration (region, credentials, endpoint overrides)
    /// from the environment.
    pub async fn from_env() -> Self {
        Self {
            config: clients::sdk_config().await,
        }
    }

    pub fn store(&self, table: &str) -> Arc<DynamoStore> {
        Arc::new(DynamoStore::new(clients::dynamodb(&self.config), table))
    }

    pub fn stream(&self, stream: &str) -> Arc<KinesisStream> {
        Arc::new(KinesisStream::new(clients::kinesis(&self.config), stream))
    }

    /// Presigning needs no connection: nothing to warm here.
    pub fn blobs(&self, bucket: &str) -> Arc<S3BlobStore> {
        Arc::new(S3BlobStore::new(clients::s3(&self.config, false), bucket))
    }

    /// The function's metrics, as log lines CloudWatch reads (flush them at
    /// the end of each invocation).
    pub fn metrics(&self, function: &'static str) -> Arc<EmfMetrics> {
        let namespace = std::env::var(vars::METRICS_NAMESPACE)
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Chitter".to_owned());
        Arc::new(EmfMetrics::new(&namespace, function))
    }

    pub fn pusher(&self, callback_url: &str) -> Arc<ApiGatewayPusher> {
        Arc::new(ApiGatewayPusher::new(clients::management(
            &self.config,
            callback_url,
        )))
    }
}
