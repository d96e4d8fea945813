//! How the embedded adapters fail, and their JSON encoding of records.

use chitter_core::ports::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failure inside the embedded adapters. redb's many error types convert
/// into it with `?`; at a port's edge it becomes the port's `StoreError`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(#[from] StoreError);

impl DbError {
    pub fn backend(e: impl Into<chitter_core::ports::BoxError>) -> Self {
        Self(StoreError::backend(e))
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        e.0
    }
}

pub type DbResult<T> = Result<T, DbError>;

macro_rules! redb_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for DbError {
            fn from(e: $t) -> Self {
                DbError::backend(e)
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

pub(crate) fn to_json<T: Serialize>(value: &T) -> DbResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(DbError::backend)
}

pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> DbResult<T> {
    serde_json::from_slice(bytes).map_err(DbError::backend)
}
