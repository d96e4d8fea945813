//! The embedded adapters of chitter-local: redb files for the store and for
//! a durable, Kinesis-like stream, and a folder for blobs.

mod blobs;
mod store;
mod stream;

pub use blobs::{FsBlobStore, UploadCheck, UploadRejection};
pub use store::EmbeddedStore;
pub use stream::{EmbeddedStream, StreamRecord, sequence_number};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ports::StoreError;

macro_rules! redb_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::backend(e)
            }
        }
    )*};
}

redb_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(StoreError::backend)
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(StoreError::backend)
}
