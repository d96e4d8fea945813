//! Properties of the message log under random interleavings (proptest):
//! sends, resends of the same client id (a client retrying, the stream
//! redelivering) and writers racing, in any order. Whatever happens, every
//! accepted message is stored exactly once, the first text sent under an
//! id is the one kept, sequence numbers run 1..n with no gap, and resuming
//! from any point returns exactly what follows, in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chitter_core::domain::{
    ClientMsgId, Conversation, ConversationId, ConversationKind, Member, MessageId, MessageText,
    Role, Seq, StreamMessage, UserId,
};
use chitter_core::ports::{ConversationStore, MessageLog};
use chitter_embedded::EmbeddedStore;
use chrono::Utc;
use proptest::prelude::*;

/// One write: who sends, under which client id, and how many writers race
/// with it (the rest of its group).
#[derive(Debug, Clone)]
struct Write {
    sender: usize,
    client_id: usize,
}

fn writes() -> impl Strategy<Value = Vec<Vec<Write>>> {
    // Groups of 1-4 writes run at once; groups run one after another.
    let write = (0..3usize, 0..6usize).prop_map(|(sender, client_id)| Write { sender, client_id });
    prop::collection::vec(prop::collection::vec(write, 1..4), 1..12)
}

fn message(c: ConversationId, sender: UserId, client_id: usize, text: &str) -> StreamMessage {
    StreamMessage {
        message_id: MessageId::new(),
        conversation_id: c,
        sender_id: sender,
        client_msg_id: ClientMsgId::parse(&format!("c-{client_id}")).unwrap(),
        text: Some(MessageText::parse(text.into()).unwrap()),
        emoji: Vec::new(),
        attachments: Vec::new(),
        sent_at: Utc::now(),
        origin: None,
    }
}

async fn run(groups: Vec<Vec<Write>>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedStore::open(&dir.path().join("store.redb")).unwrap());
    let senders: Vec<UserId> = (0..3).map(|_| UserId::new()).collect();
    let now = Utc::now();
    let c = Conversation {
        conversation_id: ConversationId::new(),
        kind: ConversationKind::Group,
        title: None,
        created_by: senders[0],
        created_at: now,
        last_seq: Seq::ZERO,
        last_message_at: None,
        retention: None,
    };
    let members: Vec<Member> = senders
        .iter()
        .map(|u| Member {
            conversation_id: c.conversation_id,
            user_id: *u,
            role: Role::Member,
            joined_at: now,
            read_seq: Seq::ZERO,
        })
        .collect();
    store.create_conversation(&c, &members).await.unwrap();
    let id = c.conversation_id;

    // Every answer, by (sender, client id): the seq and text it named.
    let mut answers: BTreeMap<(usize, usize), Vec<(u64, String)>> = BTreeMap::new();
    let mut attempt = 0;
    for group in groups {
        let racing = group.into_iter().map(|w| {
            attempt += 1;
            let text = format!("attempt {attempt}");
            let m = message(id, senders[w.sender], w.client_id, &text);
            let store = store.clone();
            async move {
                let p = store.persist(&m).await.unwrap();
                (w, p)
            }
        });
        for (w, p) in futures::future::join_all(racing).await {
            let text = p.message.text.as_ref().unwrap().as_str().to_owned();
            answers
                .entry((w.sender, w.client_id))
                .or_default()
                .push((p.message.seq.0, text));
        }
    }

    // One seq and one text per id, whoever asked and however often.
    for (key, seen) in &answers {
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "{key:?} answered differently: {seen:?}"
        );
    }
    let n = answers.len() as u64;
    let log = store.after(id, Seq::ZERO, 1000).await.unwrap();
    let seqs: Vec<u64> = log.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "gap-free, each once");
    for m in &log {
        let sender = senders.iter().position(|s| *s == m.sender_id).unwrap();
        let client: usize = m.client_msg_id.as_str()[2..].parse().unwrap();
        let (seq, text) = &answers[&(sender, client)][0];
        assert_eq!(
            (m.seq.0, m.text.as_ref().unwrap().as_str()),
            (*seq, text.as_str())
        );
    }
    let last = store.conversation(id).await.unwrap().unwrap().last_seq;
    assert_eq!(last, Seq(n), "the conversation's counter");
    // Resuming from anywhere gives exactly what follows, in order.
    for from in 0..=n {
        let rest: Vec<u64> = store
            .after(id, Seq(from), 1000)
            .await
            .unwrap()
            .iter()
            .map(|m| m.seq.0)
            .collect();
        assert_eq!(rest, (from + 1..=n).collect::<Vec<_>>());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_message_is_stored_once_in_one_gap_free_order(groups in writes()) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(groups));
    }
}
