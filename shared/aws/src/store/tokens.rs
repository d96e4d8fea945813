//! `TokenStore` on DynamoDB: items that expire by TTL, taken with a delete
//! that returns the old item, so a token works once.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::items::{attr, from_item, key, keys, to_item};
use chitter_core::ports::{Spend, StoreError, TokenGrant, TokenKind, TokenStore};

#[async_trait]
impl TokenStore for DynamoStore {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(
                keys::token(kind, digest),
                keys::ONE,
                grant,
                Some(grant.expires_at),
            )?))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError> {
        // One delete returning the old item: of two racing takes, one wins.
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::token(kind, digest), keys::ONE)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::backend)?;
        out.attributes
            .filter(|a| !a.is_empty())
            .map(from_item)
            .transpose()
    }

    async fn spend_refresh(&self, digest: &str, at: DateTime<Utc>) -> Result<Spend, StoreError> {
        // One conditional update: the first spend sets `spent_at`; a later
        // one fails the condition and gets the item back to see why.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                keys::token(TokenKind::Refresh, digest),
                keys::ONE,
            )))
            .update_expression("SET spent_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(spent_at)")
            .expression_attribute_values(":at", attr(&at)?)
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => match out.attributes {
                Some(a) if !a.is_empty() => Ok(Spend::Fresh(from_item(a)?)),
                _ => Err(StoreError::backend("the spent token came back empty")),
            },
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(c)) => match &c.item {
                    Some(item) if !item.is_empty() => {
                        Ok(Spend::AlreadySpent(from_item(item.clone())?))
                    }
                    _ => Ok(Spend::Unknown),
                },
                _ => Err(StoreError::backend(e)),
            },
        }
    }

    async fn token(&self, kind: TokenKind, digest: &str) -> Result<Option<TokenGrant>, StoreError> {
        self.get(keys::token(kind, digest), keys::ONE).await
    }
}
