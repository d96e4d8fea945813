//! The `IdentityProvider` port over HTTPS: the provider's discovery
//! document (`/.well-known/openid-configuration`) and its key set, fetched
//! on first use (nothing at init, for cold starts) and cached. A token that
//! names an unknown key refetches the set, at most once a minute, so a key
//! rotation is picked up without letting junk tokens hammer the provider.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde::Deserialize;
use tokio::sync::{Mutex, OnceCell};

use chitter_core::ports::{IdentityProvider, IdpError, ProviderInfo};

/// Per request to the provider.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Discovery documents and key sets are a few KB.
const BODY_MAX: usize = 1024 * 1024;
/// The least time between two fetches of the key set.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// Keys are refetched this often even when every token finds its key.
const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the issuer must be an https URL (http only on this machine)")]
    Issuer,
    #[error("TLS roots could not be loaded: {0}")]
    Tls(String),
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    jwks_uri: String,
}

struct Keys {
    set: Option<Arc<JwkSet>>,
    /// The last fetch tried, whether it worked or not.
    tried: Instant,
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// One configured provider.
pub struct HttpProvider {
    name: String,
    issuer: String,
    client_id: String,
    http: OnceCell<HttpClient>,
    discovery: OnceCell<Discovery>,
    keys: Mutex<Option<Keys>>,
}

impl std::fmt::Debug for HttpProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProvider")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// An https URL, or http to this machine; never with credentials in it.
fn allowed(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let Some(authority) = uri.authority() else {
        return false;
    };
    if authority.as_str().contains('@') {
        return false;
    }
    match uri.scheme_str() {
        Some("https") => true,
        Some("http") => matches!(authority.host(), "127.0.0.1" | "localhost" | "[::1]"),
        _ => false,
    }
}

fn unavailable(e: impl Into<chitter_core::ports::BoxError>) -> IdpError {
    IdpError::Unavailable(e.into())
}

impl HttpProvider {
    /// `issuer` exactly as the provider's tokens name it (Google:
    /// `https://accounts.google.com`).
    pub fn new(name: &str, issuer: &str, client_id: &str) -> Result<Self, ConfigError> {
        if !allowed(issuer) {
            return Err(ConfigError::Issuer);
        }
        Ok(Self {
            name: name.to_owned(),
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            http: OnceCell::new(),
            discovery: OnceCell::new(),
            keys: Mutex::new(None),
        })
    }

    async fn http(&self) -> Result<&HttpClient, IdpError> {
        self.http
            .get_or_try_init(|| async {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                    .map_err(|e| unavailable(ConfigError::Tls(e.to_string())))?
                    .https_or_http()
                    .enable_http1()
                    .build();
                Ok(Client::builder(TokioExecutor::new()).build(connector))
            })
            .await
    }

    /// GETs a JSON document from the provider (https, or http on loopback).
    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, IdpError> {
        if !allowed(url) {
            return Err(unavailable(format!("refusing the URL {url}")));
        }
        let uri: http::Uri = url.parse().map_err(unavailable)?;
        let http = self.http().await?;
        let response = tokio::time::timeout(TIMEOUT, http.get(uri))
            .await
            .map_err(|_| unavailable("the provider did not answer in time"))?
            .map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(unavailable(format!("{url} answered {}", response.status())));
        }
        let body = tokio::time::timeout(
            TIMEOUT,
            Limited::new(response.into_body(), BODY_MAX).collect(),
        )
        .await
        .map_err(|_| unavailable("the provider's answer was too slow"))?
        .map_err(unavailable)?
        .to_bytes();
        serde_json::from_slice(&body).map_err(unavailable)
    }

    async fn discovery(&self) -> Result<&Discovery, IdpError> {
        self.discovery
            .get_or_try_init(|| async {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.issuer.trim_end_matches('/')
                );
                let d: Discovery = self.get(&url).await?;
                // OpenID Connect Discovery 1.0, section 4.3.
                if d.issuer != self.issuer {
                    return Err(unavailable(format!(
                        "the discovery document names issuer {}",
                        d.issuer
                    )));
                }
                Ok(d)
            })
            .await
    }

    async fn fetch_keys(&self) -> Result<Arc<JwkSet>, IdpError> {
        #[derive(Deserialize)]
        struct RawSet {
            keys: Vec<serde_json::Value>,
        }
        let uri = self.discovery().await?.jwks_uri.clone();
        let raw: RawSet = self.get(&uri).await?;
        // A key of a kind this build cannot read is skipped, not fatal.
        let keys: Vec<Jwk> = raw
            .keys
            .into_iter()
            .filter_map(|k| serde_json::from_value(k).ok())
            .collect();
        tracing::info!(keys = keys.len(), "fetched the OpenID provider's keys");
        Ok(Arc::new(JwkSet { keys }))
    }
}

#[async_trait]
impl IdentityProvider for HttpProvider {
    fn issuer(&self) -> &str {
        &self.issuer
    }

    fn client_id(&self) -> &str {
        &self.client_id
    }

    async fn info(&self) -> Result<ProviderInfo, IdpError> {
        let d = self.discovery().await?;
        Ok(ProviderInfo {
            name: self.name.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            authorization_endpoint: d.authorization_endpoint.clone(),
        })
    }

    async fn keys(&self, fresh: bool) -> Result<Arc<JwkSet>, IdpError> {
        // Held across the fetch: concurrent sign-ins wait for one fetch
        // instead of each making their own.
        // Failed fetches count too, so an outage is not asked again on every
        // sign-in; meanwhile the keys held are used.
        let mut cached = self.keys.lock().await;
        if let Some(k) = cached.as_ref() {
            let age = k.tried.elapsed();
            let due = match &k.set {
                Some(_) => age > KEYS_MAX_AGE || (fresh && age > REFETCH_AFTER),
                None => age > REFETCH_AFTER,
            };
            if !due {
                return k
                    .set
                    .clone()
                    .ok_or_else(|| unavailable("the provider's keys could not be fetched lately"));
            }
        }
        let held = cached.as_ref().and_then(|k| k.set.clone());
        let fetched = self.fetch_keys().await;
        let set = match (&fetched, held) {
            (Ok(set), _) => Some(set.clone()),
            (Err(e), held) => {
                tracing::warn!(error = %e, "the OpenID provider's keys could not be fetched");
                held
            }
        };
        *cached = Some(Keys {
            set: set.clone(),
            tried: Instant::now(),
        });
        match set {
            Some(set) => Ok(set),
            None => fetched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_on_this_machine() {
        assert!(HttpProvider::new("G", "https://accounts.google.com", "id").is_ok());
        assert!(HttpProvider::new("L", "http://127.0.0.1:8080", "id").is_ok());
        assert!(HttpProvider::new("L", "http://localhost/realm", "id").is_ok());
        assert!(HttpProvider::new("L", "http://[::1]:8080", "id").is_ok());
        for bad in [
            "http://example.com",
            "http://127.0.0.1.example.com",
            "http://127.0.0.1:1@evil.example/keys",
            "https://user:pw@idp.example",
            "ftp://x",
            "",
        ] {
            assert!(HttpProvider::new("X", bad, "id").is_err(), "{bad}");
        }
    }
}
