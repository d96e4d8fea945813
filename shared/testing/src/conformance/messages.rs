//! `MessageLog`: gap-free sequence numbers, each message stored once, even
//! with writers racing.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chitter_core::domain::{
    Change, ChangeRefused, ClientMsgId, ConversationId, ConversationKind, EntryKind, Member,
    MessageId, MessageText, Role, Seq, StreamChange, UserId, Vote,
};
use chitter_core::ports::Store;

use super::fixtures::{conversation, member, message};

fn change(
    id: ConversationId,
    by: UserId,
    client_id: &str,
    target: u64,
    change: Change,
    moderator: bool,
) -> StreamChange {
    StreamChange {
        message_id: MessageId::new(),
        conversation_id: id,
        sender_id: by,
        client_msg_id: ClientMsgId::parse(client_id).unwrap(),
        target_seq: Seq(target),
        change,
        sent_at: chrono::Utc::now(),
        origin: None,
        moderator,
    }
}

fn edit(text: &str) -> Change {
    Change::Edit {
        text: MessageText::parse(text.into()).unwrap(),
        emoji: Vec::new(),
    }
}

async fn group_with(s: &impl Store, users: &[UserId]) -> ConversationId {
    let c = conversation(ConversationKind::Group, users[0]);
    let members: Vec<Member> = users.iter().map(|u| member(&c, *u, Role::Member)).collect();
    s.create_conversation(&c, &members).await.unwrap();
    c.conversation_id
}

