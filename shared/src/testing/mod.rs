//! Test support shared by the crates' tests: a world of embedded adapters in
//! a temporary directory, a pusher that records what it would send, and a
//! clock that moves only when told; and the conformance suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod conformance;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::adapters::embedded::{EmbeddedStore, EmbeddedStream, FsBlobStore};
use crate::app::accounts::{self, Caller};
use crate::auth::{Auth, AuthSettings};
use crate::domain::{ConnectionId, DisplayName, Handle, Password};
use crate::ports::{Clock, PushError, Pusher};
use crate::protocol::ServerFrame;
use crate::{Services, Settings};

/// Records every push; connections in `gone` answer 410.
#[derive(Default)]
pub struct RecordingPusher {
    sent: Mutex<HashMap<ConnectionId, Vec<ServerFrame>>>,
    gone: Mutex<HashSet<ConnectionId>>,
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
}

#[async_trait]
impl Pusher for RecordingPusher {
    async fn push(&self, c: &ConnectionId, data: &[u8]) -> Result<(), PushError> {
        if self.gone.lock().unwrap().contains(c) {
            return Err(PushError::Gone);
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

/// Services over embedded adapters in a temporary directory.
pub struct World {
    pub svc: Arc<Services>,
    pub store: Arc<EmbeddedStore>,
    pub stream: Arc<EmbeddedStream>,
    pub pusher: Arc<RecordingPusher>,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedStore::open(&dir.path().join("store.redb")).unwrap());
        let stream = Arc::new(EmbeddedStream::open(&dir.path().join("stream.redb"), 2).unwrap());
        let pusher = Arc::new(RecordingPusher::default());
        let clock = Arc::new(ManualClock::new());
        let blobs = Arc::new(
            FsBlobStore::new(&dir.path().join("blobs"), "http://localhost", b"k").unwrap(),
        );
        let svc = Arc::new(Services::new(
            store.clone(),
            stream.clone(),
            pusher.clone(),
            blobs,
            clock.clone(),
            Auth::new(&[9u8; 32], AuthSettings::default()).unwrap(),
            Settings::default(),
        ));
        Self {
            svc,
            store,
            stream,
            pusher,
            clock,
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
        crate::app::presence::connect(&self.svc, caller, id.clone())
            .await
            .unwrap();
        // Connections younger than the grace period are not dropped on 410.
        id
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

/// The AWS adapters against stand-ins (moto, s3s-fs), as `make test` runs
/// them: it exports `AWS_ENDPOINT_URL_DYNAMODB`, `..._KINESIS`, `..._S3`.
pub mod aws {
    use async_trait::async_trait;
    use aws_sdk_kinesis::types::ShardIteratorType;

    use super::conformance::StreamProbe;
    use crate::adapters::aws::{AwsClients, AwsSettings, provision};

    pub struct AwsWorld {
        pub clients: AwsClients,
        pub settings: AwsSettings,
    }

    /// Whether stand-ins are configured. Without them a test is skipped,
    /// unless `CHITTER_REQUIRE_STANDINS` is set (as in `make test`), which
    /// makes their absence a failure.
    pub fn standins() -> bool {
        if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
            return true;
        }
        assert!(
            std::env::var_os("CHITTER_REQUIRE_STANDINS").is_none(),
            "stand-ins are required but AWS_ENDPOINT_URL_DYNAMODB is not set"
        );
        eprintln!("skipped: no AWS stand-ins configured (run `make test`)");
        false
    }

    /// A short random suffix that names one test's resources.
    pub fn unique_suffix() -> String {
        uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
    }

    /// Fresh, uniquely named resources on the stand-ins, or `None` (the test
    /// is skipped) per `standins`.
    pub async fn world(callback_url: &str) -> Option<AwsWorld> {
        if !standins() {
            return None;
        }
        let suffix = unique_suffix();
        let settings = AwsSettings {
            table: format!("chitter-test-{suffix}"),
            stream: format!("chitter-test-{suffix}"),
            bucket: format!("chitter-test-{suffix}"),
            callback_url: callback_url.to_owned(),
            jwt_secret: vec![7u8; 32],
            s3_path_style: true,
        };
        let clients = AwsClients::from_env(&settings).await;
        provision(&clients, &settings, 2)
            .await
            .expect("stand-in resources");
        Some(AwsWorld { clients, settings })
    }

    #[async_trait]
    impl StreamProbe for AwsWorld {
        async fn records(&self) -> Vec<(String, Vec<u8>)> {
            let k = &self.clients.kinesis;
            let shards = k
                .list_shards()
                .stream_name(&self.settings.stream)
                .send()
                .await
                .unwrap()
                .shards
                .unwrap_or_default();
            let mut out = Vec::new();
            for shard in shards {
                let mut iterator = k
                    .get_shard_iterator()
                    .stream_name(&self.settings.stream)
                    .shard_id(shard.shard_id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await
                    .unwrap()
                    .shard_iterator;
                while let Some(it) = iterator {
                    let page = k.get_records().shard_iterator(it).send().await.unwrap();
                    if page.records.is_empty() {
                        break;
                    }
                    for r in page.records {
                        out.push((r.partition_key.unwrap_or_default(), r.data.into_inner()));
                    }
                    iterator = page.next_shard_iterator;
                }
            }
            out
        }
    }
}

/// Reads the embedded stream back, shard by shard.
#[async_trait]
impl conformance::StreamProbe for EmbeddedStream {
    async fn records(&self) -> Vec<(String, Vec<u8>)> {
        (0..self.shards())
            .flat_map(|shard| self.read(shard, usize::MAX).unwrap())
            .map(|r| (r.partition_key, r.data))
            .collect()
    }
}
