//! Hello world on `lambda_runtime`: what a Rust function costs to start
//! before it does anything. `make bench` measures each function's init
//! and first call beside this one's.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(json!({"statusCode": 200, "body": "hello", "echo": event.payload}))
    }))
    .await
}
