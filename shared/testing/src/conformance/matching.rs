//! `MatchStore`: a queue in the order users asked, and pairings that never
//! share a user, even when every waiting user tries at once.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chitter_core::domain::{ConversationId, MatchState, UserId};
use chitter_core::ports::{Paired, Store};
use chrono::{TimeDelta, Utc};

pub async fn matching_pairs_each_waiting_user_once<S: Store + 'static>(s: Arc<S>) {
    let start = Utc::now();
    let users: Vec<UserId> = (0..10).map(|_| UserId::new()).collect();
    for (i, u) in users.iter().enumerate() {
        let since = start + TimeDelta::milliseconds(i as i64);
        assert!(s.enqueue(*u, since).await.unwrap());
        assert_eq!(
            s.match_state(*u).await.unwrap(),
            Some(MatchState::Waiting { since })
        );
    }
    assert!(
        !s.enqueue(users[0], start).await.unwrap(),
        "already waiting"
    );
    let queue = s.waiting(start - TimeDelta::seconds(1), 100).await.unwrap();
    assert_eq!(queue, users, "longest-waiting first");
    assert_eq!(s.waiting(start, 3).await.unwrap(), users[..3]);

    // Everyone tries to pair with everyone else at once.
    let attempts = users.iter().map(|me| {
        let s = s.clone();
        let (me, others) = (*me, users.clone());
        async move {
            let mut done = Vec::new();
            for other in others.into_iter().filter(|o| *o != me) {
                match s.pair(me, other, Utc::now()).await.unwrap() {
                    Paired::Done => {
                        done.push((me, other));
                        break;
                    }
                    Paired::SecondTaken => continue,
                    Paired::FirstTaken => break,
                }
            }
            done
        }
    });
    let pairs: Vec<(UserId, UserId)> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut seen = HashSet::new();
    for (a, b) in &pairs {
        assert!(
            seen.insert(*a) && seen.insert(*b),
            "{a} or {b} paired twice"
        );
    }
    assert_eq!(pairs.len(), 5, "ten waiting users make five pairs");
    let partners: BTreeMap<UserId, UserId> = pairs
        .iter()
        .flat_map(|(a, b)| [(*a, *b), (*b, *a)])
        .collect();
    for u in &users {
        match s.match_state(*u).await.unwrap() {
            Some(MatchState::Matched {
                with,
                conversation_id: None,
                ..
            }) => assert_eq!(Some(&with), partners.get(u)),
            other => panic!("{u}: {other:?}"),
        }
    }
    assert!(
        s.waiting(start - TimeDelta::seconds(1), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let (a, b) = pairs[0];
    assert_eq!(s.pair(a, b, Utc::now()).await.unwrap(), Paired::FirstTaken);

    // The conversation is recorded on both sides; leaving is one side's.
    let conversation = ConversationId::new();
    s.set_match_conversation(a, b, conversation).await.unwrap();
    for u in [a, b] {
        assert!(matches!(
            s.match_state(u).await.unwrap(),
            Some(MatchState::Matched { conversation_id: Some(c), .. }) if c == conversation
        ));
    }
    assert!(matches!(
        s.leave_matching(a).await.unwrap(),
        Some(MatchState::Matched { .. })
    ));
    assert_eq!(s.match_state(a).await.unwrap(), None);
    assert!(s.match_state(b).await.unwrap().is_some());
    assert_eq!(s.leave_matching(a).await.unwrap(), None);

    // Leaving the queue takes the place away; a lapsed wait is not offered.
    let now = Utc::now();
    assert!(s.enqueue(a, now).await.unwrap());
    assert!(s.leave_matching(a).await.unwrap().is_some());
    let old = UserId::new();
    s.enqueue(old, now - TimeDelta::minutes(20)).await.unwrap();
    assert!(
        s.waiting(now - MatchState::WAIT, 100)
            .await
            .unwrap()
            .is_empty()
    );
}
