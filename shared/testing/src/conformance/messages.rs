//! `MessageLog`: gap-free sequence numbers, each message stored once, even
//! with writers racing.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chitter_core::domain::{ConversationId, ConversationKind, Member, Role, Seq, UserId};
use chitter_core::ports::Store;

use super::fixtures::{conversation, member, message};

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
        (again.message.seq, again.message.text.as_str()),
        (Seq(3), "m3")
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
