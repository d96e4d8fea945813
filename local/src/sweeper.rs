//! What DynamoDB's TTL and S3's lifecycle rules do on AWS, for the embedded
//! backend: now and then, forget pending uploads past their time (and their
//! files), expired tokens, messages past their conversation's retention, and
//! leftovers under `incoming/` older than a day.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chitter_core::Services;
use chitter_core::app::uploads;
use chitter_core::ports::BlobKey;
use chitter_embedded::EmbeddedStore;
use tokio::sync::watch;

/// How often the sweep runs.
const EVERY: Duration = Duration::from_secs(60);
/// S3's lifecycle rule for `incoming/` (template.yaml): one day.
const INCOMING_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The sweep and what it works on; `POST /_local/sweep` runs it at once.
#[derive(Clone)]
pub struct Sweeper {
    svc: Arc<Services>,
    store: Arc<EmbeddedStore>,
    bucket_dir: PathBuf,
}

impl Sweeper {
    pub fn new(svc: Arc<Services>, store: Arc<EmbeddedStore>, bucket_dir: PathBuf) -> Self {
        Self {
            svc,
            store,
            bucket_dir,
        }
    }

    /// Sweeps every minute until shutdown.
    pub fn start(self, mut shutdown: watch::Receiver<bool>) {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(EVERY) => {}
                    _ = shutdown.changed() => return,
                }
                if let Err(e) = self.run().await {
                    tracing::warn!(error = %e, "sweep failed; trying again later");
                }
            }
        });
    }

    /// One sweep; returns how many things it removed.
    pub async fn run(&self) -> anyhow::Result<usize> {
        sweep(&self.svc, &self.store, &self.bucket_dir).await
    }
}

async fn sweep(svc: &Services, store: &EmbeddedStore, bucket_dir: &Path) -> anyhow::Result<usize> {
    let now = svc.clock.now();
    let forgotten = uploads::sweep(svc, store.expired_uploads(now)?).await?;
    let tokens = store.purge_expired_tokens(now).await?;
    let messages = store.purge_expired_messages(now).await?;
    let mut leftovers = 0;
    let cutoff = SystemTime::now() - INCOMING_LIFETIME;
    for key in old_files(&bucket_dir.join("incoming"), bucket_dir, cutoff) {
        svc.blobs.delete(&key).await?;
        leftovers += 1;
    }
    if forgotten + tokens + messages + leftovers > 0 {
        tracing::info!(forgotten, tokens, messages, leftovers, "swept");
    }
    Ok(forgotten + tokens + messages + leftovers)
}

/// The keys of the files under `dir` last written before `cutoff`.
fn old_files(dir: &Path, bucket_dir: &Path, cutoff: SystemTime) -> Vec<BlobKey> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(path);
            } else if meta.modified().is_ok_and(|m| m < cutoff)
                && let Some(key) = path
                    .strip_prefix(bucket_dir)
                    .ok()
                    .and_then(|p| p.to_str())
                    .and_then(|p| BlobKey::parse(p).ok())
            {
                out.push(key);
            }
        }
    }
    out
}
