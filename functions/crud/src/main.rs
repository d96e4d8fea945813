//! The crud function on Lambda: the HTTP API's router, served by
//! lambda_http (through `Api::handle`, which routes on the raw path).

use std::sync::Arc;

use chitter_core::auth::{Auth, AuthSettings};
use chitter_crud::config::Config;
use chitter_wiring::{AwsInit, FromEnv, Wiring};
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = AwsInit::from_env().await;
    let store = aws.store(&config.table);
    aws.warm_up(store.warm(), []).await;
    let auth = Auth::new(&config.jwt_secret, AuthSettings::default());
    let metrics = aws.metrics("crud");
    let svc = Arc::new(
        Wiring::new(store)
            .metrics(metrics.clone())
            .blobs(aws.blobs(&config.bucket))
            .pusher(aws.pusher(&config.callback_url))
            .stream(aws.stream(&config.stream))
            .auth(auth)
            .identity(config.identity)
            .build(),
    );
    let api = chitter_crud::Api::new(svc);
    lambda_http::run(service_fn(move |request: Request| {
        let (api, metrics) = (api.clone(), metrics.clone());
        async move {
            let response = api.handle(request).await;
            metrics.flush();
            response
        }
    }))
    .await
}
