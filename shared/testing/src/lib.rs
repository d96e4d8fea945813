//! Test support shared by the crates' tests: a world of embedded adapters
//! in a temporary directory (`World`), test doubles, an S3 endpoint over a
//! folder (`s3`), a local OpenID provider (`oidc`), the AWS stand-ins, and
//! the conformance suite that every adapter of a port must pass.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod conformance;
mod doubles;
pub mod oidc;
pub mod openapi;
pub mod s3;
pub mod standins;
mod world;

pub use doubles::{ManualClock, RecordingPusher};
pub use world::World;
