//! The connect function on Lambda: the WebSocket API's authorizer and its
//! `$connect` / `$disconnect` routes, told apart by the event's shape.

use std::sync::Arc;

use chitter_connect::config::Config;
use chitter_wiring::{AwsInit, FromEnv, Wiring};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = AwsInit::from_env().await;
    let (store, pusher) = (aws.store(&config.table), aws.pusher(&config.callback_url));
    aws.warm_up(store.warm(), [pusher.warm()]).await;
    let metrics = aws.metrics("connect");
    let svc = Arc::new(
        Wiring::new(store)
            .pusher(pusher)
            .metrics(metrics.clone())
            .build(),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (svc, metrics) = (svc.clone(), metrics.clone());
        async move {
            let _flush = FlushOnDrop(&metrics);
            // An authorizer request carries a `methodArn`; a route event does not.
            if event.payload.get("methodArn").is_some() {
                let request = serde_json::from_value(event.payload)?;
                Ok(serde_json::to_value(
                    chitter_connect::authorize(&svc, request).await?,
                )?)
            } else {
                let request = serde_json::from_value(event.payload)?;
                Ok::<Value, Error>(serde_json::to_value(
                    chitter_connect::handle(&svc, request).await?,
                )?)
            }
        }
    }))
    .await
}

/// Prints the invocation's metrics however the handler returns.
struct FlushOnDrop<'a>(&'a chitter_wiring::EmfMetrics);

impl Drop for FlushOnDrop<'_> {
    fn drop(&mut self) {
        self.0.flush();
    }
}
