//! `UploadStore`: a finalize happens once and never passes the quota, even
//! when many race; deleting gives the bytes back.

use std::sync::Arc;

use chrono::{Duration, Utc};

use chitter_core::domain::{
    Dimensions, Emoji, EmojiId, MediaType, Shortcode, Upload, UploadId, UploadKind, UploadState,
    UserId,
};
use chitter_core::ports::{Deleted, EmojiWrite, Finalized, Store, StoreError};

pub(crate) fn pending(owner: UserId, size: u64) -> Upload {
    let now = Utc::now();
    Upload {
        upload_id: UploadId::new(),
        owner,
        kind: UploadKind::Emoji,
        content_type: MediaType::Png,
        size,
        state: UploadState::Pending,
        dimensions: None,
        created_at: now,
        expires_at: now + Duration::hours(1),
    }
}

pub(crate) fn ready(u: &Upload) -> Upload {
    Upload {
        state: UploadState::Ready,
        content_type: MediaType::Gif,
        dimensions: Some(Dimensions {
            width: 64,
            height: 32,
        }),
        ..u.clone()
    }
}

pub async fn uploads_finalize_once_within_the_quota<S: Store>(s: &S) {
    let owner = UserId::new();
    let a = pending(owner, 100);
    s.create_upload(&a).await.unwrap();
    assert!(matches!(
        s.create_upload(&a).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.upload(owner, a.upload_id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        s.upload(UserId::new(), a.upload_id).await.unwrap(),
        None,
        "an upload is found under its owner only"
    );
    assert_eq!(s.bytes_used(owner).await.unwrap(), 0);

    assert_eq!(
        s.finalize_upload(&ready(&a), 150).await.unwrap(),
        Finalized::Done
    );
    assert_eq!(s.upload(owner, a.upload_id).await.unwrap(), Some(ready(&a)));
    assert_eq!(s.bytes_used(owner).await.unwrap(), 100);
    assert_eq!(
        s.finalize_upload(&ready(&a), 150).await.unwrap(),
        Finalized::NotPending,
        "a second finalize must not count the bytes again"
    );
    assert_eq!(s.bytes_used(owner).await.unwrap(), 100);

    let b = pending(owner, 60);
    s.create_upload(&b).await.unwrap();
    assert_eq!(
        s.finalize_upload(&ready(&b), 150).await.unwrap(),
        Finalized::OverQuota
    );
    assert_eq!(
        s.upload(owner, b.upload_id).await.unwrap().unwrap().state,
        UploadState::Pending,
        "a refused finalize writes nothing"
    );
    assert_eq!(s.bytes_used(owner).await.unwrap(), 100);

    let listed: Vec<UploadId> = s
        .uploads(owner)
        .await
        .unwrap()
        .iter()
        .map(|u| u.upload_id)
        .collect();
    assert_eq!(listed, vec![a.upload_id, b.upload_id], "oldest first");

    // An emoji made of it keeps it.
    let emoji = Emoji {
        emoji_id: EmojiId::from_upload(a.upload_id),
        owner,
        shortcode: Shortcode::parse("kept").unwrap(),
        content_type: MediaType::Gif,
        dimensions: Dimensions {
            width: 64,
            height: 32,
        },
        created_at: Utc::now(),
    };
    assert_eq!(s.create_emoji(&emoji, 10).await.unwrap(), EmojiWrite::Done);
    assert_eq!(
        s.delete_upload(owner, a.upload_id).await.unwrap(),
        Deleted::InUse
    );
    assert_eq!(s.bytes_used(owner).await.unwrap(), 100);
    s.delete_emoji(owner, emoji.emoji_id).await.unwrap();
    let removed = s.delete_upload(owner, a.upload_id).await.unwrap();
    assert!(matches!(removed, Deleted::Removed(u) if u.state == UploadState::Ready));
    assert_eq!(s.bytes_used(owner).await.unwrap(), 0, "bytes given back");
    assert_eq!(
        s.delete_upload(owner, a.upload_id).await.unwrap(),
        Deleted::Missing
    );
    // A pending upload's bytes were never counted.
    s.delete_upload(owner, b.upload_id).await.unwrap();
    assert_eq!(s.bytes_used(owner).await.unwrap(), 0);
    assert!(s.uploads(owner).await.unwrap().is_empty());
}

pub async fn racing_finalizes_never_pass_the_quota<S: Store + 'static>(s: Arc<S>) {
    let owner = UserId::new();
    let uploads: Vec<Upload> = (0..6).map(|_| pending(owner, 100)).collect();
    for u in &uploads {
        s.create_upload(u).await.unwrap();
    }
    let tasks: Vec<_> = uploads
        .iter()
        .map(|u| {
            let (s, r) = (s.clone(), ready(u));
            tokio::spawn(async move { s.finalize_upload(&r, 250).await.unwrap() })
        })
        .collect();
    let mut done = 0;
    for t in tasks {
        if t.await.unwrap() == Finalized::Done {
            done += 1;
        }
    }
    assert_eq!(done, 2, "exactly as many as fit in the quota");
    assert_eq!(s.bytes_used(owner).await.unwrap(), 200);
}
