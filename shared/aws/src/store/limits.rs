//! `LimitStore` on DynamoDB: one counter item per key and window, moved by
//! an atomic `ADD` that returns the new count, and gone by TTL after.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::items::{key, keys};
use super::{DynamoStore, n};
use chitter_core::ports::{LimitStore, StoreError};

#[async_trait]
impl LimitStore for DynamoStore {
    async fn count_use(
        &self,
        key_: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::rate(key_, window_start.timestamp()),
                keys::ONE,
            )))
            .update_expression("ADD uses :one SET #ttl = :ttl")
            // `ttl` is a reserved word in expressions.
            .set_expression_attribute_names(Some(HashMap::from([(
                "#ttl".to_owned(),
                "ttl".to_owned(),
            )])))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(window_end.timestamp() + 60))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(StoreError::backend)?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get("uses"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::backend("the counter came back without its count"))
    }
}
