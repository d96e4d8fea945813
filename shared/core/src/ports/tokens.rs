//! Bearer secrets (refresh tokens, connect tickets), kept only by digest.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::UserId;

/// Kinds of bearer secrets kept by digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Refresh,
    /// The one-time connect ticket.
    Ticket,
    /// The one-time nonce of an OpenID sign-in.
    Nonce,
    /// A refresh token already exchanged, kept to its expiry: presenting
    /// it again means it was copied, and its family is revoked.
    SpentRefresh,
    /// A revoked family of refresh tokens (keyed by the family id).
    RevokedFamily,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Refresh => "refresh",
            TokenKind::Ticket => "ticket",
            TokenKind::Nonce => "nonce",
            TokenKind::SpentRefresh => "spent",
            TokenKind::RevokedFamily => "revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    /// Refresh tokens: the sign-in they descend from, every rotation
    /// keeping it, so one reuse can revoke them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// Secrets are never stored: only their SHA-256 digest, in hex.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError>;
    /// Removes the token and returns its grant; a second take finds nothing,
    /// which is what makes tickets and refresh tokens single-use.
    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError>;
    /// Reads a token without spending it.
    async fn token(&self, kind: TokenKind, digest: &str) -> Result<Option<TokenGrant>, StoreError>;
}