pub async fn messages_get_gap_free_sequence_numbers_once<S: Store>(s: &S) {
    let ada = UserId::new();
    let id = group_with(s, &[ada]).await;
    for i in 1..=5u64 {
        let p = s
            .persist(&message(id, ada, &format!("c-{i}"), &format!("m{i}")))
            .await
            .unwrap();
        assert_eq!((p.message.seq, p.duplicate), (Seq(i), false));
    }
    let again = s.persist(&message(id, ada, "c-3", "resent")).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(
        (
            again.message.seq,
            again.message.text.as_ref().map(|t| t.as_str())
        ),
        (Seq(3), Some("m3"))
    );
    // The same client id from someone else is another message.
    let other = s
        .persist(&message(id, UserId::new(), "c-3", "mine"))
        .await
        .unwrap();
    assert_eq!((other.message.seq, other.duplicate), (Seq(6), false));
    let c = s.conversation(id).await.unwrap().unwrap();
    assert_eq!(c.last_seq, Seq(6));
    assert!(c.last_message_at.is_some());

    let newest: Vec<u64> = s
        .history(id, None, 4)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(newest, [6, 5, 4, 3]);
    let older: Vec<u64> = s
        .history(id, Some(Seq(3)), 4)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(older, [2, 1]);
    assert!(s.history(id, Some(Seq(1)), 4).await.unwrap().is_empty());
    let after: Vec<u64> = s
        .after(id, Seq(2), 3)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(after, [3, 4, 5]);
    assert!(s.after(id, Seq(6), 3).await.unwrap().is_empty());
    assert!(
        s.after(ConversationId::new(), Seq::ZERO, 3)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn concurrent_writers_never_share_or_skip_a_number<S: Store + 'static>(s: Arc<S>) {
    let ada = UserId::new();
    let id = group_with(&*s, &[ada]).await;
    let writers = (0..12).map(|i| {
        let s = s.clone();
        async move {
            // Two writers per client id: a resend racing its original.
            let m = message(id, ada, &format!("w-{}", i / 2), &format!("text {}", i / 2));
            s.persist(&m).await.unwrap()
        }
    });
    let results = futures::future::join_all(writers).await;
    let mut by_client: BTreeMap<String, HashSet<u64>> = BTreeMap::new();
    for p in &results {
        by_client
            .entry(p.message.client_msg_id.to_string())
            .or_default()
            .insert(p.message.seq.0);
    }
    assert!(
        by_client.values().all(|seqs| seqs.len() == 1),
        "{by_client:?}"
    );
    let mut seqs: Vec<u64> = by_client.values().flatten().copied().collect();
    seqs.sort_unstable();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    assert_eq!(s.after(id, Seq::ZERO, 100).await.unwrap().len(), 6);
}

/// Writes through the deferred log (where the store has one) are numbered
/// and deduplicated like any other, are read back at once, and `sync`
/// returns once they are durable. Returns the conversation written to.
pub async fn deferred_writes_number_alike_and_sync<S: Store>(s: &S) -> ConversationId {
    let ada = UserId::new();
    let id = group_with(s, &[ada]).await;
    let deferred = s.deferred();
    for i in 1..=3u64 {
        let m = message(id, ada, &format!("d-{i}"), &format!("deferred {i}"));
        let p = match &deferred {
            Some(log) => log.persist(&m).await.unwrap(),
            None => s.persist(&m).await.unwrap(),
        };
        assert_eq!((p.message.seq, p.duplicate), (Seq(i), false));
    }
    // A resend through the durable path finds the deferred entry.
    let again = s
        .persist(&message(id, ada, "d-2", "deferred 2"))
        .await
        .unwrap();
    assert_eq!((again.message.seq, again.duplicate), (Seq(2), true));
    s.sync().await.unwrap();
    let seqs: Vec<u64> = s
        .after(id, Seq::ZERO, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    id
}

/// `persist_all` numbers each conversation's messages in the order given,
/// interleaved with another's, and stores a resend once, whether its first
/// copy came earlier or in the same call; through the deferred log too.
pub async fn persist_all_numbers_each_conversation_in_order<S: Store>(s: &S) {
    let ada = UserId::new();
    let a = group_with(s, &[ada]).await;
    let b = group_with(s, &[ada]).await;
    s.persist(&message(a, ada, "a-1", "first")).await.unwrap();
    let batch = [
        message(a, ada, "a-2", "second"),
        message(b, ada, "b-1", "other first"),
        message(a, ada, "a-1", "first, resent"),
        message(a, ada, "a-3", "third"),
        message(a, ada, "a-2", "second, resent"),
        message(b, ada, "b-2", "other second"),
    ];
    let batch: Vec<_> = batch.iter().collect();
    let stored = match s.deferred() {
        Some(log) => log.persist_all(&batch).await.unwrap(),
        None => s.persist_all(&batch).await.unwrap(),
    };
    s.sync().await.unwrap();
    let got: Vec<(ConversationId, u64, bool)> = stored
        .iter()
        .map(|p| (p.message.conversation_id, p.message.seq.0, p.duplicate))
        .collect();
    assert_eq!(
        got,
        [
            (a, 2, false),
            (b, 1, false),
            (a, 1, true),
            (a, 3, false),
            (a, 2, true),
            (b, 2, false),
        ]
    );
    // The resends answer with the first copies.
    assert_eq!(
        stored[4].message.text.as_ref().map(|t| t.as_str()),
        Some("second")
    );
    for (id, texts) in [
        (a, &["first", "second", "third"][..]),
        (b, &["other first", "other second"]),
    ] {
        let kept: Vec<String> = s
            .after(id, Seq::ZERO, 10)
            .await
            .unwrap()
            .iter()
            .filter_map(|m| m.text.as_ref().map(|t| t.as_str().to_owned()))
            .collect();
        assert_eq!(kept, texts);
        assert_eq!(
            s.conversation(id).await.unwrap().unwrap().last_seq,
            Seq(texts.len() as u64)
        );
    }
    assert!(s.persist_all(&[]).await.unwrap().is_empty());
}

pub async fn edits_and_deletes_are_entries_that_change_their_target<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let id = group_with(s, &[ada, bob]).await;
    s.persist(&message(id, ada, "m-1", "helo")).await.unwrap();
    s.persist(&message(id, bob, "m-2", "mine")).await.unwrap();

    let e = s
        .change(&change(id, ada, "e-1", 1, edit("hello"), false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e.message.seq, e.message.kind), (Seq(3), EntryKind::Edit));
    assert_eq!(e.message.target_seq, Some(Seq(1)));
    assert_eq!(e.message.text.as_ref().map(|t| t.as_str()), Some("hello"));
    let target = s.entry(id, Seq(1)).await.unwrap().unwrap();
    assert_eq!(target.text.as_ref().map(|t| t.as_str()), Some("hello"));
    assert_eq!(target.edited_at, Some(e.message.sent_at));
    assert_eq!(target.client_msg_id.as_str(), "m-1", "the rest stays");

    // The same client id again is the same change.
    let again = s
        .change(&change(id, ada, "e-1", 1, edit("other"), false))
        .await
        .unwrap()
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.message.seq, Seq(3));

    let refused = |r: Result<_, ChangeRefused>| r.err();
    assert_eq!(
        refused(
            s.change(&change(id, bob, "e-2", 1, edit("not yours"), false))
                .await
                .unwrap()
        ),
        Some(ChangeRefused::NotAuthor)
    );
    assert_eq!(
        refused(
            s.change(&change(id, ada, "d-1", 2, Change::Delete, false))
                .await
                .unwrap()
        ),
        Some(ChangeRefused::NotAuthor)
    );
    // A moderator deletes another's message: a tombstone keeps its place.
    let d = s
        .change(&change(id, ada, "d-2", 2, Change::Delete, true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((d.message.seq, d.message.kind), (Seq(4), EntryKind::Delete));
    assert_eq!(d.message.text, None);
    let tomb = s.entry(id, Seq(2)).await.unwrap().unwrap();
    assert_eq!((tomb.text, tomb.deleted_by), (None, Some(ada)));
    assert!(tomb.deleted_at.is_some() && tomb.emoji.is_empty());

    for (who, client, target, c) in [
        (bob, "e-3", 2, edit("back")),
        (bob, "d-3", 2, Change::Delete),
        (ada, "e-4", 3, edit("an edit of an edit")),
        (ada, "e-5", 99, edit("nothing there")),
    ] {
        assert_eq!(
            refused(
                s.change(&change(id, who, client, target, c, false))
                    .await
                    .unwrap()
            ),
            Some(ChangeRefused::Missing),
            "{client}"
        );
    }
    // Refusals wrote nothing; the log has four entries, no gaps.
    assert_eq!(s.conversation(id).await.unwrap().unwrap().last_seq, Seq(4));
    let kinds: Vec<(u64, EntryKind)> = s
        .after(id, Seq::ZERO, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.seq.0, m.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, EntryKind::Message),
            (2, EntryKind::Message),
            (3, EntryKind::Edit),
            (4, EntryKind::Delete)
        ]
    );
}

