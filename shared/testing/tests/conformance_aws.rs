//! The conformance suite against the AWS adapters on stand-ins: moto for
//! DynamoDB and Kinesis. Each test gets its own table and stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chitter_aws::{DynamoStore, KinesisStream};
use chitter_testing::store_conformance;
use chitter_testing::{conformance, standins};

macro_rules! dynamo {
    () => {{
        let Some(world) = standins::world("http://127.0.0.1:9").await else {
            return;
        };
        Arc::new(DynamoStore::new(
            world.clients.dynamodb.clone(),
            &world.resources.table,
        ))
    }};
}

store_conformance!(dynamo!());

#[tokio::test]
async fn streams_keep_each_key_in_order() {
    let Some(world) = standins::world("http://127.0.0.1:9").await else {
        return;
    };
    let stream = KinesisStream::new(world.clients.kinesis.clone(), &world.resources.stream);
    conformance::streams_keep_each_key_in_order(&stream, &world).await;
}
