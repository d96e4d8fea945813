//! Creating the table, stream and bucket as `template.yaml` defines them,
//! for stand-ins and for trying the AWS path locally. Lambda functions never
//! call this: the template owns the resources there.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use crate::clients::AwsClients;
use chitter_core::ports::BoxError;

/// The names of the resources to create.
#[derive(Debug, Clone)]
pub struct Resources {
    pub table: String,
    /// A stream name or ARN.
    pub stream: String,
    pub bucket: String,
}

/// Creates the table, stream and bucket as `template.yaml` defines them, if
/// they do not exist: for stand-ins and for trying the AWS path locally.
pub async fn provision(
    clients: &AwsClients,
    resources: &Resources,
    shards: i32,
) -> Result<(), BoxError> {
    let ddb = &clients.dynamodb;
    if ddb
        .describe_table()
        .table_name(&resources.table)
        .send()
        .await
        .is_err()
    {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        ddb.create_table()
            .table_name(&resources.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .send()
            .await?;
        ddb.update_time_to_live()
            .table_name(&resources.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("ttl")
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await?;
    }
    let stream_name = resources
        .stream
        .rsplit('/')
        .next()
        .unwrap_or(&resources.stream);
    let kinesis = &clients.kinesis;
    if kinesis
        .describe_stream_summary()
        .stream_name(stream_name)
        .send()
        .await
        .is_err()
    {
        kinesis
            .create_stream()
            .stream_name(stream_name)
            .shard_count(shards)
            .send()
            .await?;
    }
    if clients
        .s3
        .head_bucket()
        .bucket(&resources.bucket)
        .send()
        .await
        .is_err()
    {
        clients
            .s3
            .create_bucket()
            .bucket(&resources.bucket)
            .send()
            .await?;
    }
    Ok(())
}
