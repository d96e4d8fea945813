//! Wiring: reading a process's configuration from its environment, building
//! the AWS adapters a Lambda function uses, and plugging ports into the use
//! cases' `Services`. The use cases never see how their ports were built;
//! the adapters never see the use cases. Embedded adapters are wired by
//! chitter-local itself, so no Lambda package links them.

mod assembly;
pub mod env;
mod lambda;
mod unavailable;

pub use assembly::Wiring;
pub use chitter_aws::EmfMetrics;
pub use env::{ConfigError, Env, FromEnv};
pub use lambda::AwsInit;
pub use unavailable::Unavailable;
