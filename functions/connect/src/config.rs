//! Every variable the connect function reads.

use chitter_wiring::env::{ConfigError, Env, vars};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table: String,
    /// Where presence frames are pushed.
    pub callback_url: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(&Env::process())
    }

    pub fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required(vars::TABLE)?,
            callback_url: env.required(vars::CALLBACK_URL)?,
        })
    }
}
