//! The persist function on Lambda: Kinesis batches from the event source
//! mapping, with partial batch failures reported.

use std::sync::Arc;

use aws_lambda_events::kinesis::KinesisEvent;
use chitter_persist::config::Config;
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
    let metrics = aws.metrics("persist");
    let svc = Arc::new(
        Wiring::new(store)
            .stream(stream)
            .pusher(pusher)
            .metrics(metrics.clone())
            .build(),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<KinesisEvent>| {
        let (svc, metrics) = (svc.clone(), metrics.clone());
        async move {
            let response = chitter_persist::handle(&svc, event.payload).await;
            metrics.flush();
            response
        }
    }))
    .await
}
