//! The environment variables the functions read, and reading them: a
//! missing or invalid value is an error that names the variable, so that a
//! misconfigured function fails its init with a clear message.

use std::sync::Arc;

use chitter_core::auth::JwtSecret;
use chitter_core::ports::IdentityProvider;
use chitter_openid::HttpProvider;

/// Every variable a function reads, named once (`template.yaml` sets them).
pub mod vars {
    /// The DynamoDB table.
    pub const TABLE: &str = "CHITTER_TABLE";
    /// The Kinesis stream's ARN (or name).
    pub const STREAM: &str = "CHITTER_STREAM";
    /// `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`
    pub const CALLBACK_URL: &str = "CHITTER_CALLBACK_URL";
    /// The S3 bucket for uploads (crud only).
    pub const BUCKET: &str = "CHITTER_BUCKET";
    /// The access-token signing key, at least 32 bytes (crud only).
    pub const JWT_SECRET: &str = "CHITTER_JWT_SECRET";
    /// The OpenID provider's issuer URL, exactly as its ID tokens name it;
    /// unset or empty: no OpenID sign-in (crud only).
    pub const OIDC_ISSUER: &str = "CHITTER_OIDC_ISSUER";
    /// This app's client id at that provider (the tokens' audience).
    pub const OIDC_CLIENT_ID: &str = "CHITTER_OIDC_CLIENT_ID";
    /// The provider's name on the sign-in button; default "OpenID".
    pub const OIDC_NAME: &str = "CHITTER_OIDC_NAME";
    /// The CloudWatch namespace of the functions' metrics; default "Chitter".
    pub const METRICS_NAMESPACE: &str = "CHITTER_METRICS_NAMESPACE";
    /// Set by Lambda: `on-demand` when an invocation is waiting on this
    /// init, `provisioned-concurrency` (and others) when init runs ahead.
    pub const INITIALIZATION_TYPE: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";
}

#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} {reason}")]
    Invalid {
        name: &'static str,
        reason: &'static str,
    },
}

/// `main` returns this error when init fails, and Rust prints a returned
/// error with `Debug`: that must be the sentence, not the variant.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A process's configuration, read from its environment at init.
pub trait FromEnv: Sized {
    /// Reads every variable the process needs from `env`.
    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError>;

    /// Reads them from the process environment; a failure is logged (the
    /// function's log names the variable) and returned, to fail init.
    fn from_env() -> Result<Self, ConfigError> {
        Self::read(&Env::process()).inspect_err(|e| tracing::error!("{e}"))
    }
}

/// Where variables come from: the process environment, or a map in tests.
pub struct Env<F = fn(&str) -> Option<String>> {
    lookup: F,
}

impl Env {
    pub fn process() -> Self {
        Self {
            lookup: |name| std::env::var(name).ok(),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn from_lookup(lookup: F) -> Self {
        Self { lookup }
    }

    /// A variable that must be set and not empty.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        match (self.lookup)(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ConfigError::Missing(name)),
        }
    }

    /// The token signing key: required, at least 32 bytes. There is no
    /// fallback: a random key per process would make tokens from one
    /// instance fail on another.
    pub fn jwt_secret(&self) -> Result<JwtSecret, ConfigError> {
        let value = self.required(vars::JWT_SECRET)?;
        JwtSecret::new(value.into_bytes()).map_err(|_| ConfigError::Invalid {
            name: vars::JWT_SECRET,
            reason: "must be at least 32 bytes",
        })
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn optional(&self, name: &'static str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// The OpenID provider, when an issuer is set (then a client id must
    /// be too). Nothing is fetched here: the adapter fetches on first use.
    pub fn identity_provider(&self) -> Result<Option<Arc<dyn IdentityProvider>>, ConfigError> {
        let Some(issuer) = self.optional(vars::OIDC_ISSUER) else {
            return Ok(None);
        };
        let client_id = self.required(vars::OIDC_CLIENT_ID)?;
        let name = self
            .optional(vars::OIDC_NAME)
            .unwrap_or_else(|| "OpenID".to_owned());
        let provider = HttpProvider::new(&name, issuer.trim(), client_id.trim()).map_err(|_| {
            ConfigError::Invalid {
                name: vars::OIDC_ISSUER,
                reason: "must be an https URL (http only on this machine)",
            }
        })?;
        Ok(Some(Arc::new(provider)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Env::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn missing_and_empty_variables_are_named() {
        let e = env(&[(vars::TABLE, " ")]);
        assert_eq!(
            e.required(vars::TABLE),
            Err(ConfigError::Missing(vars::TABLE))
        );
        assert_eq!(
            e.required(vars::STREAM).unwrap_err().to_string(),
            "environment variable CHITTER_STREAM is not set"
        );
        // What `main` prints when init fails.
        assert_eq!(
            format!("{:?}", ConfigError::Missing(vars::TABLE)),
            "environment variable CHITTER_TABLE is not set"
        );
    }

    #[test]
    fn an_openid_provider_needs_a_client_id_and_an_https_issuer() {
        assert!(env(&[]).identity_provider().unwrap().is_none());
        assert!(
            env(&[(vars::OIDC_ISSUER, "")])
                .identity_provider()
                .unwrap()
                .is_none()
        );
        assert_eq!(
            env(&[(vars::OIDC_ISSUER, "https://accounts.google.com")])
                .identity_provider()
                .err(),
            Some(ConfigError::Missing(vars::OIDC_CLIENT_ID))
        );
        assert!(matches!(
            env(&[
                (vars::OIDC_ISSUER, "http://idp.example"),
                (vars::OIDC_CLIENT_ID, "c")
            ])
            .identity_provider(),
            Err(ConfigError::Invalid {
                name: vars::OIDC_ISSUER,
                ..
            })
        ));
        let p = env(&[
            (vars::OIDC_ISSUER, "https://accounts.google.com"),
            (vars::OIDC_CLIENT_ID, "c"),
        ])
        .identity_provider()
        .unwrap()
        .unwrap();
        assert_eq!(
            (p.issuer(), p.client_id()),
            ("https://accounts.google.com", "c")
        );
    }

    #[test]
    fn the_jwt_secret_is_required_and_long_enough() {
        assert_eq!(
            env(&[]).jwt_secret().unwrap_err(),
            ConfigError::Missing(vars::JWT_SECRET)
        );
        assert_eq!(
            env(&[(vars::JWT_SECRET, "short")])
                .jwt_secret()
                .unwrap_err()
                .to_string(),
            "environment variable CHITTER_JWT_SECRET must be at least 32 bytes"
        );
        let key = "k".repeat(32);
        let secret = env(&[(vars::JWT_SECRET, &key)]).jwt_secret().unwrap();
        assert!(
            !format!("{secret:?}").contains(&key),
            "the key never prints"
        );
    }
}
