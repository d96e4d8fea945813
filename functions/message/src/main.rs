//! The message function on Lambda: every client frame after the handshake.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use chitter_core::adapters::aws::{self, Part};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let svc = Arc::new(aws::init(&[Part::Table, Part::Stream, Part::Connections]).await?);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
            let svc = svc.clone();
            async move { chitter_message::handle(&svc, event.payload).await }
        },
    ))
    .await
}
