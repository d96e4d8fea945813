//! The embedded adapters of chitter-local: redb files for the store and for
//! a durable, Kinesis-like stream, and an S3 endpoint over a folder for blobs. Nothing here is
//! linked into a Lambda package.

mod blobs;
mod error;
mod store;
mod stream;

pub use blobs::{EmbeddedS3, S3Credentials};
pub use error::DbError;
pub use store::{EmbeddedStore, WriteFault, WriteFaults};
pub use stream::{EmbeddedStream, StreamRecord, sequence_number};
