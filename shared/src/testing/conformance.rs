//! The conformance suite: one body per behaviour, run against every
//! implementation of the store and stream ports (`store_conformance!` instantiates them
//! for a backend; `streams_keep_each_key_in_order` takes a probe).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Duration, Utc};

use crate::app::Store;
use crate::domain::{
    ClientMsgId, ConnectionId, ConnectionRecord, Conversation, ConversationId, ConversationKind,
    DisplayName, FriendLink, FriendState, Handle, Member, MessageId, MessageText, Role, Seq,
    StreamMessage, Title, UserId, UserRecord,
};
use crate::ports::{AddMember, MessageStream, PresenceChange, StoreError, TokenGrant, TokenKind};

pub fn user(handle: &str) -> UserRecord {
    UserRecord {
        user_id: UserId::new(),
        handle: Handle::parse(handle).unwrap(),
        display_name: DisplayName::parse(handle).unwrap(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: Utc::now(),
    }
}

fn conversation(kind: ConversationKind, by: UserId) -> Conversation {
    Conversation {
        conversation_id: ConversationId::new(),
        kind,
        title: (kind == ConversationKind::Group).then(|| Title::parse("Team").unwrap()),
        created_by: by,
        created_at: Utc::now(),
        last_seq: Seq::ZERO,
        last_message_at: None,
    }
}

fn member(c: &Conversation, user: UserId, role: Role) -> Member {
    Member {
        conversation_id: c.conversation_id,
        user_id: user,
        role,
        joined_at: Utc::now(),
        read_seq: Seq::ZERO,
    }
}

fn message(c: ConversationId, sender: UserId, client_id: &str, text: &str) -> StreamMessage {
    StreamMessage {
        message_id: MessageId::new(),
        conversation_id: c,
        sender_id: sender,
        client_msg_id: ClientMsgId::parse(client_id).unwrap(),
        text: MessageText::parse(text.into()).unwrap(),
        sent_at: Utc::now(),
        origin: ConnectionId::parse("origin-conn").unwrap(),
    }
}

fn connection(user: UserId, id: &str) -> ConnectionRecord {
    let now = Utc::now();
    ConnectionRecord {
        connection_id: ConnectionId::parse(id).unwrap(),
        user_id: user,
        connected_at: now,
        expires_at: now + Duration::hours(2),
    }
}

pub async fn handles_are_unique<S: Store>(s: &S) {
    let ada = user("ada");
    s.create_user(&ada).await.unwrap();
    let again = UserRecord {
        user_id: UserId::new(),
        ..ada.clone()
    };
    assert!(matches!(
        s.create_user(&again).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.user(ada.user_id).await.unwrap(), Some(ada.clone()));
    assert_eq!(s.user(again.user_id).await.unwrap(), None);
    assert_eq!(
        s.user_by_handle(&ada.handle).await.unwrap(),
        Some(ada.clone())
    );
    assert_eq!(
        s.user_by_handle(&Handle::parse("nobody").unwrap())
            .await
            .unwrap(),
        None
    );
}

pub async fn profiles_are_read_in_bulk<S: Store>(s: &S) {
    // More than one BatchGetItem's worth, plus ids that do not exist.
    let mut ids = Vec::new();
    for i in 0..105 {
        let u = user(&format!("user{i}"));
        s.create_user(&u).await.unwrap();
        ids.push(u.user_id);
    }
    ids.push(UserId::new());
    ids.push(ids[0]);
    let profiles = s.profiles(&ids).await.unwrap();
    let found: HashSet<UserId> = profiles.iter().map(|p| p.user_id).collect();
    assert_eq!(found.len(), 105);
}

pub async fn tokens_are_single_use<S: Store>(s: &S) {
    let grant = TokenGrant {
        user_id: UserId::new(),
        expires_at: Utc::now() + Duration::seconds(60),
    };
    s.put_token(TokenKind::Ticket, "d1", &grant).await.unwrap();
    assert_eq!(s.take_token(TokenKind::Refresh, "d1").await.unwrap(), None);
    assert_eq!(
        s.take_token(TokenKind::Ticket, "d1").await.unwrap(),
        Some(grant)
    );
    assert_eq!(s.take_token(TokenKind::Ticket, "d1").await.unwrap(), None);
}

pub async fn connections_track_presence<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    assert_eq!(
        s.add_connection(&connection(ada, "a-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(
        s.add_connection(&connection(ada, "a-2")).await.unwrap(),
        PresenceChange::Unchanged
    );
    assert_eq!(
        s.add_connection(&connection(bob, "b-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    let mut ids: Vec<String> = s
        .connections_of(&[ada, bob])
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.connection_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["a-1", "a-2", "b-1"]);
    assert_eq!(s.count_online(&[ada, bob, UserId::new()]).await.unwrap(), 2);
    let a1 = ConnectionId::parse("a-1").unwrap();
    assert_eq!(s.connection(&a1).await.unwrap().unwrap().user_id, ada);

    let (_, change) = s.remove_connection(&a1).await.unwrap().unwrap();
    assert_eq!(change, PresenceChange::Unchanged);
    assert_eq!(s.remove_connection(&a1).await.unwrap(), None);
    let (record, change) = s
        .remove_connection(&ConnectionId::parse("a-2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((record.user_id, change), (ada, PresenceChange::WentOffline));
    assert_eq!(s.count_online(&[ada, bob]).await.unwrap(), 1);
    assert!(s.connections_of(&[ada]).await.unwrap().is_empty());
}

/// A connection past its maximum lifetime is not open, whatever became of
/// its `$disconnect`: it does not count as online, and the user's next
/// connection brings them online again.
pub async fn expired_connections_do_not_count<S: Store>(s: &S) {
    let ada = UserId::new();
    let long_ago = Utc::now() - Duration::hours(3);
    let stale = ConnectionRecord {
        connection_id: ConnectionId::parse("stale-1").unwrap(),
        user_id: ada,
        connected_at: long_ago,
        expires_at: long_ago + Duration::hours(2),
    };
    assert_eq!(
        s.add_connection(&stale).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(s.count_online(&[ada]).await.unwrap(), 0);
    assert_eq!(
        s.add_connection(&connection(ada, "fresh-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(s.count_online(&[ada]).await.unwrap(), 1);
    let (_, change) = s
        .remove_connection(&ConnectionId::parse("fresh-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change, PresenceChange::WentOffline);
}

pub async fn groups_keep_their_members<S: Store>(s: &S) {
    let (ada, bob, cy) = (UserId::new(), UserId::new(), UserId::new());
    let c = conversation(ConversationKind::Group, ada);
    let id = c.conversation_id;
    s.create_conversation(
        &c,
        &[member(&c, ada, Role::Admin), member(&c, bob, Role::Member)],
    )
    .await
    .unwrap();
    assert!(matches!(
        s.create_conversation(&c, &[]).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.conversation(id).await.unwrap().unwrap(), c);
    assert_eq!(s.member(id, ada).await.unwrap().unwrap().role, Role::Admin);
    assert_eq!(s.member(id, cy).await.unwrap(), None);
    assert_eq!(s.members(id).await.unwrap().len(), 2);
    let mine = s.conversations_of(bob).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].0.conversation_id, mine[0].1.user_id), (id, bob));

    assert!(
        s.set_title(id, &Title::parse("Renamed").unwrap())
            .await
            .unwrap()
    );
    assert!(
        !s.set_title(ConversationId::new(), &Title::parse("x").unwrap())
            .await
            .unwrap()
    );
    assert_eq!(
        s.conversation(id)
            .await
            .unwrap()
            .unwrap()
            .title
            .unwrap()
            .as_str(),
        "Renamed"
    );

    assert_eq!(
        s.add_member(&member(&c, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Added
    );
    assert_eq!(
        s.add_member(&member(&c, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::AlreadyMember
    );
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Full
    );
    let elsewhere = conversation(ConversationKind::Group, ada);
    assert_eq!(
        s.add_member(&member(&elsewhere, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::NoSuchConversation
    );
    assert!(s.set_role(&member(&c, cy, Role::Admin)).await.unwrap());
    assert!(
        !s.set_role(&member(&c, UserId::new(), Role::Admin))
            .await
            .unwrap()
    );
    assert_eq!(s.member(id, cy).await.unwrap().unwrap().role, Role::Admin);

    assert!(s.remove_member(id, bob).await.unwrap());
    assert!(!s.remove_member(id, bob).await.unwrap());
    assert!(s.conversations_of(bob).await.unwrap().is_empty());
    // Room again after a removal.
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Added
    );

    assert!(s.mark_read(id, ada, Seq(3)).await.unwrap());
    assert!(!s.mark_read(id, ada, Seq(2)).await.unwrap());
    assert!(!s.mark_read(id, bob, Seq(5)).await.unwrap());
    assert_eq!(s.member(id, ada).await.unwrap().unwrap().read_seq, Seq(3));
}

pub async fn large_groups_are_written_whole<S: Store>(s: &S) {
    let admin = UserId::new();
    let c = conversation(ConversationKind::Group, admin);
    let mut members = vec![member(&c, admin, Role::Admin)];
    members.extend((0..119).map(|_| member(&c, UserId::new(), Role::Member)));
    s.create_conversation(&c, &members).await.unwrap();
    assert_eq!(s.members(c.conversation_id).await.unwrap().len(), 120);
    let last = members.last().unwrap().user_id;
    assert_eq!(s.conversations_of(last).await.unwrap().len(), 1);
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 120)
            .await
            .unwrap(),
        AddMember::Full
    );
}

pub async fn a_pair_has_one_direct_conversation<S: Store + 'static>(s: Arc<S>) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let attempts = (0..4).map(|i| {
        let s = s.clone();
        async move {
            let (a, b) = if i % 2 == 0 { (ada, bob) } else { (bob, ada) };
            let c = conversation(ConversationKind::Direct, a);
            s.find_or_create_direct(
                &c,
                &member(&c, a, Role::Member),
                &member(&c, b, Role::Member),
            )
            .await
            .unwrap()
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ids: HashSet<ConversationId> = results.iter().map(|(c, _)| c.conversation_id).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert_eq!(s.conversations_of(ada).await.unwrap().len(), 1);
    assert_eq!(s.conversations_of(bob).await.unwrap().len(), 1);
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

pub async fn friendships_have_two_sides<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let link = FriendLink {
        user_id: ada,
        other_id: bob,
        state: FriendState::Outgoing,
        since: Utc::now(),
    };
    s.put_friend_link(&link).await.unwrap();
    assert_eq!(
        s.friend_link(ada, bob).await.unwrap().unwrap().state,
        FriendState::Outgoing
    );
    assert_eq!(
        s.friend_link(bob, ada).await.unwrap().unwrap().state,
        FriendState::Incoming
    );
    s.put_friend_link(&FriendLink {
        state: FriendState::Friends,
        ..link.mirror()
    })
    .await
    .unwrap();
    assert_eq!(
        s.friend_link(ada, bob).await.unwrap().unwrap().state,
        FriendState::Friends
    );
    assert_eq!(s.friend_links(ada).await.unwrap().len(), 1);
    assert!(s.remove_friend_link(bob, ada).await.unwrap());
    assert!(!s.remove_friend_link(bob, ada).await.unwrap());
    assert!(s.friend_links(ada).await.unwrap().is_empty());
}

/// Reads back what a stream holds, for the stream conformance body.
#[async_trait]
pub trait StreamProbe: Send + Sync {
    /// Every record as (partition key, data), each shard in order.
    async fn records(&self) -> Vec<(String, Vec<u8>)>;
}

/// Sequence numbers compare as big decimal integers.
fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub async fn streams_keep_each_key_in_order(stream: &dyn MessageStream, probe: &dyn StreamProbe) {
    let keys = ["conv-a", "conv-b", "conv-c"];
    let mut sent: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut last: BTreeMap<&str, String> = BTreeMap::new();
    for i in 0..30 {
        let key = keys[i % 3];
        let data = format!("{key}:{i}");
        let seq = stream.append(key, data.clone().into_bytes()).await.unwrap();
        if let Some(prev) = last.insert(key, seq.clone()) {
            assert_eq!(
                numeric_order(&prev, &seq),
                std::cmp::Ordering::Less,
                "{prev} then {seq}"
            );
        }
        sent.entry(key).or_default().push(data);
    }
    let mut got: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (key, data) in probe.records().await {
        let key = keys
            .iter()
            .find(|k| **k == key)
            .copied()
            .expect("a key we wrote");
        got.entry(key)
            .or_default()
            .push(String::from_utf8(data).unwrap());
    }
    assert_eq!(got, sent);
}

/// Instantiates the store conformance bodies for a backend. `$make` is an
/// async expression giving a fresh `Arc<impl Store>`.
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        #[tokio::test]
        async fn handles_are_unique() {
            let s = $make;
            $crate::testing::conformance::handles_are_unique(&*s).await;
        }
        #[tokio::test]
        async fn profiles_are_read_in_bulk() {
            let s = $make;
            $crate::testing::conformance::profiles_are_read_in_bulk(&*s).await;
        }
        #[tokio::test]
        async fn tokens_are_single_use() {
            let s = $make;
            $crate::testing::conformance::tokens_are_single_use(&*s).await;
        }
        #[tokio::test]
        async fn connections_track_presence() {
            let s = $make;
            $crate::testing::conformance::connections_track_presence(&*s).await;
        }
        #[tokio::test]
        async fn expired_connections_do_not_count() {
            let s = $make;
            $crate::testing::conformance::expired_connections_do_not_count(&*s).await;
        }
        #[tokio::test]
        async fn groups_keep_their_members() {
            let s = $make;
            $crate::testing::conformance::groups_keep_their_members(&*s).await;
        }
        #[tokio::test]
        async fn large_groups_are_written_whole() {
            let s = $make;
            $crate::testing::conformance::large_groups_are_written_whole(&*s).await;
        }
        #[tokio::test]
        async fn a_pair_has_one_direct_conversation() {
            let s = $make;
            $crate::testing::conformance::a_pair_has_one_direct_conversation(s).await;
        }
        #[tokio::test]
        async fn messages_get_gap_free_sequence_numbers_once() {
            let s = $make;
            $crate::testing::conformance::messages_get_gap_free_sequence_numbers_once(&*s).await;
        }
        #[tokio::test]
        async fn concurrent_writers_never_share_or_skip_a_number() {
            let s = $make;
            $crate::testing::conformance::concurrent_writers_never_share_or_skip_a_number(s).await;
        }
        #[tokio::test]
        async fn friendships_have_two_sides() {
            let s = $make;
            $crate::testing::conformance::friendships_have_two_sides(&*s).await;
        }
    };
}

/// The client end of a connection, for the pusher conformance body.
#[async_trait]
pub trait ClientEnd: Send {
    /// The next text frame, or `None` once the server has closed.
    async fn next_text(&mut self) -> Option<String>;
}

/// Pushes reach an open connection, and a closed one is `Gone`.
pub async fn pushers_deliver_and_report_gone(
    pusher: &dyn crate::ports::Pusher,
    connection: &ConnectionId,
    client: &mut dyn ClientEnd,
) {
    use crate::ports::PushError;
    pusher
        .push(connection, br#"{"type":"pong","id":"p-1"}"#)
        .await
        .unwrap();
    assert_eq!(
        client.next_text().await.as_deref(),
        Some(r#"{"type":"pong","id":"p-1"}"#)
    );
    let unknown = ConnectionId::parse("no-such-connection=").unwrap();
    assert!(matches!(
        pusher.push(&unknown, b"{}").await,
        Err(PushError::Gone)
    ));
    pusher.disconnect(connection).await.unwrap();
    // The client sees the close; then the connection is gone for pushes.
    assert_eq!(client.next_text().await, None);
    let mut gone = false;
    for _ in 0..200 {
        match pusher.push(connection, b"{}").await {
            Err(PushError::Gone) => {
                gone = true;
                break;
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    assert!(gone, "a closed connection must answer Gone");
}

/// What a presigned upload may and may not do. `expired` is an upload URL
/// for `key` whose validity has passed.
pub async fn blobs_accept_only_what_was_signed(
    store: &dyn crate::ports::BlobStore,
    expired: crate::ports::PresignedRequest,
) {
    use crate::ports::BlobKey;
    let http = reqwest::Client::new();
    let key = BlobKey::parse("emoji/conformance/party.png").unwrap();
    let body = b"\x89PNG fake image".to_vec();
    let ttl = std::time::Duration::from_secs(300);

    let put = store.presign_put(&key, "image/png", ttl).await.unwrap();
    assert_eq!(put.method, "PUT");
    let send = |url: &str, content_type: &str, body: Vec<u8>| {
        http.put(url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Another content type than the signed one.
    let r = send(&put.url, "text/html", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "wrong content type accepted");
    // A tampered signature.
    let tampered = tamper(&put.url);
    let r = send(&tampered, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "tampered signature accepted");
    // Another key with the same signature.
    let moved = put.url.replacen("party.png", "other.png", 1);
    let r = send(&moved, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "signature reused for another key");
    // Expired.
    let r = send(&expired.url, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "expired URL accepted");
    assert!(
        store.stat(&key).await.unwrap().is_none(),
        "a refused upload left a blob"
    );

    let r = send(&put.url, "image/png", body.clone()).await.unwrap();
    assert!(
        r.status().is_success(),
        "signed upload refused: {}",
        r.status()
    );
    let info = store.stat(&key).await.unwrap().unwrap();
    assert_eq!(info.size, body.len() as u64);
    assert_eq!(info.content_type.as_deref(), Some("image/png"));

    let get = store.presign_get(&key, ttl).await.unwrap();
    let r = http.get(&get.url).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    let r = http.get(tamper(&get.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);

    store.delete(&key).await.unwrap();
    assert!(store.stat(&key).await.unwrap().is_none());
}

/// Flips the last hex digit of the URL's signature parameter.
fn tamper(url: &str) -> String {
    let (start, name) = ["X-Amz-Signature=", "signature="]
        .iter()
        .find_map(|n| url.find(n).map(|i| (i + n.len(), *n)))
        .expect("a signature parameter");
    let _ = name;
    let end = url[start..].find('&').map_or(url.len(), |i| start + i);
    let last = &url[end - 1..end];
    let flipped = if last == "0" { "1" } else { "0" };
    format!("{}{flipped}{}", &url[..end - 1], &url[end..])
}
