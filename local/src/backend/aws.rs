//! The aws backend: the AWS adapters at the endpoints the SDK's usual
//! settings give, a Kinesis poller standing in for the event source
//! mapping (woken by this process's own appends), and pushes through the
//! SDK's management API client back to this server's own `@connections`
//! endpoint.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chitter_aws::{
    ApiGatewayPusher, AwsClients, DynamoStore, KinesisStream, Resources, S3BlobStore, clients,
    provision,
};
use chitter_core::auth::{Auth, AuthSettings};
use chitter_wiring::Wiring;

use super::{Inputs, StreamHandle, Wired};
use crate::esm::KinesisSource;
use crate::faults::{self, Kind};

pub async fn wire(inputs: Inputs<'_>) -> anyhow::Result<Wired> {
    let config = inputs.config;
    let resources = Resources {
        table: config.table.clone(),
        stream: config.stream.clone(),
        bucket: config.bucket.clone(),
    };
    let clients = AwsClients::new(
        &clients::sdk_config().await,
        config.s3_path_style,
        &format!("http://{}", inputs.addr),
    );
    if config.provision {
        let shards = i32::try_from(config.stream_shards).unwrap_or(1);
        provision(&clients, &resources, shards)
            .await
            .map_err(|e| anyhow::anyhow!("provisioning AWS resources: {e}"))?;
    }
    let source = Arc::new(
        KinesisSource::open(clients.kinesis.clone(), &config.stream, &config.data_dir)
            .await
            .context("opening the Kinesis stream")?
            .with_faults(config.faults),
    );
    let secret = inputs.secret;
    let svc = Arc::new(
        Wiring::new(Arc::new(DynamoStore::new(
            clients.dynamodb.clone(),
            &resources.table,
        )))
        .stream(source.waking(Arc::new(KinesisStream::new(
            clients.kinesis.clone(),
            &resources.stream,
        ))))
        .pusher(Arc::new(ApiGatewayPusher::new(clients.management.clone())))
        .blobs(Arc::new(S3BlobStore::new(
            clients.s3.clone(),
            &resources.bucket,
        )))
        .auth(Auth::new(&secret.jwt()?, AuthSettings::default()))
        .identity(config.identity_provider()?)
        .settings(config.settings())
        .clock(inputs.clock.clone())
        .metrics(inputs.metrics.clone())
        .build(),
    );
    // The persist function's own services: its DynamoDB requests may fail.
    let persist = if config.faults.store > 0.0 {
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            clients
                .dynamodb
                .config()
                .to_builder()
                .interceptor(FailingRequests(config.faults.store))
                .build(),
        );
        Arc::new(
            Wiring::new(Arc::new(DynamoStore::new(dynamodb, &resources.table)))
                .stream(Arc::new(KinesisStream::new(
                    clients.kinesis.clone(),
                    &resources.stream,
                )))
                .pusher(Arc::new(ApiGatewayPusher::new(clients.management.clone())))
                .blobs(Arc::new(S3BlobStore::new(
                    clients.s3.clone(),
                    &resources.bucket,
                )))
                .settings(config.settings())
                .clock(inputs.clock.clone())
                .metrics(inputs.metrics.clone())
                .build(),
        )
    } else {
        svc.clone()
    };
    source.start(
        persist,
        config.stream_batch_size,
        Duration::from_millis(config.poll_interval_ms),
        inputs.control,
        inputs.shutdown,
    );
    Ok(Wired {
        svc,
        stream: StreamHandle::Kinesis(source),
        s3: None,
        storage_origin: Some(s3_origin(config)),
        sweeper: None,
    })
}

/// The origin of the URLs the S3 adapter presigns: the SDK's endpoint
/// override if one is set, else S3's own (virtual-hosted, or path-style).
fn s3_origin(config: &crate::config::Config) -> String {
    let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.is_empty()));
    if let Some(e) = endpoint {
        return crate::web::origin_of(&e);
    }
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
    if config.s3_path_style {
        format!("https://s3.{region}.amazonaws.com")
    } else {
        format!("https://{}.s3.{region}.amazonaws.com", config.bucket)
    }
}

/// Fails the persist function's DynamoDB requests, reads too, at random
/// (`--faults store=p`): half of the failures before the request is sent
/// (not retried by the SDK, unlike a real connection failure), half after
/// DynamoDB answered (a write happened; the caller hears an error, as
/// after a timeout).
#[derive(Debug)]
struct FailingRequests(f64);

impl Intercept for FailingRequests {
    fn name(&self) -> &'static str {
        "FailingRequests"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if faults::strikes(Kind::Store, self.0 / 2.0) {
            return Err("injected fault before the request".into());
        }
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if faults::strikes(Kind::Store, self.0 / 2.0) {
            return Err("injected fault after the answer".into());
        }
        Ok(())
    }
}