pub async fn votes_count_once_per_user_even_when_cast_together<S: Store + 'static>(s: Arc<S>) {
    let ada = UserId::new();
    let voters: Vec<UserId> = (0..10).map(|_| UserId::new()).collect();
    let id = group_with(&*s, &[ada]).await;
    s.persist(&message(id, ada, "m-1", "vote on me"))
        .await
        .unwrap();

    // Ten voters at once, each voting up twice: ten up votes.
    let casts = voters.iter().flat_map(|v| [*v, *v]).map(|v| {
        let s = s.clone();
        async move { s.vote(id, Seq(1), v, Vote::Up).await.unwrap().unwrap() }
    });
    let results = futures::future::join_all(casts).await;
    assert_eq!(results.iter().filter(|r| r.changed).count(), 10);
    let m = s.entry(id, Seq(1)).await.unwrap().unwrap();
    assert_eq!((m.up, m.down), (10, 0));

    // Switching moves a vote; `none` takes it back; concurrently too.
    let moves = voters.iter().enumerate().map(|(i, v)| {
        let s = s.clone();
        let ballot = if i < 4 {
            Vote::Down
        } else if i < 6 {
            Vote::None
        } else {
            Vote::Up
        };
        async move { s.vote(id, Seq(1), *v, ballot).await.unwrap().unwrap() }
    });
    futures::future::join_all(moves).await;
    let m = s.entry(id, Seq(1)).await.unwrap().unwrap();
    assert_eq!((m.up, m.down), (4, 4));
    assert_eq!(m.votes_rev, 16, "each of the 16 changes moved the revision");

    let mine = s.votes_by(id, voters[0], &[Seq(1), Seq(2)]).await.unwrap();
    assert_eq!(mine, [(Seq(1), Vote::Down)]);
    assert!(
        s.votes_by(id, voters[5], &[Seq(1)])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.votes_by(id, voters[5], &[]).await.unwrap().is_empty());

    // Only live messages take votes.
    s.change(&change(id, ada, "e-1", 1, edit("edited"), false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.vote(id, Seq(2), ada, Vote::Up).await.unwrap().err(),
        Some(ChangeRefused::Missing),
        "an edit entry"
    );
    assert_eq!(
        s.vote(id, Seq(7), ada, Vote::Up).await.unwrap().err(),
        Some(ChangeRefused::Missing)
    );
    let edited = s.entry(id, Seq(1)).await.unwrap().unwrap();
    assert_eq!((edited.up, edited.down), (4, 4), "an edit keeps the votes");
    s.change(&change(id, ada, "d-1", 1, Change::Delete, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.vote(id, Seq(1), voters[9], Vote::Down)
            .await
            .unwrap()
            .err(),
        Some(ChangeRefused::Missing),
        "a deleted message"
    );
}

pub async fn retention_stamps_entries_and_removes_the_expired<S: Store>(s: &S) {
    use chitter_core::domain::Retention;
    let ada = UserId::new();
    let id = group_with(s, &[ada]).await;
    for i in 1..=3u64 {
        s.persist(&message(id, ada, &format!("c-{i}"), "old"))
            .await
            .unwrap();
    }
    assert!(
        s.set_retention(id, Some(Retention::days(1).unwrap()))
            .await
            .unwrap()
    );
    assert!(!s.set_retention(ConversationId::new(), None).await.unwrap());
    // New entries carry their time.
    let fresh = s.persist(&message(id, ada, "c-4", "new")).await.unwrap();
    let expected = fresh.message.sent_at + chrono::TimeDelta::days(1);
    assert_eq!(fresh.message.expires_at, Some(expected));
    assert_eq!(
        s.entry(id, Seq(4)).await.unwrap().unwrap().expires_at,
        Some(expected)
    );
    // Stored ones get theirs a page at a time.
    let now = chrono::Utc::now();
    let retention = Some(Retention::days(1).unwrap());
    let next = s
        .apply_retention(id, Seq::ZERO, 2, retention, now)
        .await
        .unwrap();
    assert_eq!(next, Some(Seq(2)));
    let next = s
        .apply_retention(id, Seq(2), 2, retention, now)
        .await
        .unwrap();
    assert_eq!(next, None);
    assert!(
        s.after(id, Seq::ZERO, 10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.expires_at.is_some())
    );
    // Two days on, a pass removes them all, with their idempotency keys:
    // the same client id is then a new message.
    let later = now + chrono::TimeDelta::days(2);
    assert_eq!(
        s.apply_retention(id, Seq::ZERO, 10, retention, later)
            .await
            .unwrap(),
        None
    );
    assert!(s.after(id, Seq::ZERO, 10).await.unwrap().is_empty());
    s.set_retention(id, None).await.unwrap();
    let again = s.persist(&message(id, ada, "c-1", "again")).await.unwrap();
    assert_eq!((again.message.seq, again.duplicate), (Seq(5), false));
    assert_eq!(again.message.expires_at, None, "retention is off");
    // Stamped, then off again: the stamp is cleared.
    s.apply_retention(id, Seq::ZERO, 10, retention, now)
        .await
        .unwrap();
    assert!(
        s.entry(id, Seq(5))
            .await
            .unwrap()
            .unwrap()
            .expires_at
            .is_some()
    );
    s.apply_retention(id, Seq::ZERO, 10, None, now)
        .await
        .unwrap();
    assert_eq!(s.entry(id, Seq(5)).await.unwrap().unwrap().expires_at, None);
}
