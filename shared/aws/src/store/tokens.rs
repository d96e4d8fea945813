//! `TokenStore` on DynamoDB: items that expire by TTL, taken with a delete
//! that returns the old item, so a token works once.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

use super::DynamoStore;
use super::items::{from_item, key, keys, to_item};
use chitter_core::ports::{StoreError, TokenGrant, TokenKind, TokenStore};

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

    async fn token(&self, kind: TokenKind, digest: &str) -> Result<Option<TokenGrant>, StoreError> {
        self.get(keys::token(kind, digest), keys::ONE).await
    }
}
