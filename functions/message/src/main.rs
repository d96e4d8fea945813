//! The message function on Lambda: every client frame after the handshake.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use chitter_message::config::Config;
use chitter_wiring::{AwsInit, FromEnv, Wiring};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = AwsInit::from_env().await;
    let store = aws.store(&config.table);
    let stream = aws.stream(&config.stream);
    let pusher = aws.pusher(&config.callback_url);
    aws.warm_up(store.warm(), [stream.warm(), pusher.warm()])
        .await;
    let metrics = aws.metrics("message");
    let svc = Arc::new(
        Wiring::new(store)
            .stream(stream)
            .pusher(pusher)
            .metrics(metrics.clone())
            .build(),
    );
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let (svc, metrics) = (svc.clone(), metrics.clone());
            async move {
                let response = chitter_message::handle(&svc, event.payload).await;
                metrics.flush();
                response
            }
        },
    ))
    .await
}
