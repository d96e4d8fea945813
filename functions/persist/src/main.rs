//! The persist function on Lambda: Kinesis batches from the event source
//! mapping, with partial batch failures reported.

use std::sync::Arc;

use aws_lambda_events::kinesis::KinesisEvent;
use chitter_core::adapters::aws::Init;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await;
    let (store, pusher) = (init.store()?, init.pusher()?);
    tokio::join!(store.warm(), pusher.warm());
    let svc = Arc::new(init.services(store, None, Some(pusher), None)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<KinesisEvent>| {
        let svc = svc.clone();
        async move { chitter_persist::handle(&svc, event.payload).await }
    }))
    .await
}
