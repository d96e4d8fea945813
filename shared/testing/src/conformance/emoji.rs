//! `EmojiStore`: shortcodes are unique per owner, the library is bounded,
//! and renames and deletes keep every lookup consistent.

use std::sync::Arc;

use chrono::Utc;

use chitter_core::domain::{Dimensions, Emoji, EmojiId, MediaType, Shortcode, UploadId, UserId};
use chitter_core::ports::{EmojiWrite, Store};

fn code(s: &str) -> Shortcode {
    Shortcode::parse(s).unwrap()
}

/// An emoji of a fresh ready upload of `owner`'s.
async fn emoji<S: Store>(s: &S, owner: UserId, shortcode: &str) -> Emoji {
    let upload = super::uploads::pending(owner, 10);
    s.create_upload(&upload).await.unwrap();
    s.finalize_upload(&super::uploads::ready(&upload), u64::MAX)
        .await
        .unwrap();
    unready(upload.upload_id, owner, shortcode)
}

fn unready(upload: UploadId, owner: UserId, shortcode: &str) -> Emoji {
    Emoji {
        emoji_id: EmojiId::from_upload(upload),
        owner,
        shortcode: code(shortcode),
        content_type: MediaType::Png,
        dimensions: Dimensions {
            width: 32,
            height: 32,
        },
        created_at: Utc::now(),
    }
}

fn names(list: &[Emoji]) -> Vec<&str> {
    list.iter().map(|e| e.shortcode.as_str()).collect()
}

pub async fn emoji_libraries_keep_names_unique_and_bounded<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    // Only of a ready upload of the owner's.
    assert_eq!(
        s.create_emoji(&unready(UploadId::new(), ada, "ghost"), 3)
            .await
            .unwrap(),
        EmojiWrite::UploadNotReady
    );
    let bobs = emoji(s, bob, "bobs").await;
    assert_eq!(
        s.create_emoji(&Emoji { owner: ada, ..bobs }, 3)
            .await
            .unwrap(),
        EmojiWrite::UploadNotReady
    );
    let pending = super::uploads::pending(ada, 10);
    s.create_upload(&pending).await.unwrap();
    assert_eq!(
        s.create_emoji(&unready(pending.upload_id, ada, "early"), 3)
            .await
            .unwrap(),
        EmojiWrite::UploadNotReady
    );
    let wave = emoji(s, ada, "wave").await;
    assert_eq!(s.create_emoji(&wave, 3).await.unwrap(), EmojiWrite::Done);
    assert_eq!(
        s.create_emoji(&emoji(s, ada, "wave").await, 3)
            .await
            .unwrap(),
        EmojiWrite::ShortcodeTaken
    );
    assert_eq!(
        s.create_emoji(
            &Emoji {
                shortcode: code("other"),
                ..wave.clone()
            },
            3
        )
        .await
        .unwrap(),
        EmojiWrite::IdConflict
    );
    // Another owner may use the same name.
    assert_eq!(
        s.create_emoji(&emoji(s, bob, "wave").await, 3)
            .await
            .unwrap(),
        EmojiWrite::Done
    );
    let party = emoji(s, ada, "party").await;
    assert_eq!(s.create_emoji(&party, 3).await.unwrap(), EmojiWrite::Done);
    assert_eq!(
        s.create_emoji(&emoji(s, ada, "cat").await, 3)
            .await
            .unwrap(),
        EmojiWrite::Done
    );
    assert_eq!(
        s.create_emoji(&emoji(s, ada, "dog").await, 3)
            .await
            .unwrap(),
        EmojiWrite::Full
    );
    assert_eq!(
        names(&s.emojis(ada).await.unwrap()),
        ["cat", "party", "wave"]
    );
    assert_eq!(s.emoji(wave.emoji_id).await.unwrap(), Some(wave.clone()));
    let found = s
        .emoji_by_shortcodes(ada, &[code("wave"), code("nope"), code("party")])
        .await
        .unwrap();
    let mut found = names(&found);
    found.sort();
    assert_eq!(found, ["party", "wave"]);

    // Renames: to a free name, not to a taken one, never someone else's.
    assert_eq!(
        s.rename_emoji(ada, wave.emoji_id, &code("hello"))
            .await
            .unwrap(),
        EmojiWrite::Done
    );
    assert_eq!(
        s.rename_emoji(ada, wave.emoji_id, &code("party"))
            .await
            .unwrap(),
        EmojiWrite::ShortcodeTaken
    );
    assert_eq!(
        s.rename_emoji(bob, wave.emoji_id, &code("mine"))
            .await
            .unwrap(),
        EmojiWrite::IdConflict
    );
    assert_eq!(
        s.emoji(wave.emoji_id).await.unwrap().unwrap().shortcode,
        code("hello")
    );
    assert!(
        s.emoji_by_shortcodes(ada, &[code("wave")])
            .await
            .unwrap()
            .is_empty(),
        "the old name is free"
    );
    assert_eq!(
        names(&s.emojis(ada).await.unwrap()),
        ["cat", "hello", "party"]
    );

    // Deletes: only the owner's, and they make room.
    assert_eq!(s.delete_emoji(bob, party.emoji_id).await.unwrap(), None);
    assert_eq!(
        s.delete_emoji(ada, party.emoji_id)
            .await
            .unwrap()
            .map(|e| e.emoji_id),
        Some(party.emoji_id)
    );
    assert_eq!(s.emoji(party.emoji_id).await.unwrap(), None);
    assert_eq!(s.delete_emoji(ada, party.emoji_id).await.unwrap(), None);
    assert_eq!(
        s.create_emoji(&emoji(s, ada, "party").await, 3)
            .await
            .unwrap(),
        EmojiWrite::Done
    );
    assert_eq!(names(&s.emojis(bob).await.unwrap()), ["wave"]);
}

pub async fn racing_creates_of_one_name_make_one_emoji<S: Store + 'static>(s: Arc<S>) {
    let owner = UserId::new();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let e = emoji(&*s, owner, "same").await;
                s.create_emoji(&e, 100).await.unwrap()
            })
        })
        .collect();
    let mut done = 0;
    for t in tasks {
        if t.await.unwrap() == EmojiWrite::Done {
            done += 1;
        }
    }
    assert_eq!(done, 1);
    assert_eq!(s.emojis(owner).await.unwrap().len(), 1);
}
