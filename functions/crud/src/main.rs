//! The crud function on Lambda: the HTTP API.

use std::sync::Arc;

use chitter_core::adapters::aws::Init;
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let init = Init::from_env().await;
    let store = init.store()?;
    store.warm().await;
    let svc = Arc::new(init.services(store, None, None, None)?);
    lambda_http::run(service_fn(move |request: Request| {
        let svc = svc.clone();
        async move { chitter_crud::handle(&svc, request).await }
    }))
    .await
}
