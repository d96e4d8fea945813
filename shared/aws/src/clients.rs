//! The SDK clients, built once per process from one SDK configuration.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_http_client::{ConnectorBuilder, proxy::ProxyConfig};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;

/// The AWS SDK's configuration from the environment: region, credentials,
/// and endpoint overrides such as `AWS_ENDPOINT_URL_DYNAMODB`. Every client
/// built from it shares one HTTP client (see `https_client`).
///
/// Lambda puts the function's region and credentials in environment
/// variables, which the default chains read first. Naming them here gives
/// the same answer without building the chains' other providers (an STS
/// client for web identity, IMDS clients for the region and credentials):
/// about a tenth of crud's init thread in a CPU profile. Elsewhere the
/// chains run as usual.
pub async fn sdk_config() -> SdkConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if let Some(region) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        loader = loader.region(aws_config::Region::new(region));
    }
    if env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
    }
    loader.load().await
}

/// The SDK's default HTTPS client (hyper, rustls on aws-lc, proxy settings
/// from the environment), one per process, except that the system's root
/// certificates load on its first request rather than as each SDK client is
/// built. Reading and parsing them was most of a function's init; now they
/// load in whichever request comes first, a warm-up beside the runtime's
/// first poll or the first call's own.
fn https_client() -> SharedHttpClient {
    let client = aws_smithy_http_client::Builder::new().build_with_connector_fn(
        |settings: Option<&HttpConnectorSettings>, components: Option<&RuntimeComponents>| {
            let mut builder =
                ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        },
    );
    RootsOnFirstUse(client).into_shared()
}

/// An HTTP client that skips the eager connector build the SDK's client does
/// in `validate_base_client_config`; everything else is the inner client's.
#[derive(Debug)]
struct RootsOnFirstUse(SharedHttpClient);

impl HttpClient for RootsOnFirstUse {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
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
