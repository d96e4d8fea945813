//! The SDK clients, built once per process from one SDK configuration.

use aws_config::{BehaviorVersion, SdkConfig};

/// The AWS SDK's configuration from the environment: region, credentials,
/// and endpoint overrides such as `AWS_ENDPOINT_URL_DYNAMODB`.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub fn dynamodb(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

pub fn kinesis(config: &SdkConfig) -> aws_sdk_kinesis::Client {
    aws_sdk_kinesis::Client::new(config)
}

/// `path_style` for S3 stand-ins that need path-style addressing.
pub fn s3(config: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// A management API client for one WebSocket API stage:
/// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`.
pub fn management(config: &SdkConfig, callback_url: &str) -> aws_sdk_apigatewaymanagement::Client {
    let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config)
        .endpoint_url(callback_url)
        .build();
    aws_sdk_apigatewaymanagement::Client::from_conf(conf)
}

/// Every client, for a process that uses all four services (chitter-local's
/// aws backend, the conformance tests). A Lambda function builds only the
/// ones it uses, so that its package links only those SDKs.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub kinesis: aws_sdk_kinesis::Client,
    pub s3: aws_sdk_s3::Client,
    pub management: aws_sdk_apigatewaymanagement::Client,
}

impl AwsClients {
    pub fn new(config: &SdkConfig, s3_path_style: bool, callback_url: &str) -> Self {
        Self {
            dynamodb: dynamodb(config),
            kinesis: kinesis(config),
            s3: s3(config, s3_path_style),
            management: management(config, callback_url),
        }
    }
}

/// An S3 client for an S3-compatible endpoint with fixed credentials and
/// path-style addressing, such as chitter-local's own: nothing is read from
/// the environment, so AWS settings meant for other endpoints never apply.
pub fn s3_at(
    endpoint: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config::{Credentials, Region};
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            access_key, secret_key, None, None, "static",
        ))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}
