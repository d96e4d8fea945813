//! Every variable the persist function reads.

use chitter_wiring::env::{ConfigError, Env, FromEnv, vars};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub table: String,
    /// The Kinesis stream's ARN (or name): a retention pass appends its
    /// next page to it.
    pub stream: String,
    /// Where `persisted` acks and messages are pushed.
    pub callback_url: String,
}

impl FromEnv for Config {
    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required(vars::TABLE)?,
            stream: env.required(vars::STREAM)?,
            callback_url: env.required(vars::CALLBACK_URL)?,
        })
    }
}
