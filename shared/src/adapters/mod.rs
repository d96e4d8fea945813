//! Adapters: one module per technology, each implementing the ports.

pub mod aws;
pub mod embedded;
pub mod unavailable;
