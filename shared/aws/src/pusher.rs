//! Pushing to connections through API Gateway's management API. A 410 is
//! recognised by the SDK's typed `GoneException`, never by message text.

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

use chitter_core::domain::ConnectionId;
use chitter_core::ports::{PushError, Pusher};

use crate::Lazy;

#[derive(Clone, Debug)]
pub struct ApiGatewayPusher {
    client: Lazy<Client>,
}

impl ApiGatewayPusher {
    /// `client` must be built with the API's callback URL as its endpoint:
    /// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn new(client: Client) -> Self {
        Self::lazy(Lazy::ready(client))
    }

    /// With a client built on first use (see `Lazy`).
    pub fn lazy(client: Lazy<Client>) -> Self {
        Self { client }
    }

    /// Opens the connection during a cold start: a lookup of a connection
    /// that does not exist, answered 410 (see `DynamoStore::warm`). The
    /// client is built in the warm-up, not before it.
    pub fn warm(&self) -> crate::Warm {
        let client = self.client.clone();
        Box::pin(async move {
            let _ = client
                .get_connection()
                .connection_id("warmup")
                .customize()
                .config_override(
                    aws_sdk_apigatewaymanagement::config::Builder::default()
                        .retry_config(crate::warm::retries())
                        .timeout_config(crate::warm::timeouts()),
                )
                .send()
                .await;
        })
    }
}

/// A management API failure: a 410 (the SDK's typed `GoneException`) is
/// `Gone`, anything else a backend error.
fn failure<E, R>(e: SdkError<E, R>, is_gone: impl Fn(&E) -> bool) -> PushError
where
    SdkError<E, R>: std::error::Error + Send + Sync + 'static,
{
    if e.as_service_error().is_some_and(is_gone) {
        PushError::Gone
    } else {
        PushError::Backend(e.into())
    }
}

#[async_trait]
impl Pusher for ApiGatewayPusher {
    async fn push(&self, connection: &ConnectionId, data: &[u8]) -> Result<(), PushError> {
        self.client
            .post_to_connection()
            .connection_id(connection.as_str())
            .data(Blob::new(data))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(e, |e| e.is_gone_exception()))
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<(), PushError> {
        self.client
            .delete_connection()
            .connection_id(connection.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure(e, |e| e.is_gone_exception()))
    }
}
