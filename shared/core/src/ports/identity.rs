//! An OpenID provider whose ID tokens sign people in: where to send them,
//! and the keys its tokens are signed with.

use std::sync::Arc;

use async_trait::async_trait;
use jsonwebtoken::jwk::JwkSet;
use serde::Serialize;

use super::BoxError;

/// What a client needs to send someone to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderInfo {
    /// Shown on the sign-in button ("Google").
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub authorization_endpoint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// Discovery or the key set could not be fetched or read; a later try
    /// may work.
    #[error("the identity provider could not be reached")]
    Unavailable(#[source] BoxError),
}

#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The issuer every ID token must name (`iss`).
    fn issuer(&self) -> &str;
    /// This app's client id at the provider: every ID token's audience.
    fn client_id(&self) -> &str;
    async fn info(&self) -> Result<ProviderInfo, IdpError>;
    /// The provider's signing keys. `fresh` asks for a refetch (a token
    /// named a key not seen yet); adapters limit how often that happens.
    async fn keys(&self, fresh: bool) -> Result<Arc<JwkSet>, IdpError>;
}
