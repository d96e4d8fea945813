//! The message function on Lambda: every client frame after the handshake.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use chitter_core::adapters::aws::Init;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await;
    let (store, stream, pusher) = (init.store()?, init.stream()?, init.pusher()?);
    tokio::join!(store.warm(), stream.warm(), pusher.warm());
    let svc = Arc::new(init.services(store, Some(stream), Some(pusher), None)?);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let svc = svc.clone();
            async move { chitter_message::handle(&svc, event.payload).await }
        },
    ))
    .await
}
