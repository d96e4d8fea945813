//! The crud function on Lambda: the HTTP API's router, served by
//! lambda_http as in the runtime's axum example.

use std::sync::Arc;

use chitter_core::auth::{Auth, AuthSettings};
use chitter_crud::config::Config;
use chitter_wiring::{AwsInit, FromEnv, Wiring};
use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let aws = AwsInit::from_env().await;
    let store = aws.store(&config.table);
    store.warm().await;
    let auth = Auth::new(&config.jwt_secret, AuthSettings::default());
    let svc = Arc::new(Wiring::new(store).auth(auth).build());
    lambda_http::run(chitter_crud::router(svc)).await
}
