//! A Lambda function's init: one SDK configuration, and only the adapters
//! the function uses, so that its package links only those SDKs. Each
//! adapter gets its client here, once per cold start: the store's built in
//! init (every call uses it), the others on first use or in their warm-up.

use std::sync::Arc;

use aws_config::SdkConfig;
use chitter_aws::{
    ApiGatewayPusher, DynamoStore, EmfMetrics, KinesisStream, Lazy, S3BlobStore, Warm, clients,
};

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

    /// Runs the clients' warm-ups (see `chitter_aws::Warm`). `first` warms
    /// the client every call starts with (the store); `later`, the clients a
    /// call reaches only after a request to it.
    ///
    /// In an on-demand cold start an invocation is already waiting, so init
    /// goes on at once: `later` opens its connections in one task beside the
    /// runtime's first poll (so that the first one's TLS set-up keeps at most
    /// one worker thread busy), ready by the time the call gets to them.
    /// `first` is skipped: the call's own first request starts that
    /// connection as soon as a warm-up would, and has it before the
    /// warm-up's request is answered, so a warm-up would only add a second
    /// connection (and TLS handshake) beside it. When init runs ahead of any invocation
    /// (provisioned concurrency), all of them finish within it: Lambda
    /// freezes the environment after the first poll, which would stall them
    /// half-open.
    pub async fn warm_up(&self, first: Warm, later: impl IntoIterator<Item = Warm>) {
        if invocation_waits(std::env::var(vars::INITIALIZATION_TYPE).ok().as_deref()) {
            tokio::spawn(futures::future::join_all(later));
        } else {
            futures::future::join_all(std::iter::once(first).chain(later)).await;
        }
    }

    pub fn store(&self, table: &str) -> Arc<DynamoStore> {
        Arc::new(DynamoStore::new(clients::dynamodb(&self.config), table))
    }

    /// Built on first use, or in its warm-up (beside the first poll in an
    /// on-demand init): crud, whose calls seldom append (only sends over
    /// HTTP do), builds it only when one does.
    pub fn stream(&self, stream: &str) -> Arc<KinesisStream> {
        let config = self.config.clone();
        Arc::new(KinesisStream::lazy(
            Lazy::new(move || clients::kinesis(&config)),
            stream,
        ))
    }

    /// Built on first use (only uploads and downloads need it). Presigning
    /// needs no connection: nothing to warm here.
    pub fn blobs(&self, bucket: &str) -> Arc<S3BlobStore> {
        let config = self.config.clone();
        Arc::new(S3BlobStore::lazy(
            Lazy::new(move || clients::s3(&config, false)),
            bucket,
        ))
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

    /// Built on first use, or in its warm-up (see `stream`).
    pub fn pusher(&self, callback_url: &str) -> Arc<ApiGatewayPusher> {
        let (config, url) = (self.config.clone(), callback_url.to_owned());
        Arc::new(ApiGatewayPusher::lazy(Lazy::new(move || {
            clients::management(&config, &url)
        })))
    }
}

/// Whether an invocation waits on this init: Lambda's `on-demand`, or no
/// initialization type at all (a runtime stand-in that does not set one).
fn invocation_waits(initialization_type: Option<&str>) -> bool {
    initialization_type.is_none_or(|kind| kind == "on-demand")
}

#[cfg(test)]
mod tests {
    use aws_config::{BehaviorVersion, Region, SdkConfig};

    use super::{AwsInit, invocation_waits};

    fn built(adapter: &impl std::fmt::Debug) -> bool {
        let shown = format!("{adapter:?}");
        assert!(shown.contains("Lazy("), "{shown}");
        !shown.contains("not built yet")
    }

    #[tokio::test]
    async fn only_the_store_client_is_built_in_init() {
        let aws = AwsInit {
            config: SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .build(),
        };
        let _store = aws.store("table");
        let (stream, pusher, blobs) = (
            aws.stream("stream"),
            aws.pusher("https://example.com/stage"),
            aws.blobs("bucket"),
        );
        // A warm-up made but not yet run builds nothing either.
        let (warm_stream, _warm_pusher) = (stream.warm(), pusher.warm());
        assert!(!built(&stream) && !built(&pusher) && !built(&blobs));
        drop(warm_stream);
        let _ = stream.client();
        assert!(built(&stream));
        assert!(!built(&pusher) && !built(&blobs));
    }

    #[test]
    fn only_an_on_demand_init_has_an_invocation_waiting() {
        assert!(invocation_waits(Some("on-demand")));
        assert!(invocation_waits(None));
        assert!(!invocation_waits(Some("provisioned-concurrency")));
        assert!(!invocation_waits(Some("snap-start")));
    }
}
