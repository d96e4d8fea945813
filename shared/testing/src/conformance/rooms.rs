//! `RoomStore`: a directory newest first, a page at a time, with member
//! counts; subscriptions only for members' open connections; an online
//! count that an older announcement never overwrites.

use chitter_core::domain::{ConversationKind, Role, Title, UserId};
use chitter_core::ports::{AddMember, Store};
use chrono::{TimeDelta, Utc};

use super::fixtures::{connection, conversation, member};

pub async fn rooms_are_listed_newest_first_and_reach_only_subscribed_members<S: Store>(s: &S) {
    let (ada, bob, cy) = (UserId::new(), UserId::new(), UserId::new());
    let mut rooms = Vec::new();
    for i in 0..3 {
        let mut r = conversation(ConversationKind::Room, ada);
        r.title = Some(Title::parse(&format!("Room {i}")).unwrap());
        s.create_room(&r, &member(&r, ada, Role::Admin))
            .await
            .unwrap();
        rooms.push(r);
    }
    let group = conversation(ConversationKind::Group, ada);
    s.create_conversation(&group, &[member(&group, ada, Role::Admin)])
        .await
        .unwrap();
    let mut newest_first: Vec<_> = rooms.iter().map(|r| r.conversation_id).collect();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));

    let ids = |page: Vec<chitter_core::ports::RoomListing>| -> Vec<_> {
        page.into_iter().map(|l| l.room.conversation_id).collect()
    };
    let first = s.rooms(None, 2).await.unwrap();
    assert_eq!(first[0].members, 1);
    assert_eq!(first[0].online, 0);
    assert_eq!(ids(first), newest_first[..2]);
    assert_eq!(
        ids(s.rooms(Some(newest_first[1]), 2).await.unwrap()),
        newest_first[2..],
        "the page after the second room"
    );
    assert!(s.rooms(Some(newest_first[2]), 2).await.unwrap().is_empty());
    assert!(
        s.room(group.conversation_id).await.unwrap().is_none(),
        "a group is not a room"
    );

    let room = &rooms[0];
    let id = room.conversation_id;
    assert_eq!(
        s.add_member(&member(room, bob, Role::Member), 100)
            .await
            .unwrap(),
        AddMember::Added
    );
    assert_eq!(s.room(id).await.unwrap().unwrap().members, 2);
    assert_eq!(s.rooms_of(bob).await.unwrap(), vec![id]);
    let mut of_ada = s.rooms_of(ada).await.unwrap();
    of_ada.sort_unstable();
    let mut all: Vec<_> = rooms.iter().map(|r| r.conversation_id).collect();
    all.sort_unstable();
    assert_eq!(of_ada, all, "rooms only, not the group");

    // Only a registered connection of a member subscribes.
    let bob_conn = connection(bob, "bobconn1=");
    assert!(
        !s.subscribe(id, &bob_conn).await.unwrap(),
        "not registered yet"
    );
    s.add_connection(&bob_conn).await.unwrap();
    assert!(s.subscribe(id, &bob_conn).await.unwrap());
    let cy_conn = connection(cy, "cyconn01=");
    s.add_connection(&cy_conn).await.unwrap();
    assert!(!s.subscribe(id, &cy_conn).await.unwrap(), "not a member");
    let now = Utc::now();
    let subs = s.subscribers(id, now).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].user_id, &subs[0].connection_id),
        (bob, &bob_conn.connection_id)
    );
    assert!(
        s.subscribers(id, bob_conn.expires_at)
            .await
            .unwrap()
            .is_empty(),
        "past the connection's expiry"
    );
    s.unsubscribe(id, &bob_conn.connection_id).await.unwrap();
    assert!(s.subscribers(id, now).await.unwrap().is_empty());

    // After a leave, the subscription is refused.
    assert!(s.remove_member(id, bob).await.unwrap());
    assert!(!s.subscribe(id, &bob_conn).await.unwrap());
    assert_eq!(s.room(id).await.unwrap().unwrap().members, 1);

    // The newest announcement wins, whatever order they land in.
    s.set_online(id, 5, now).await.unwrap();
    s.set_online(id, 3, now - TimeDelta::seconds(1))
        .await
        .unwrap();
    assert_eq!(s.room(id).await.unwrap().unwrap().online, 5);
    s.set_online(id, 4, now + TimeDelta::seconds(1))
        .await
        .unwrap();
    assert_eq!(s.room(id).await.unwrap().unwrap().online, 4);
}

/// A connection's subscriptions are found from the connection, whatever
/// became of the membership; a subscription whose user left never counts
/// as a subscriber.
pub async fn subscriptions_are_found_by_connection_and_need_a_membership<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let mut rooms = Vec::new();
    for _ in 0..2 {
        let r = conversation(ConversationKind::Room, ada);
        s.create_room(&r, &member(&r, ada, Role::Admin))
            .await
            .unwrap();
        assert_eq!(
            s.add_member(&member(&r, bob, Role::Member), 100)
                .await
                .unwrap(),
            AddMember::Added
        );
        rooms.push(r.conversation_id);
    }
    let conn = connection(bob, "bobsubs1=");
    s.add_connection(&conn).await.unwrap();
    for r in &rooms {
        assert!(s.subscribe(*r, &conn).await.unwrap());
        assert!(s.subscribe(*r, &conn).await.unwrap(), "idempotent");
    }
    let mut found = s.subscriptions_of(&conn.connection_id).await.unwrap();
    found.sort_unstable();
    let mut want = rooms.clone();
    want.sort_unstable();
    assert_eq!(found, want);

    // Bob leaves one room, and his subscription there is left behind (a
    // leave that failed half-way): it delivers nothing.
    assert!(s.remove_member(rooms[0], bob).await.unwrap());
    let now = Utc::now();
    assert!(s.subscribers(rooms[0], now).await.unwrap().is_empty());
    assert_eq!(s.subscribers(rooms[1], now).await.unwrap().len(), 1);
    // The disconnect still finds both through the connection.
    s.remove_connection(&conn.connection_id).await.unwrap();
    for r in s.subscriptions_of(&conn.connection_id).await.unwrap() {
        s.unsubscribe(r, &conn.connection_id).await.unwrap();
    }
    assert!(
        s.subscriptions_of(&conn.connection_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.subscribers(rooms[1], now).await.unwrap().is_empty());
}
