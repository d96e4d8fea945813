//! `TokenStore` over redb: a take is a remove, so a token works once.

use async_trait::async_trait;
use redb::ReadableTable;

use super::{EmbeddedStore, TOKENS};
use crate::error::{from_json, to_json};
use chitter_core::ports::{Spend, StoreError, TokenGrant, TokenKind, TokenStore};
use chrono::{DateTime, Utc};

#[async_trait]
impl TokenStore for EmbeddedStore {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError> {
        let (digest, value) = (digest.to_owned(), to_json(grant)?);
        self.write(move |tx| {
            tx.open_table(TOKENS)?
                .insert((kind.as_str(), digest.as_str()), value.as_slice())?;
            Ok(())
        })
        .await
    }

    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError> {
        let digest = digest.to_owned();
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS)?;
            let removed = tokens.remove((kind.as_str(), digest.as_str()))?;
            removed.map(|v| from_json(v.value())).transpose()
        })
        .await
    }

    async fn spend_refresh(&self, digest: &str, at: DateTime<Utc>) -> Result<Spend, StoreError> {
        let digest = digest.to_owned();
        self.write(move |tx| {
            let mut tokens = tx.open_table(TOKENS)?;
            let key = (TokenKind::Refresh.as_str(), digest.as_str());
            let Some(mut grant) = tokens
                .get(key)?
                .map(|v| from_json::<TokenGrant>(v.value()))
                .transpose()?
            else {
                return Ok(Spend::Unknown);
            };
            if grant.spent_at.is_some() {
                return Ok(Spend::AlreadySpent(grant));
            }
            grant.spent_at = Some(at);
            tokens.insert(key, to_json(&grant)?.as_slice())?;
            Ok(Spend::Fresh(grant))
        })
        .await
    }

    async fn token(&self, kind: TokenKind, digest: &str) -> Result<Option<TokenGrant>, StoreError> {
        self.read(|tx| {
            tx.open_table(TOKENS)?
                .get((kind.as_str(), digest))?
                .map(|v| from_json(v.value()))
                .transpose()
        })
    }
}
