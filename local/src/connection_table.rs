//! The local API Gateway's table of open connections, and the `Pusher` that
//! the functions use through it (the in-process twin of PostToConnection).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chitter_core::domain::ConnectionId;
use chitter_core::ports::{PushError, Pusher};
use chrono::{DateTime, Utc};

use crate::faults::{self, Faults, Kind};

/// API Gateway's limit on one message, pushed or received.
pub const MAX_MESSAGE: usize = 128 * 1024;
/// API Gateway's limit on one frame.
pub const MAX_FRAME: usize = 32 * 1024;
/// Frames queued for a slow client before pushes to it are throttled.
pub const OUTBOUND_QUEUE: usize = 1024;

/// What the writer half of a connection sends.
#[derive(Debug)]
pub enum Outbound {
    Text(String),
    Binary(Vec<u8>),
    Close(u16, &'static str),
}

#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub connected_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    pub source_ip: String,
    pub user_agent: Option<String>,
    pub principal: Option<String>,
}

struct Conn {
    tx: flume::Sender<Outbound>,
    /// False during `$connect`: API Gateway refuses posts until the
    /// handshake completes.
    open: bool,
    /// Set by a server-side close (DeleteConnection): from then on posts
    /// are Gone, as on API Gateway, even while the socket winds down.
    closing: bool,
    connected_at: DateTime<Utc>,
    last_active_ms: Arc<AtomicI64>,
    source_ip: String,
    user_agent: Option<String>,
    /// The authorizer's principal (the user id).
    principal: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PostError {
    Gone,
    TooLarge,
    /// The client is not reading fast enough.
    Throttled,
}

/// Every connection of this process. The lock guards only map operations
/// and is never held across an await.
#[derive(Default)]
pub struct ConnectionTable {
    conns: Mutex<HashMap<String, Conn>>,
    faults: Faults,
}

/// What a registered connection keeps for itself. The queue is flume's: it
/// takes no room for frames until one is queued (a waiting writer costs a
/// small hook), where tokio's takes 1.5 KiB up front, a tenth of an idle
/// socket's memory.
pub struct Registration {
    pub tx: flume::Sender<Outbound>,
    pub rx: flume::Receiver<Outbound>,
    pub last_active_ms: Arc<AtomicI64>,
}

impl ConnectionTable {
    fn table(&self) -> MutexGuard<'_, HashMap<String, Conn>> {
        // A panic while holding the lock cannot leave the map inconsistent
        // (every operation is a single insert, remove or read).
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A table whose posts fail as `faults` says (`push-gone`,
    /// `push-throttle`).
    pub fn with_faults(faults: Faults) -> Self {
        Self {
            faults,
            ..Self::default()
        }
    }

    /// Registers a connection whose handshake is in progress.
    pub fn register(
        &self,
        id: &ConnectionId,
        connected_at: DateTime<Utc>,
        source_ip: String,
        user_agent: Option<String>,
        principal: Option<String>,
    ) -> Registration {
        let (tx, rx) = flume::bounded(OUTBOUND_QUEUE);
        let last_active_ms = Arc::new(AtomicI64::new(connected_at.timestamp_millis()));
        self.table().insert(
            id.to_string(),
            Conn {
                tx: tx.clone(),
                open: false,
                closing: false,
                connected_at,
                last_active_ms: last_active_ms.clone(),
                source_ip,
                user_agent,
                principal,
            },
        );
        Registration {
            tx,
            rx,
            last_active_ms,
        }
    }

    pub fn mark_open(&self, id: &ConnectionId) {
        if let Some(c) = self.table().get_mut(id.as_str()) {
            c.open = true;
        }
    }

    pub fn remove(&self, id: &ConnectionId) {
        self.table().remove(id.as_str());
    }

    pub fn len(&self) -> usize {
        self.table().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues data for the client, as PostToConnection does.
    pub fn post(&self, id: &str, data: &[u8]) -> Result<(), PostError> {
        if data.len() > MAX_MESSAGE {
            return Err(PostError::TooLarge);
        }
        let tx = match self.table().get(id) {
            Some(c) if c.open && !c.closing => c.tx.clone(),
            _ => return Err(PostError::Gone),
        };
        if faults::strikes(Kind::PushGone, self.faults.push_gone) {
            // As when the client's network drops: the socket goes, and
            // API Gateway answers 410 from then on.
            let _ = self.close(id, 1001, "Going away");
            return Err(PostError::Gone);
        }
        if faults::strikes(Kind::PushThrottle, self.faults.push_throttle) {
            return Err(PostError::Throttled);
        }
        let frame = match std::str::from_utf8(data) {
            Ok(text) => Outbound::Text(text.to_owned()),
            Err(_) => Outbound::Binary(data.to_vec()),
        };
        tx.try_send(frame).map_err(|e| match e {
            flume::TrySendError::Full(_) => PostError::Throttled,
            flume::TrySendError::Disconnected(_) => PostError::Gone,
        })
    }

    /// Closes a connection from the server side (DeleteConnection).
    pub fn close(&self, id: &str, code: u16, reason: &'static str) -> Result<(), PostError> {
        let tx = match self.table().get_mut(id) {
            Some(c) if !c.closing => {
                c.closing = true;
                c.tx.clone()
            }
            _ => return Err(PostError::Gone),
        };
        // A full queue still gets the close: it waits its turn off this task,
        // for a while (the writer gives up on a client that stopped reading).
        tokio::spawn(async move {
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(15),
                tx.send_async(Outbound::Close(code, reason)),
            )
            .await;
        });
        Ok(())
    }

    /// Closes every connection, for shutdown.
    pub fn close_all(&self, code: u16, reason: &'static str) {
        let ids: Vec<String> = self.table().keys().cloned().collect();
        for id in ids {
            let _ = self.close(&id, code, reason);
        }
    }

    pub fn info(&self, id: &str) -> Option<ConnInfo> {
        self.table()
            .get(id)
            .filter(|c| c.open && !c.closing)
            .map(Conn::info)
    }

    /// Every open connection, oldest first.
    pub fn list(&self) -> Vec<(String, ConnInfo)> {
        let mut all: Vec<(String, ConnInfo)> = self
            .table()
            .iter()
            .filter(|(_, c)| c.open && !c.closing)
            .map(|(id, c)| (id.clone(), c.info()))
            .collect();
        all.sort_by_key(|(_, i)| i.connected_at);
        all
    }
}

impl Conn {
    fn info(&self) -> ConnInfo {
        let c = self;
        ConnInfo {
            connected_at: c.connected_at,
            last_active_at: DateTime::from_timestamp_millis(
                c.last_active_ms.load(Ordering::Relaxed),
            )
            .unwrap_or(c.connected_at),
            source_ip: c.source_ip.clone(),
            user_agent: c.user_agent.clone(),
            principal: c.principal.clone(),
        }
    }
}

#[async_trait]
impl Pusher for ConnectionTable {
    async fn push(&self, connection: &ConnectionId, data: &[u8]) -> Result<(), PushError> {
        self.post(connection.as_str(), data).map_err(|e| match e {
            PostError::Gone => PushError::Gone,
            PostError::TooLarge => PushError::Backend("payload over 128 KB".into()),
            PostError::Throttled => PushError::Backend("client is not keeping up".into()),
        })
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<(), PushError> {
        self.close(connection.as_str(), 1000, "Connection closed by server")
            .map_err(|_| PushError::Gone)
    }
}
