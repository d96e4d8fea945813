//! The connect function on Lambda: the WebSocket API's authorizer and its
//! `$connect` / `$disconnect` routes, told apart by the event's shape.

use std::sync::Arc;

use chitter_core::adapters::aws::Init;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let init = Init::from_env().await;
    let (store, pusher) = (init.store()?, init.pusher()?);
    tokio::join!(store.warm(), pusher.warm());
    let svc = Arc::new(init.services(store, None, Some(pusher), None)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let svc = svc.clone();
        async move {
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
