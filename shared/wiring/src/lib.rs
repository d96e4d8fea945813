//! Wiring: reading a process's configuration from its environment, building
//! the AWS adapters a Lambda function uses, and plugging ports into the use
//! cases' `Services`. The use cases never see how their ports were built;
//! the adapters never see the use cases. Embedded adapters are wired by
//! chitter-local itself, so no Lambda package links them.

pub mod env;
mod lambda;
mod services;
mod unavailable;

pub use env::{ConfigError, Env, FromEnv};
pub use lambda::AwsInit;
pub use services::Wiring;
pub use unavailable::Unavailable;
