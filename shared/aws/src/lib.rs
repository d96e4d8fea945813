//! The AWS adapters: the store ports on one DynamoDB table (`store/`, one
//! file per port), the message stream on Kinesis, the pusher on API
//! Gateway's management API and blobs on S3. Clients are built once per
//! process (`clients`) and handed to the adapters, built or to be built on
//! first use (`Lazy`).

mod blobs;
pub mod clients;
mod lazy;
mod metrics;
mod provision;
mod pusher;
mod store;
mod stream;
mod warm;

pub use blobs::S3BlobStore;
pub use clients::AwsClients;
pub use lazy::Lazy;
pub use metrics::EmfMetrics;
pub use provision::{Resources, provision};
pub use pusher::ApiGatewayPusher;
pub use store::DynamoStore;
pub use stream::KinesisStream;
pub use warm::Warm;
