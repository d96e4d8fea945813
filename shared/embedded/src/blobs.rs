//! chitter-local's S3: an S3-compatible endpoint over a folder (the `s3s`
//! crate with its file system backend), so that the blob adapter is the
//! same S3 adapter as on AWS and presigned URLs are made by the AWS SDK's
//! presigner and checked as S3 checks them: the SigV4 signature, the signed
//! headers (content type and length of an upload) and the expiry.

use std::path::{Path, PathBuf};

use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s_fs::FileSystem;
use secrecy::{ExposeSecret, SecretString};

use chitter_core::ports::BlobError;

/// The access key pair that signs requests to the embedded S3.
#[derive(Clone)]
pub struct S3Credentials {
    pub access_key: String,
    pub secret_key: SecretString,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

/// An S3 endpoint over `root`, with one bucket, [`EmbeddedS3::BUCKET`], in
/// `root/blobs`. Serve [`EmbeddedS3::service`] at the paths `/blobs` and
/// `/blobs/{key}` (path-style addressing).
pub struct EmbeddedS3 {
    root: PathBuf,
    service: S3Service,
}

impl EmbeddedS3 {
    /// The one bucket; its name is also the first segment of every path.
    pub const BUCKET: &'static str = "blobs";

    pub fn open(root: &Path, credentials: &S3Credentials) -> Result<Self, BlobError> {
        let io = |e: std::io::Error| BlobError(e.into());
        std::fs::create_dir_all(root.join(Self::BUCKET)).map_err(io)?;
        let fs = FileSystem::new(root).map_err(|e| BlobError(format!("{e:?}").into()))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(
            credentials.access_key.clone(),
            credentials.secret_key.expose_secret().to_owned(),
        ));
        Ok(Self {
            root: root.to_owned(),
            service: builder.build(),
        })
    }

    /// The S3 service, a `tower::Service` over HTTP requests.
    pub fn service(&self) -> S3Service {
        self.service.clone()
    }

    /// The bucket's folder.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.join(Self::BUCKET)
    }
}
