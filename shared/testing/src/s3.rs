//! The embedded S3 endpoint (s3s over a folder), served on a free loopback
//! port for tests that need real presigned URLs without chitter-local.

use std::path::Path;

use axum::Router;
use chitter_aws::{S3BlobStore, clients};
use chitter_embedded::{EmbeddedS3, S3Credentials};

pub const ACCESS_KEY: &str = "test";
pub const SECRET_KEY: &str = "test-secret";

/// A running endpoint and the S3 adapter over it.
pub struct TestS3 {
    pub endpoint: String,
    pub client: aws_sdk_s3::Client,
    pub store: S3BlobStore,
    served: tokio::task::JoinHandle<()>,
}

impl TestS3 {
    /// Starts serving `root`. Needs a Tokio runtime.
    pub fn start(root: &Path) -> TestS3 {
        let credentials = S3Credentials {
            access_key: ACCESS_KEY.to_owned(),
            secret_key: SECRET_KEY.to_owned().into(),
        };
        let s3 = EmbeddedS3::open(root, &credentials).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let service = s3.service();
        let app = Router::new().fallback_service(axum::error_handling::HandleError::new(
            service,
            |_: s3s::HttpError| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR },
        ));
        let served = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = clients::s3_at(&endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY);
        TestS3 {
            store: S3BlobStore::new(client.clone(), EmbeddedS3::BUCKET),
            client,
            endpoint,
            served,
        }
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        self.served.abort();
    }
}
