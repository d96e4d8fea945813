//! Every variable the crud function reads.

use std::sync::Arc;

use chitter_core::auth::JwtSecret;
use chitter_core::ports::IdentityProvider;
use chitter_wiring::env::{ConfigError, Env, FromEnv, vars};

pub struct Config {
    pub table: String,
    /// The bucket uploads go to.
    pub bucket: String,
    /// Where conversation theme changes are pushed to members.
    pub callback_url: String,
    /// The stream that messages sent over HTTP go to.
    pub stream: String,
    /// The access-token signing key: required, with no per-process
    /// fallback, so that every instance accepts every other's tokens.
    pub jwt_secret: JwtSecret,
    /// The OpenID provider people may sign in with, if any.
    pub identity: Option<Arc<dyn IdentityProvider>>,
}

impl FromEnv for Config {
    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required(vars::TABLE)?,
            bucket: env.required(vars::BUCKET)?,
            callback_url: env.required(vars::CALLBACK_URL)?,
            stream: env.required(vars::STREAM)?,
            jwt_secret: env.jwt_secret()?,
            identity: env.identity_provider()?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn init_fails_without_a_signing_key() {
        let env = Env::from_lookup(|name| {
            [vars::TABLE, vars::BUCKET, vars::CALLBACK_URL, vars::STREAM]
                .contains(&name)
                .then(|| "chitter".to_owned())
        });
        assert_eq!(
            Config::read(&env).err(),
            Some(ConfigError::Missing(vars::JWT_SECRET))
        );
    }
}
