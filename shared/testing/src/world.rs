//! A world of embedded adapters in a temporary directory, wired as the
//! functions wire theirs, for use-case and handler tests.

use std::sync::Arc;

use chitter_core::app::{accounts, presence};
use chitter_core::auth::{Auth, AuthSettings, JwtSecret};
use chitter_core::domain::{Caller, ConnectionId, DisplayName, Handle, Password};
use chitter_core::{Services, Settings};
use chitter_embedded::{EmbeddedStore, EmbeddedStream};
use chitter_wiring::Wiring;

use crate::doubles::{ManualClock, RecordingPusher};
use crate::s3::TestS3;

/// Services over embedded adapters in a temporary directory.
pub struct World {
    pub svc: Arc<Services>,
    pub store: Arc<EmbeddedStore>,
    pub stream: Arc<EmbeddedStream>,
    pub pusher: Arc<RecordingPusher>,
    pub clock: Arc<ManualClock>,
    pub s3: TestS3,
    _dir: tempfile::TempDir,
}

impl World {
    /// Needs a Tokio runtime: it serves an S3 endpoint for the blobs.
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    /// A world with other settings (rate limits off, for a fuzzer).
    pub fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(&dir.path().join("store.redb")).unwrap());
        let stream = Arc::new(EmbeddedStream::open(&dir.path().join("stream.redb"), 2).unwrap());
        let pusher = Arc::new(RecordingPusher::default());
        let clock = Arc::new(ManualClock::new());
        let s3 = TestS3::start(&dir.path().join("s3"));
        let key = JwtSecret::new(vec![9u8; 32]).unwrap();
        let svc = Arc::new(
            Wiring::new(store.clone())
                .stream(stream.clone())
                .pusher(pusher.clone())
                .blobs(Arc::new(s3.store.clone()))
                .clock(clock.clone())
                .auth(Auth::new(&key, AuthSettings::default()))
                .settings(settings)
                .build(),
        );
        Self {
            svc,
            store,
            stream,
            pusher,
            clock,
            s3,
            _dir: dir,
        }
    }

    /// Signs a user up and returns them as an authenticated caller.
    pub async fn user(&self, handle: &str) -> Caller {
        let session = accounts::signup(
            &self.svc,
            Handle::parse(handle).unwrap(),
            Password::parse("correct horse battery".into()).unwrap(),
            Some(DisplayName::parse(handle).unwrap()),
        )
        .await
        .unwrap();
        Caller {
            user_id: session.user.user_id,
            handle: session.user.handle,
        }
    }

    /// Registers a connection for the user, as `$connect` does.
    pub async fn connect(&self, caller: &Caller, id: &str) -> ConnectionId {
        let id = ConnectionId::parse(id).unwrap();
        presence::connect(&self.svc, caller, id.clone())
            .await
            .unwrap();
        // It is young: a push that finds it gone does not prune it until
        // the clock passes the handshake grace (see `app::fanout`).
        id
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the embedded stream back, shard by shard.
#[async_trait::async_trait]
impl crate::conformance::StreamProbe for EmbeddedStream {
    async fn records(&self) -> Vec<(String, Vec<u8>)> {
        (0..self.shards())
            .flat_map(|shard| self.read(shard, usize::MAX).unwrap())
            .map(|r| (r.partition_key, r.data))
            .collect()
    }
}
