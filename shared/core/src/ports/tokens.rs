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
    /// A revoked family of refresh tokens (keyed by the family id).
    RevokedFamily,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Refresh => "refresh",
            TokenKind::Ticket => "ticket",
            TokenKind::Nonce => "nonce",
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
    /// Refresh tokens: when the family's sign-in happened, which bounds
    /// how long its rotations can go on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_since: Option<DateTime<Utc>>,
    /// Refresh tokens: when it was exchanged (it is kept until it expires,
    /// so that presenting it again is recognised as reuse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_at: Option<DateTime<Utc>>,
}

/// What spending a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spend {
    /// Unspent until now: this caller spent it.
    Fresh(TokenGrant),
    /// Spent before (at `spent_at`): a copy, or a racing twin.
    AlreadySpent(TokenGrant),
    Unknown,
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
    /// Marks a refresh token spent, atomically: of two racing spends one
    /// gets `Fresh` and the other `AlreadySpent`, never both `Fresh`.
    async fn spend_refresh(&self, digest: &str, at: DateTime<Utc>) -> Result<Spend, StoreError>;
    /// Reads a token without spending it.
    async fn token(&self, kind: TokenKind, digest: &str) -> Result<Option<TokenGrant>, StoreError>;
}
