//! Test doubles for the ports that face the outside world: a pusher that
//! records what it would send, and a clock that moves only when told.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use chitter_core::domain::ConnectionId;
use chitter_core::ports::{Clock, PushError, Pusher};
use chitter_core::protocol::ServerFrame;

/// Records every push; connections in `gone` answer 410, and one set to
/// fail fails once, after so many pushes go through.
#[derive(Default)]
pub struct RecordingPusher {
    sent: Mutex<HashMap<ConnectionId, Vec<ServerFrame>>>,
    gone: Mutex<HashSet<ConnectionId>>,
    fail_after: Mutex<HashMap<ConnectionId, usize>>,
}

impl RecordingPusher {
    pub fn frames(&self, c: &ConnectionId) -> Vec<ServerFrame> {
        self.sent
            .lock()
            .unwrap()
            .get(c)
            .cloned()
            .unwrap_or_default()
    }

    pub fn take(&self, c: &ConnectionId) -> Vec<ServerFrame> {
        self.sent.lock().unwrap().remove(c).unwrap_or_default()
    }

    pub fn set_gone(&self, c: &ConnectionId) {
        self.gone.lock().unwrap().insert(c.clone());
    }

    /// The push to `c` after the next `n` fails with a backend error (as
    /// a throttled PostToConnection does), once.
    pub fn fail_after(&self, c: &ConnectionId, n: usize) {
        self.fail_after.lock().unwrap().insert(c.clone(), n);
    }
}

#[async_trait]
impl Pusher for RecordingPusher {
    async fn push(&self, c: &ConnectionId, data: &[u8]) -> Result<(), PushError> {
        if self.gone.lock().unwrap().contains(c) {
            return Err(PushError::Gone);
        }
        {
            let mut fail_after = self.fail_after.lock().unwrap();
            match fail_after.get_mut(c) {
                Some(0) => {
                    fail_after.remove(c);
                    return Err(PushError::Backend("throttled".into()));
                }
                Some(n) => *n -= 1,
                None => {}
            }
        }
        let frame: ServerFrame = serde_json::from_slice(data).expect("pushes are server frames");
        self.sent
            .lock()
            .unwrap()
            .entry(c.clone())
            .or_default()
            .push(frame);
        Ok(())
    }

    async fn disconnect(&self, c: &ConnectionId) -> Result<(), PushError> {
        self.gone.lock().unwrap().insert(c.clone());
        Ok(())
    }
}

/// A clock that stands still until advanced.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Mutex::new(Utc::now()))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
