//! What every route handler of chitter-local shares.

use std::sync::Arc;

use crate::clock::LocalClock;
use crate::sweeper::Sweeper;
use std::time::Duration;

use chitter_core::Services;
use chitter_core::ports::Counters;

use crate::backend::StreamHandle;
use crate::connection_table::ConnectionTable;
use crate::esm::StreamControl;

/// What every route handler shares.
#[derive(Clone)]
pub struct AppState {
    pub svc: Arc<Services>,
    /// The crud function's router, built once.
    pub api: chitter_crud::Api,
    pub connections: Arc<ConnectionTable>,
    /// The functions' metrics, totalled (`GET /_local/metrics`).
    pub metrics: Arc<Counters>,
    pub stream: StreamHandle,
    pub control: StreamControl,
    pub clock: Arc<LocalClock>,
    /// Present with the embedded backend.
    pub sweeper: Option<Sweeper>,
    pub domain_name: String,
    pub idle_timeout: Duration,
    pub max_connection_time: Duration,
}
