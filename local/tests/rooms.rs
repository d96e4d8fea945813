//! Public rooms end to end: the directory, joining and leaving, exact
//! online counts pushed as connections come and go, and deliveries that
//! reach the subscribed connections of members and nobody else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Api, Backend, Local, User};
use serde_json::{Value, json};

async fn start(backend: &Backend) -> (tempfile::TempDir, Local, Api) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), backend, &[]).await;
    let api = local.api();
    (dir, local, api)
}

async fn create_room(api: &Api, user: &User, title: &str) -> String {
    let r = api
        .call(
            "POST",
            "/api/rooms",
            Some(&user.token),
            Some(json!({"title": title})),
        )
        .await;
    assert_eq!(r.status, 201, "create room: {}", r.body);
    assert_eq!(r.body["kind"], "room");
    assert_eq!(r.body["role"], "admin");
    assert_eq!(r.body["member_count"], 1);
    r.body["conversation_id"].as_str().unwrap().to_owned()
}

async fn directory(api: &Api, user: &User, query: &str) -> Value {
    let r = api
        .call(
            "GET",
            &format!("/api/rooms{query}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "directory: {}", r.body);
    r.body
}

fn listed<'a>(page: &'a Value, room: &str) -> &'a Value {
    page["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["conversation_id"] == room)
        .unwrap_or_else(|| panic!("{room} not listed in {page}"))
}

async fn membership(api: &Api, user: &User, method: &str, room: &str) -> common::Reply {
    api.call(
        method,
        &format!("/api/rooms/{room}/membership"),
        Some(&user.token),
        None,
    )
    .await
}

async fn rooms_are_found_paged_joined_and_left(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let rooms = [
        create_room(&api, &alice, "Lobby").await,
        create_room(&api, &alice, "Rust").await,
        create_room(&api, &bob, "Music").await,
    ];
    let bad = api
        .call(
            "POST",
            "/api/rooms",
            Some(&bob.token),
            Some(json!({"title": " "})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (400, Some("invalid_request"))
    );

    // Newest first, a page at a time.
    let first = directory(&api, &bob, "?limit=2").await;
    let ids: Vec<&str> = first["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [rooms[2].as_str(), rooms[1].as_str()]);
    assert_eq!(listed(&first, &rooms[2])["joined"], true, "bob made Music");
    assert_eq!(listed(&first, &rooms[1])["joined"], false);
    assert_eq!(listed(&first, &rooms[1])["member_count"], 1);
    let after = first["next_after"].as_str().unwrap();
    let second = directory(&api, &bob, &format!("?limit=2&after={after}")).await;
    assert_eq!(second["rooms"].as_array().unwrap().len(), 1);
    assert_eq!(second["rooms"][0]["conversation_id"], rooms[0]);
    assert_eq!(second["rooms"][0]["title"], "Lobby");
    assert!(second.get("next_after").is_none(), "{second}");
    let exact = directory(&api, &bob, "?limit=3").await;
    assert_eq!(exact["rooms"].as_array().unwrap().len(), 3);
    assert!(
        exact.get("next_after").is_none(),
        "a full last page: {exact}"
    );
    for query in ["?limit=0", "?limit=51", "?after=nope"] {
        let r = api
            .call("GET", &format!("/api/rooms{query}"), Some(&bob.token), None)
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (400, Some("invalid_request")),
            "{query}"
        );
    }
    assert_eq!(api.call("GET", "/api/rooms", None, None).await.status, 401);

    // Joining is idempotent; a group or a made-up id is no room.
    let lobby = &rooms[0];
    let joined = membership(&api, &bob, "PUT", lobby).await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.body["member_count"], 2);
    assert_eq!(joined.body["role"], "member");
    assert_eq!(
        joined.body["members"].as_array().unwrap().len(),
        1,
        "a room lists only the caller"
    );
    assert_eq!(
        membership(&api, &bob, "PUT", lobby).await.body["member_count"],
        2
    );
    let group = api.group(&alice, "Private", &[]).await;
    for id in [group.as_str(), "0190a6f2-0000-7000-8000-000000000000"] {
        let r = membership(&api, &bob, "PUT", id).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (404, Some("not_found")),
            "{id}"
        );
    }
    let list = api
        .call("GET", "/api/conversations", Some(&bob.token), None)
        .await;
    assert!(
        list.body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["conversation_id"] == *lobby)
    );

    // People join rooms themselves; admins still rename and remove.
    let carol = api.signup("carol").await;
    let add = api
        .call(
            "POST",
            &format!("/api/conversations/{lobby}/members"),
            Some(&alice.token),
            Some(json!({"user_id": carol.id})),
        )
        .await;
    assert_eq!(
        (add.status, add.body["code"].as_str()),
        (409, Some("conflict"))
    );
    let rename = api
        .call(
            "PATCH",
            &format!("/api/conversations/{lobby}"),
            Some(&bob.token),
            Some(json!({"title": "Mine now"})),
        )
        .await;
    assert_eq!(rename.status, 403, "only admins rename");

    // Senders are named through profiles, since a room lists no members.
    let profiles = api
        .call(
            "GET",
            &format!("/api/profiles?ids={},{},{}", alice.id, bob.id, alice.id),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(profiles.status, 200, "{}", profiles.body);
    assert_eq!(profiles.body["users"].as_array().unwrap().len(), 2);
    let many = vec![alice.id.as_str(); 101].join(",");
    for query in ["ids=nope", "ids=", &format!("ids={many}")] {
        let r = api
            .call(
                "GET",
                &format!("/api/profiles?{query}"),
                Some(&bob.token),
                None,
            )
            .await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
    }

    // Leaving takes the room off the list and refuses sends.
    assert_eq!(membership(&api, &bob, "DELETE", lobby).await.status, 204);
    assert_eq!(membership(&api, &bob, "DELETE", lobby).await.status, 404);
    let list = api
        .call("GET", "/api/conversations", Some(&bob.token), None)
        .await;
    assert!(
        !list.body["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["conversation_id"] == *lobby)
    );
    let mut bob_ws = api.connect(&bob).await;
    bob_ws
        .send(json!({"action": "send", "id": "m1", "conversation_id": lobby, "text": "hi"}))
        .await;
    let e = bob_ws.next_of(&["error"]).await;
    assert_eq!(e["code"], "not_a_member", "{e}");
    assert_eq!(
        listed(&directory(&api, &bob, "").await, lobby)["member_count"],
        1
    );
}

async fn room_online_counts_are_exact_and_messages_reach_only_subscribed_members(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let room = create_room(&api, &alice, "Lobby").await;
    // Members who are offline cost a delivery nothing and get nothing.
    for i in 0..5 {
        let idle = api.signup(&format!("idle{i}")).await;
        assert_eq!(membership(&api, &idle, "PUT", &room).await.status, 200);
    }
    let mut alice_ws = api.connect(&alice).await;
    let mut carol_ws = api.connect(&carol).await;
    // Two devices, connected before joining: joining subscribes both.
    let mut bob_1 = api.connect(&bob).await;
    let mut bob_2 = api.connect(&bob).await;
    assert_eq!(membership(&api, &bob, "PUT", &room).await.status, 200);
    for ws in [&mut alice_ws, &mut bob_1, &mut bob_2] {
        let p = ws.next_of(&["presence"]).await;
        assert_eq!(
            (p["conversation_id"].as_str(), p["online"].as_u64()),
            (Some(room.as_str()), Some(2))
        );
    }
    let page = directory(&api, &carol, "").await;
    assert_eq!(listed(&page, &room)["online"], 2);
    assert_eq!(listed(&page, &room)["member_count"], 7);

    alice_ws.send_message(&room, "a1", "hello room").await;
    for ws in [&mut bob_1, &mut bob_2] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(
            (m["text"].as_str(), m["seq"].as_u64()),
            (Some("hello room"), Some(1))
        );
    }
    let to_carol = carol_ws.until_pong("c1").await;
    assert!(
        to_carol.iter().all(|f| f["conversation_id"] != room),
        "{to_carol:?}"
    );

    // Typing reaches the others, not the typist.
    bob_1
        .send(json!({"action": "typing", "conversation_id": room}))
        .await;
    let t = alice_ws.next_of(&["typing"]).await;
    assert_eq!(t["user_id"], bob.id);

    // One of bob's devices leaving changes nothing; the second does.
    bob_1.close().await;
    let view = api
        .call(
            "GET",
            &format!("/api/conversations/{room}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(
        (
            view.body["online"].as_u64(),
            view.body["member_count"].as_u64()
        ),
        (Some(2), Some(7))
    );
    bob_2.close().await;
    let p = alice_ws.next_of(&["presence"]).await;
    assert_eq!(p["online"], 1, "the first close sent no count: {p}");
    assert_eq!(
        listed(&directory(&api, &carol, "").await, &room)["online"],
        1
    );

    // A new connection is subscribed from its start.
    let mut bob_3 = api.connect(&bob).await;
    assert_eq!(alice_ws.next_of(&["presence"]).await["online"], 2);
    alice_ws.send_message(&room, "a2", "welcome back").await;
    assert_eq!(bob_3.next_of(&["message"]).await["text"], "welcome back");

    // Leaving while online: the count drops and deliveries stop.
    assert_eq!(membership(&api, &bob, "DELETE", &room).await.status, 204);
    assert_eq!(alice_ws.next_of(&["presence"]).await["online"], 1);
    alice_ws.send_message(&room, "a3", "bob is gone").await;
    let to_bob = bob_3.until_pong("b3").await;
    assert!(
        to_bob.iter().all(|f| f["type"] != "message"),
        "a left member got {to_bob:?}"
    );
    let history = api.history(&alice, &room).await;
    assert_eq!(history.len(), 3);
}

both_backends!(
    rooms_are_found_paged_joined_and_left,
    room_online_counts_are_exact_and_messages_reach_only_subscribed_members,
);
