//! The message stream over Kinesis: one PutRecord per accepted message,
//! keyed by conversation so that a conversation stays in one shard, in order.

use async_trait::async_trait;
use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::primitives::Blob;

use chitter_core::ports::{MessageStream, StreamError};

use crate::Lazy;

#[derive(Clone, Debug)]
pub struct KinesisStream {
    client: Lazy<Client>,
    /// A stream ARN (preferred, as Lambda gets it) or a stream name.
    stream: String,
}

impl KinesisStream {
    pub fn new(client: Client, stream: impl Into<String>) -> Self {
        Self::lazy(Lazy::ready(client), stream)
    }

    /// With a client built on first use (see `Lazy`).
    pub fn lazy(client: Lazy<Client>, stream: impl Into<String>) -> Self {
        Self {
            client,
            stream: stream.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn stream(&self) -> &str {
        &self.stream
    }

    pub fn is_arn(&self) -> bool {
        self.stream.starts_with("arn:")
    }

    /// Opens the connection during a cold start (see `DynamoStore::warm`).
    /// The client is built in the warm-up, not before it.
    pub fn warm(&self) -> crate::Warm {
        let this = self.clone();
        Box::pin(async move {
            let request = this.client.describe_stream_summary();
            let request = if this.is_arn() {
                request.stream_arn(&this.stream)
            } else {
                request.stream_name(&this.stream)
            };
            let _ = request
                .customize()
                .config_override(
                    aws_sdk_kinesis::config::Builder::default()
                        .retry_config(crate::warm::retries())
                        .timeout_config(crate::warm::timeouts()),
                )
                .send()
                .await;
        })
    }
}

#[async_trait]
impl MessageStream for KinesisStream {
    async fn append(&self, partition_key: &str, data: Vec<u8>) -> Result<String, StreamError> {
        let mut put = self
            .client
            .put_record()
            .partition_key(partition_key)
            .data(Blob::new(data));
        put = if self.is_arn() {
            put.stream_arn(&self.stream)
        } else {
            put.stream_name(&self.stream)
        };
        let out = put.send().await.map_err(|e| StreamError(e.into()))?;
        Ok(out.sequence_number)
    }
}
