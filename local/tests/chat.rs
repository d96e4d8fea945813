//! The message path end to end: real WebSocket clients against the
//! chitter-local binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Api, Backend, Local};
use serde_json::{Value, json};

async fn start(backend: &Backend) -> (tempfile::TempDir, Local, Api) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), backend, &[]).await;
    let api = local.api();
    (dir, local, api)
}

fn messages(frames: &[Value]) -> Vec<&Value> {
    frames.iter().filter(|f| f["type"] == "message").collect()
}

async fn direct_and_group_messages_reach_every_member_connection_and_nobody_else(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let dave = api.signup("dave").await;
    let direct = api.direct(&alice, &bob).await;
    let group = api.group(&alice, "Plans", &[&bob, &carol]).await;

    let mut alice_phone = api.connect(&alice).await;
    let mut alice_laptop = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;
    let mut dave_ws = api.connect(&dave).await;

    let ack = alice_phone.send_message(&direct, "d-1", "hi bob").await;
    assert_eq!(ack["seq"], 1);
    for ws in [&mut bob_ws, &mut alice_laptop] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(m["conversation_id"], direct.as_str());
        assert_eq!(m["text"], "hi bob");
        assert_eq!(m["seq"], 1);
        assert_eq!(m["sender_id"], alice.id.as_str());
        assert_eq!(m["message_id"], ack["message_id"]);
    }

    let ack = bob_ws.send_message(&group, "g-1", "hello group").await;
    assert_eq!(ack["seq"], 1);
    for ws in [&mut alice_phone, &mut alice_laptop, &mut carol_ws] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(m["conversation_id"], group.as_str());
        assert_eq!(m["sender_id"], bob.id.as_str());
    }
    let ack = carol_ws.send_message(&group, "g-2", "hi all").await;
    assert_eq!(ack["seq"], 2);
    for ws in [&mut alice_phone, &mut alice_laptop, &mut bob_ws] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(
            (m["seq"].as_u64(), m["text"].as_str()),
            (Some(2), Some("hi all"))
        );
    }

    // Nothing else is queued anywhere, and nothing ever reached dave or,
    // from the direct chat, carol.
    for ws in [
        &mut alice_phone,
        &mut alice_laptop,
        &mut bob_ws,
        &mut carol_ws,
        &mut dave_ws,
    ] {
        assert!(messages(&ws.drain().await).is_empty());
    }
    let history = api.history(&bob, &direct).await;
    assert_eq!(history.len(), 1);
    let r = api
        .call(
            "GET",
            &format!("/api/conversations/{group}/messages"),
            Some(&dave.token),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

async fn a_spoofed_sender_is_ignored_and_a_non_member_gets_an_error(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let mallory = api.signup("mallory").await;
    let direct = api.direct(&alice, &bob).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut mallory_ws = api.connect(&mallory).await;

    bob_ws
        .send(
            json!({"action": "send", "id": "s-1", "conversation_id": direct,
                     "text": "it was alice", "sender_id": alice.id, "sender": alice.id}),
        )
        .await;
    let m = alice_ws.next_of(&["message"]).await;
    assert_eq!(m["sender_id"], bob.id.as_str());

    mallory_ws
        .send(
            json!({"action": "send", "id": "m-1", "conversation_id": direct, "text": "let me in"}),
        )
        .await;
    let e = mallory_ws.next_of(&["error", "ack"]).await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "not_a_member");
    assert_eq!(e["id"], "m-1");
    mallory_ws
        .send(json!({"action": "resume", "id": "m-2", "conversation_id": direct, "last_seq": 0}))
        .await;
    let e = mallory_ws.next_of(&["error", "message", "resumed"]).await;
    assert_eq!(
        (e["code"].as_str(), e["id"].as_str()),
        (Some("not_a_member"), Some("m-2"))
    );

    assert!(messages(&alice_ws.drain().await).is_empty());
    let history = api.history(&alice, &direct).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["sender_id"], bob.id.as_str());
}

async fn the_same_client_message_id_is_stored_and_delivered_once(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;

    let first = alice_ws.send_message(&direct, "same-1", "only once").await;
    let again = alice_ws.send_message(&direct, "same-1", "only once").await;
    assert_eq!(first["seq"], again["seq"]);
    assert_eq!(first["message_id"], again["message_id"]);

    let m = bob_ws.next_of(&["message"]).await;
    assert_eq!(m["client_msg_id"], "same-1");
    assert!(messages(&bob_ws.drain().await).is_empty());
    assert_eq!(api.history(&bob, &direct).await.len(), 1);

    // A new id is a new message, with the next sequence number.
    let next = alice_ws
        .send_message(&direct, "same-2", "twice is fine")
        .await;
    assert_eq!(next["seq"], 2);

    // An id names one message: a later send reusing it with other text is
    // the same message, and the first text stays.
    let reused = alice_ws
        .send_message(&direct, "same-1", "changed my mind")
        .await;
    assert_eq!(reused["seq"], 1);
    assert_eq!(reused["message_id"], first["message_id"]);
    assert!(
        messages(&bob_ws.drain().await).len() == 1,
        "only same-2 reached bob"
    );
    let history = api.history(&bob, &direct).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["text"], "only once");
}

async fn resume_after_a_disconnect_returns_exactly_the_missed_messages_in_order(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let group = api.group(&alice, "Resume", &[&bob, &carol]).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;

    for i in 1..=2 {
        alice_ws
            .send_message(&group, &format!("a-{i}"), &format!("before {i}"))
            .await;
        bob_ws.next_of(&["message"]).await;
    }
    bob_ws.close().await;

    for i in 3..=7 {
        alice_ws
            .send_message(&group, &format!("a-{i}"), &format!("missed {i}"))
            .await;
    }

    let mut bob_ws = api.connect(&bob).await;
    bob_ws
        .send(json!({"action": "resume", "id": "r-1", "conversation_id": group, "last_seq": 2}))
        .await;
    let mut got = Vec::new();
    loop {
        let f = bob_ws.next_of(&["message", "resumed"]).await;
        if f["type"] == "resumed" {
            assert_eq!(f["id"], "r-1");
            assert_eq!(f["last_seq"], 7);
            assert_eq!(f["more"], false);
            break;
        }
        got.push((
            f["seq"].as_u64().unwrap(),
            f["text"].as_str().unwrap().to_owned(),
        ));
    }
    let expected: Vec<(u64, String)> = (3..=7).map(|i| (i, format!("missed {i}"))).collect();
    assert_eq!(got, expected);
    assert!(messages(&bob_ws.drain().await).is_empty());

    // Resuming from the newest is empty.
    bob_ws
        .send(json!({"action": "resume", "conversation_id": group, "last_seq": 7}))
        .await;
    let f = bob_ws.next_of(&["message", "resumed"]).await;
    assert_eq!(
        (f["type"].as_str(), f["last_seq"].as_u64()),
        (Some("resumed"), Some(7))
    );
}

async fn typing_and_read_receipts_reach_the_other_members(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;

    alice_ws
        .send(json!({"action": "typing", "conversation_id": direct}))
        .await;
    let t = bob_ws.next_of(&["typing"]).await;
    assert_eq!(t["user_id"], alice.id.as_str());

    alice_ws.send_message(&direct, "t-1", "read me").await;
    bob_ws.next_of(&["message"]).await;
    // Past the newest message is clamped to it.
    bob_ws
        .send(json!({"action": "read", "conversation_id": direct, "seq": 99}))
        .await;
    let r = alice_ws.next_of(&["read"]).await;
    assert_eq!(
        (r["user_id"].as_str(), r["seq"].as_u64()),
        (Some(bob.id.as_str()), Some(1))
    );
    let list = api
        .call("GET", "/api/conversations", Some(&bob.token), None)
        .await;
    assert_eq!(list.body["conversations"][0]["read_seq"], 1);
    assert_eq!(list.body["conversations"][0]["last_seq"], 1);
}

async fn presence_counts_follow_connections(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let bob_ws = api.connect(&bob).await;
    let p = alice_ws.next_of(&["presence"]).await;
    assert_eq!(
        (p["conversation_id"].as_str(), p["online"].as_u64()),
        (Some(direct.as_str()), Some(2))
    );
    bob_ws.close().await;
    let p = alice_ws.next_of(&["presence"]).await;
    assert_eq!(p["online"], 1);
    let view = api
        .call(
            "GET",
            &format!("/api/conversations/{direct}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(view.body["online"], 1);
}

async fn expect_error(ws: &mut common::Ws, code: &str) -> Value {
    let e = ws.next_of(&["error"]).await;
    assert_eq!(e["code"], code, "{e}");
    e
}

async fn bad_frames_get_typed_errors_and_the_connection_stays_open(backend: Backend) {
    use tokio_tungstenite::tungstenite::Message;
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut ws = api.connect(&alice).await;

    ws.send_raw(Message::Text("{not json".into())).await;
    expect_error(&mut ws, "malformed_json").await;
    ws.send(json!({"action": "dance", "id": "x-1"})).await;
    let e = expect_error(&mut ws, "unknown_action").await;
    assert_eq!(e["id"], "x-1");
    ws.send(json!({"action": "send", "id": "x-2", "text": "no conversation"}))
        .await;
    expect_error(&mut ws, "invalid_frame").await;
    ws.send(json!({"action": "read", "conversation_id": direct, "seq": "seven"}))
        .await;
    expect_error(&mut ws, "invalid_frame").await;
    ws.send(
        json!({"action": "send", "id": "x-3", "conversation_id": direct, "text": "x".repeat(4001)}),
    )
    .await;
    let e = expect_error(&mut ws, "text_too_long").await;
    assert_eq!(e["id"], "x-3");
    ws.send(json!({"action": "send", "id": "x-4", "conversation_id": direct, "text": "   "}))
        .await;
    expect_error(&mut ws, "invalid_frame").await;
    ws.send_raw(Message::Binary(vec![1u8, 2, 3].into())).await;
    expect_error(&mut ws, "invalid_frame").await;
    ws.send(json!({"action": "typing", "conversation_id": "00000000-0000-0000-0000-000000000000"}))
        .await;
    expect_error(&mut ws, "not_a_member").await;

    // Still open and working.
    let ack = ws.send_message(&direct, "ok-1", "still here").await;
    assert_eq!(ack["seq"], 1);
}

async fn an_oversize_frame_closes_only_that_connection_with_1009(backend: Backend) {
    use tokio_tungstenite::tungstenite::Message;
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut bob_other = api.connect(&bob).await;

    let big = "y".repeat(40 * 1024);
    bob_ws.send_raw(Message::Text(big.into())).await;
    let close = bob_ws.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);

    // Everyone else carries on, bob's other connection included.
    alice_ws
        .send_message(&direct, "after-1", "still flowing")
        .await;
    let m = bob_other.next_of(&["message"]).await;
    assert_eq!(m["text"], "still flowing");
    let ack = bob_other.send_message(&direct, "after-2", "me too").await;
    assert_eq!(ack["seq"], 2);
}

async fn a_text_frame_that_is_not_utf8_closes_only_that_connection_with_1007(backend: Backend) {
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut bob_other = api.connect(&bob).await;

    let bad = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    bob_ws.send_raw(Message::Frame(bad)).await;
    let close = bob_ws
        .closed()
        .await
        .expect("a close frame, not a dropped socket");
    assert_eq!(u16::from(close.code), 1007);

    alice_ws
        .send_message(&direct, "after-1", "still flowing")
        .await;
    assert_eq!(
        bob_other.next_of(&["message"]).await["text"],
        "still flowing"
    );
}

async fn http_details_match_the_documents(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    // The scheme is case-insensitive.
    let r = api
        .http
        .get(format!("{}/api/me", api.base))
        .header("authorization", format!("bearer {}", alice.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // History's limit is 1-100, as documented: outside is a 400, not a clamp.
    for limit in ["0", "101"] {
        let r = api
            .call(
                "GET",
                &format!("/api/conversations/{direct}/messages?limit={limit}"),
                Some(&alice.token),
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (400, Some("invalid_request")),
            "{limit}"
        );
    }
    let r = api
        .call(
            "POST",
            "/api/conversations",
            Some(&alice.token),
            Some(json!({"kind": "group", "title": "x".repeat(70_000)})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
}

async fn handshake_status(api: &Api, query: &str) -> u16 {
    use tokio_tungstenite::tungstenite::Error;
    match tokio_tungstenite::connect_async(format!("{}{query}", api.ws)).await {
        Ok(_) => 101,
        Err(Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("unexpected handshake failure: {e}"),
    }
}

async fn refresh(api: &Api, token: &str) -> common::Reply {
    api.call(
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({ "refresh_token": token })),
    )
    .await
}

async fn a_reused_refresh_token_revokes_its_family_and_tickets_expire(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let signin = || async {
        let r = api
            .call(
                "POST",
                "/api/auth/signin",
                None,
                Some(json!({"handle": "alice", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["refresh_token"].as_str().unwrap().to_owned()
    };
    let (phone, laptop) = (signin().await, signin().await);
    let r2 = refresh(&api, &phone).await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    let r2 = r2.body["refresh_token"].as_str().unwrap().to_owned();
    let r3 = refresh(&api, &r2).await.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Someone copied the first token and uses it now (later than a twin
    // request could): refused, and the family it started is revoked, the
    // newest token included.
    let later = api
        .call("POST", "/_local/clock", None, Some(json!({"seconds": 11})))
        .await;
    assert_eq!(later.status, 200);
    assert_eq!(refresh(&api, &phone).await.status, 401);
    assert_eq!(
        refresh(&api, &r3).await.status,
        401,
        "the family is revoked"
    );
    // Another sign-in's family is untouched; two tabs refreshing it at once
    // get one new session, and the loser's refusal revokes nothing.
    let (a, b) = tokio::join!(refresh(&api, &laptop), refresh(&api, &laptop));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{} {}", a.body, b.body);
    let winner = if a.status == 200 { a } else { b };
    let l2 = winner.body["refresh_token"].as_str().unwrap().to_owned();
    let l3 = refresh(&api, &l2).await;
    assert_eq!(l3.status, 200, "the twin revoked nothing: {}", l3.body);
    let l3 = l3.body["refresh_token"].as_str().unwrap().to_owned();
    // Signing out with a stale token of the family ends all of it.
    let signout = api
        .call(
            "POST",
            "/api/auth/signout",
            None,
            Some(json!({ "refresh_token": laptop })),
        )
        .await;
    assert_eq!(signout.status, 204);
    assert_eq!(refresh(&api, &l3).await.status, 401);

    // A ticket works for 60 seconds.
    let ticket = api.ticket(&alice).await;
    let moved = api
        .call("POST", "/_local/clock", None, Some(json!({"seconds": 61})))
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(
        handshake_status(&api, &format!("?ticket={ticket}")).await,
        403
    );
}

async fn a_flooding_client_is_rate_limited_and_nobody_else_is(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;

    // 125 sends at once: the limit is 60 per 10-second window, so a burst
    // that spans at most two windows (under 10 s) has some refused; on a
    // machine slow enough to span more, at most 60 per window get through.
    let total = 125;
    let started = std::time::Instant::now();
    for i in 0..total {
        alice_ws
            .send(json!({"action": "send", "id": format!("f-{i}"), "conversation_id": direct, "text": "flood"}))
            .await;
    }
    let (mut accepted, mut limited) = (0, 0);
    while accepted + limited < total {
        let f = alice_ws.next_of(&["ack", "error"]).await;
        match (f["type"].as_str(), f["status"].as_str(), f["code"].as_str()) {
            (Some("ack"), Some("accepted"), _) => accepted += 1,
            (Some("ack"), Some("persisted"), _) => {}
            (Some("error"), _, Some("rate_limited")) => {
                let wait = f["retry_after"].as_u64().expect("a retry hint");
                assert!((1..=10).contains(&wait), "{f}");
                limited += 1;
            }
            _ => panic!("unexpected {f}"),
        }
    }
    let windows = started.elapsed().as_secs() / 10 + 2;
    assert!(
        accepted >= 60 && accepted <= 60 * windows,
        "{accepted} accepted, {limited} refused over {windows} windows"
    );
    if windows == 2 {
        assert!(limited > 0, "{accepted} accepted, none refused");
    }

    // Bob is not affected (he has alice's flood to read past).
    bob_ws
        .send(json!({"action": "send", "id": "b-1", "conversation_id": direct, "text": "I can still talk"}))
        .await;
    loop {
        let f = bob_ws.next().await;
        assert_ne!(f["type"], "error", "{f}");
        if f["type"] == "ack" && f["id"] == "b-1" && f["status"] == "persisted" {
            break;
        }
    }

    // Sign-in attempts on one handle are limited too; other handles are not.
    let mut refused = None;
    for _ in 0..21 {
        let r = api
            .http
            .post(format!("{}/api/auth/signin", api.base))
            .json(&json!({"handle": "alice", "password": "wrong horse battery"}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            refused = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["code"], "rate_limited", "{body}");
            break;
        }
        assert_eq!(r.status(), 401);
    }
    let wait: u64 = refused
        .expect("refused within 21 attempts")
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait));
    let other = api
        .call(
            "POST",
            "/api/auth/signin",
            None,
            Some(json!({"handle": "bob", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(other.status, 200);
    // What an operator sees: every refusal counted.
    // (A flood that crosses a window's end is refused fewer times.)
    let limited = api.metrics().await["RateLimited"].as_u64().unwrap();
    assert!(limited >= 3, "{limited}");
}

async fn bad_tickets_fail_the_handshake(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let mut alice_ws = api.connect(&alice).await;

    assert_eq!(handshake_status(&api, "").await, 401);
    assert_eq!(
        handshake_status(&api, "?ticket=forged-ticket-value").await,
        403
    );
    assert_eq!(handshake_status(&api, "?ticket=").await, 403);
    let ticket = api.ticket(&alice).await;
    assert_eq!(
        handshake_status(&api, &format!("?ticket={ticket}")).await,
        101
    );
    assert_eq!(
        handshake_status(&api, &format!("?ticket={ticket}")).await,
        403
    );
    // An access token is not a ticket.
    assert_eq!(
        handshake_status(&api, &format!("?ticket={}", alice.token)).await,
        403
    );

    // The existing connection never noticed.
    assert!(alice_ws.drain().await.iter().all(|f| f["type"] != "error"));
}

async fn idle_connections_are_closed_with_1001_and_disconnected(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &["--idle-timeout-secs", "1"]).await;
    let api = local.api();
    let alice = api.signup("alice").await;
    let mut ws = api.connect(&alice).await;
    let close = ws.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
}

/// The idle timeout and the lifetime share one timer: a client that keeps
/// its connection busy is still closed at the end of its lifetime, not
/// before.
async fn active_connections_are_closed_at_the_end_of_their_lifetime(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--idle-timeout-secs", "1", "--max-connection-secs", "3"];
    let local = Local::start(dir.path(), &backend, &args).await;
    let api = local.api();
    let alice = api.signup("alice").await;
    let mut ws = api.connect(&alice).await;
    let opened = std::time::Instant::now();
    let close = ws
        .closed_while_pinging(std::time::Duration::from_millis(200))
        .await
        .expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
    let lived = opened.elapsed();
    assert!(
        lived >= std::time::Duration::from_millis(2500),
        "closed after {lived:?}, before the end of its lifetime"
    );
}

async fn the_management_api_speaks_api_gateways_wire_format(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let mut ws = api.connect(&alice).await;
    let listed = api.call("GET", "/_local/connections", None, None).await;
    let id = listed.body["connections"][0]["connection_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let encoded = id.replace('=', "%3D").replace('+', "%2B");

    let r = api
        .http
        .get(format!("{}/@connections/{encoded}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let info: Value = r.json().await.unwrap();
    assert!(
        info["connectedAt"].as_str().unwrap().ends_with('Z'),
        "{info}"
    );
    assert_eq!(info["identity"]["sourceIp"], "127.0.0.1");

    let r = api
        .http
        .post(format!("{}/prod/@connections/{encoded}", api.base))
        .body(r#"{"type":"custom"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(ws.next().await["type"], "custom");

    let r = api
        .http
        .delete(format!("{}/@connections/{encoded}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    ws.closed().await;

    let r = api
        .http
        .post(format!("{}/@connections/{encoded}", api.base))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(r.headers()["x-amzn-errortype"], "GoneException");
}

async fn a_message_sent_over_http_takes_the_same_path_once(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let (ada, bob, cyd) = (
        api.signup("ada").await,
        api.signup("bob").await,
        api.signup("cyd").await,
    );
    let conv = api.direct(&ada, &bob).await;
    let mut ada_ws = api.connect(&ada).await;
    let mut bob_ws = api.connect(&bob).await;
    let path = format!("/api/conversations/{conv}/messages");
    let send = |token: Option<String>, body: Value| {
        let (api, path) = (api.clone(), path.clone());
        async move { api.call("POST", &path, token.as_deref(), Some(body)).await }
    };

    let r = send(
        Some(ada.token.clone()),
        json!({"id": "bot-1", "text": "from a bot"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["type"], "ack");
    assert_eq!(r.body["status"], "accepted");
    assert_eq!(r.body["id"], "bot-1");
    // Everyone's connections get it, the sender's too: no socket sent it.
    for ws in [&mut bob_ws, &mut ada_ws] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(m["client_msg_id"], "bot-1");
        assert_eq!(m["sender_id"], ada.id.as_str());
        assert_eq!(m["seq"], 1);
    }
    // A resend with the same id is stored and shown once.
    let again = send(
        Some(ada.token.clone()),
        json!({"id": "bot-1", "text": "from a bot"}),
    )
    .await;
    assert_eq!(again.status, 202);
    ada_ws.send_message(&conv, "ws-2", "from a socket").await;
    let next = bob_ws.next_of(&["message"]).await;
    assert_eq!(next["client_msg_id"], "ws-2", "no second copy of bot-1");
    assert_eq!(next["seq"], 2);
    let history = api.history(&bob, &conv).await;
    assert_eq!(history.len(), 2);

    // Refusals, typed.
    let r = send(Some(cyd.token.clone()), json!({"id": "x-1", "text": "hi"})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = send(None, json!({"id": "x-2", "text": "hi"})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let r = send(Some(ada.token.clone()), json!({"id": "x-3", "text": "  "})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let r = send(
        Some(ada.token.clone()),
        json!({"id": "x-4", "text": "x".repeat(4001)}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("text_too_long"))
    );
    let r = send(
        Some(ada.token.clone()),
        json!({"id": "has space", "text": "hi"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    // An attachment refused is a wrong request over HTTP, not a frame.
    let twice = json!({"upload_id": "0190a7b1-5c2e-7d41-9a3f-2b8c4d6e8f01", "name": "a"});
    let r = send(
        Some(ada.token.clone()),
        json!({"id": "x-5", "attachments": [twice, twice]}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_request")),
        "{}",
        r.body
    );
    assert_eq!(
        api.history(&bob, &conv).await.len(),
        2,
        "nothing refused was stored"
    );
}

/// The ordering rule of `docs/protocol.md`: a client that waits for each
/// send's `accepted` before the next (in that conversation) has its messages
/// stored and delivered in the order it sent them, without waiting for
/// `persisted`. 50 sends back to back reach every member in send order.
async fn a_burst_of_sends_from_one_connection_arrives_in_send_order(backend: Backend) {
    const BURST: usize = 50;
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let group = api.group(&alice, "Burst", &[&bob, &carol]).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut alice_tablet = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;

    let mut persisted = Vec::new();
    for i in 0..BURST {
        alice_ws
            .send(
                json!({"action": "send", "id": format!("b-{i}"), "conversation_id": group,
                         "text": format!("burst {i}")}),
            )
            .await;
        // Only `accepted` gates the next send; `persisted` acks of earlier
        // sends may arrive in between.
        loop {
            let f = alice_ws.next_of(&["ack", "error"]).await;
            assert_eq!(f["type"], "ack", "{f}");
            if f["status"] == "persisted" {
                persisted.push(f);
                continue;
            }
            assert_eq!(f["id"], format!("b-{i}").as_str(), "{f}");
            break;
        }
    }
    while persisted.len() < BURST {
        persisted.push(alice_ws.next_of(&["ack"]).await);
    }
    let by_seq: Vec<(u64, String)> = {
        let mut acks: Vec<(u64, String)> = persisted
            .iter()
            .map(|a| {
                (
                    a["seq"].as_u64().unwrap(),
                    a["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        acks.sort();
        acks
    };
    let expected: Vec<(u64, String)> = (0..BURST)
        .map(|i| (i as u64 + 1, format!("b-{i}")))
        .collect();
    assert_eq!(
        by_seq, expected,
        "each send's seq is its place in the burst"
    );

    for ws in [&mut alice_tablet, &mut bob_ws, &mut carol_ws] {
        let mut got = Vec::new();
        while got.len() < BURST {
            let m = ws.next_of(&["message"]).await;
            got.push((
                m["seq"].as_u64().unwrap(),
                m["text"].as_str().unwrap().to_owned(),
            ));
        }
        let expected: Vec<(u64, String)> = (0..BURST)
            .map(|i| (i as u64 + 1, format!("burst {i}")))
            .collect();
        assert_eq!(got, expected, "delivered in send order");
    }
    let history: Vec<String> = api
        .history(&bob, &group)
        .await
        .iter()
        .rev()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        history,
        (0..BURST).map(|i| format!("burst {i}")).collect::<Vec<_>>()
    );
}

async fn expect_refusal(ws: &mut common::Ws, id: &str, code: &str) {
    let f = ws.next_of(&["error", "ack"]).await;
    assert_eq!(
        (f["type"].as_str(), f["id"].as_str(), f["code"].as_str()),
        (Some("error"), Some(id), Some(code)),
        "{f}"
    );
}

/// Sends an edit or delete and waits for both acks; returns the persisted one.
async fn change(ws: &mut common::Ws, frame: Value) -> Value {
    let id = frame["id"].as_str().unwrap().to_owned();
    ws.send(frame).await;
    let accepted = ws.next_of(&["ack", "error"]).await;
    assert_eq!(
        (accepted["status"].as_str(), accepted["id"].as_str()),
        (Some("accepted"), Some(id.as_str())),
        "{accepted}"
    );
    let persisted = ws.next_of(&["ack", "error"]).await;
    assert_eq!(persisted["status"], "persisted", "{persisted}");
    persisted
}

async fn edits_and_deletes_are_ordered_entries_that_every_member_sees(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let mallory = api.signup("mallory").await;
    let group = api.group(&alice, "Edits", &[&bob, &carol]).await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;
    let mut mallory_ws = api.connect(&mallory).await;

    alice_ws.send_message(&group, "a-1", "helo").await;
    bob_ws.next_of(&["message"]).await;
    bob_ws.send_message(&group, "b-1", "bob here").await;
    alice_ws.next_of(&["message"]).await;
    for _ in 0..2 {
        carol_ws.next_of(&["message"]).await;
    }

    let edited = change(
        &mut alice_ws,
        json!({"action": "edit", "id": "e-1", "conversation_id": group, "seq": 1, "text": "hello"}),
    )
    .await;
    assert_eq!(edited["seq"], 3, "an edit takes the next seq");
    for ws in [&mut bob_ws, &mut carol_ws] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(
            (
                m["kind"].as_str(),
                m["seq"].as_u64(),
                m["target_seq"].as_u64()
            ),
            (Some("edit"), Some(3), Some(1))
        );
        assert_eq!(
            (m["text"].as_str(), m["sender_id"].as_str()),
            (Some("hello"), Some(alice.id.as_str()))
        );
    }
    // The same id again is the same edit.
    let again = change(
        &mut alice_ws,
        json!({"action": "edit", "id": "e-1", "conversation_id": group, "seq": 1, "text": "hello"}),
    )
    .await;
    assert_eq!(again["seq"], 3);

    // Refusals: another's message, a missing one, a non-member.
    bob_ws
        .send(json!({"action": "edit", "id": "e-2", "conversation_id": group, "seq": 1, "text": "mine now"}))
        .await;
    expect_refusal(&mut bob_ws, "e-2", "forbidden").await;
    carol_ws
        .send(json!({"action": "delete", "id": "d-1", "conversation_id": group, "seq": 2}))
        .await;
    expect_refusal(&mut carol_ws, "d-1", "forbidden").await;
    bob_ws
        .send(json!({"action": "edit", "id": "e-3", "conversation_id": group, "seq": 99, "text": "x"}))
        .await;
    expect_refusal(&mut bob_ws, "e-3", "not_found").await;
    bob_ws
        .send(json!({"action": "delete", "id": "d-2", "conversation_id": group, "seq": 3}))
        .await;
    expect_refusal(&mut bob_ws, "d-2", "not_found").await;
    mallory_ws
        .send(json!({"action": "delete", "id": "d-3", "conversation_id": group, "seq": 1}))
        .await;
    expect_refusal(&mut mallory_ws, "d-3", "not_a_member").await;

    // A group admin deletes a member's message: a tombstone, seen live.
    let deleted = change(
        &mut alice_ws,
        json!({"action": "delete", "id": "d-4", "conversation_id": group, "seq": 2}),
    )
    .await;
    assert_eq!(deleted["seq"], 4);
    for ws in [&mut bob_ws, &mut carol_ws] {
        let m = ws.next_of(&["message"]).await;
        assert_eq!(
            (
                m["kind"].as_str(),
                m["seq"].as_u64(),
                m["target_seq"].as_u64()
            ),
            (Some("delete"), Some(4), Some(2))
        );
        assert!(m.get("text").is_none(), "{m}");
    }
    // Editing it now passes the first check but is refused when stored.
    bob_ws
        .send(json!({"action": "edit", "id": "e-4", "conversation_id": group, "seq": 2, "text": "back"}))
        .await;
    let accepted = bob_ws.next_of(&["ack", "error"]).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    expect_refusal(&mut bob_ws, "e-4", "not_found").await;

    // History and resume show the entries and the messages as they are now.
    let history = api.history(&carol, &group).await;
    let kinds: Vec<(u64, &str)> = history
        .iter()
        .map(|m| (m["seq"].as_u64().unwrap(), m["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [(4, "delete"), (3, "edit"), (2, "message"), (1, "message")]
    );
    assert_eq!(history[3]["text"], "hello");
    assert!(history[3]["edited_at"].is_string());
    assert!(history[2].get("text").is_none());
    assert_eq!(history[2]["deleted_by"], alice.id.as_str());
    let mut late = api.connect(&carol).await;
    late.send(json!({"action": "resume", "id": "r-1", "conversation_id": group, "last_seq": 0}))
        .await;
    let mut seqs = Vec::new();
    loop {
        let f = late.next_of(&["message", "resumed"]).await;
        if f["type"] == "resumed" {
            assert_eq!(f["last_seq"], 4);
            break;
        }
        seqs.push((
            f["seq"].as_u64().unwrap(),
            f["kind"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        seqs.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "no gap"
    );

    // A direct chat has no admin: only the author deletes.
    alice_ws.send_message(&direct, "a-2", "just us").await;
    bob_ws.next_of(&["message"]).await;
    bob_ws
        .send(json!({"action": "delete", "id": "d-5", "conversation_id": direct, "seq": 1}))
        .await;
    expect_refusal(&mut bob_ws, "d-5", "forbidden").await;
    change(
        &mut alice_ws,
        json!({"action": "delete", "id": "d-6", "conversation_id": direct, "seq": 1}),
    )
    .await;
    let m = bob_ws.next_of(&["message"]).await;
    assert_eq!(
        (m["kind"].as_str(), m["target_seq"].as_u64()),
        (Some("delete"), Some(1))
    );
}

async fn votes_are_one_per_user_and_every_member_sees_the_counts(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let mallory = api.signup("mallory").await;
    let group = api.group(&alice, "Votes", &[&bob, &carol]).await;
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;
    let mut mallory_ws = api.connect(&mallory).await;
    alice_ws.send_message(&group, "a-1", "vote on me").await;
    for ws in [&mut bob_ws, &mut carol_ws] {
        ws.next_of(&["message"]).await;
    }

    let vote = |ballot: &str| json!({"action": "vote", "conversation_id": group, "seq": 1, "vote": ballot});
    for (rev, (ws_name, ballot, up, down)) in [
        ("bob", "up", 1, 0),
        ("carol", "down", 1, 1),
        ("bob", "down", 0, 2),
        ("bob", "none", 0, 1),
    ]
    .into_iter()
    .enumerate()
    {
        let (voter, user) = match ws_name {
            "bob" => (&mut bob_ws, &bob),
            _ => (&mut carol_ws, &carol),
        };
        voter.send(vote(ballot)).await;
        let user_id = user.id.clone();
        for ws in [&mut alice_ws, &mut bob_ws, &mut carol_ws] {
            let f = ws.next_of(&["votes"]).await;
            assert_eq!(
                (
                    f["up"].as_u64(),
                    f["down"].as_u64(),
                    f["vote"].as_str(),
                    f["user_id"].as_str()
                ),
                (Some(up), Some(down), Some(ballot), Some(user_id.as_str())),
                "{f}"
            );
            assert!(f["rev"].as_u64().unwrap() > rev as u64);
        }
    }
    // The same vote again changes nothing: only the voter hears the counts.
    carol_ws.send(vote("down")).await;
    let f = carol_ws.next_of(&["votes"]).await;
    assert_eq!((f["up"].as_u64(), f["down"].as_u64()), (Some(0), Some(1)));
    assert!(alice_ws.drain().await.is_empty());
    assert!(bob_ws.drain().await.is_empty());

    let history = api.history(&carol, &group).await;
    assert_eq!(
        (history[0]["down"].as_u64(), history[0]["my_vote"].as_str()),
        (Some(1), Some("down"))
    );
    assert!(history[0].get("up").is_none(), "zero counts are left out");
    let history = api.history(&bob, &group).await;
    assert!(history[0].get("my_vote").is_none(), "bob took his back");

    mallory_ws
        .send(json!({"action": "vote", "id": "v-1", "conversation_id": group, "seq": 1, "vote": "up"}))
        .await;
    expect_refusal(&mut mallory_ws, "v-1", "not_a_member").await;
    bob_ws
        .send(json!({"action": "vote", "id": "v-2", "conversation_id": group, "seq": 9, "vote": "up"}))
        .await;
    expect_refusal(&mut bob_ws, "v-2", "not_found").await;
    bob_ws
        .send(json!({"action": "vote", "id": "v-3", "conversation_id": group, "seq": 1, "vote": "sideways"}))
        .await;
    expect_refusal(&mut bob_ws, "v-3", "invalid_frame").await;
}

async fn matching(api: &Api, user: &common::User, method: &str) -> Value {
    let r = api
        .call(method, "/api/match", Some(&user.token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn random_matching_pairs_waiting_users_once_and_tells_both(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let ada = api.signup("ada").await;
    let bob = api.signup("bob").await;
    let cy = api.signup("cyd").await;
    let mut ada_ws = api.connect(&ada).await;
    let mut bob_ws = api.connect(&bob).await;

    assert_eq!(matching(&api, &ada, "GET").await["state"], "idle");
    let waiting = matching(&api, &ada, "POST").await;
    assert_eq!(waiting["state"], "waiting");
    let again = matching(&api, &ada, "POST").await;
    assert_eq!(again, waiting, "asking again keeps the same place");

    let matched = matching(&api, &bob, "POST").await;
    assert_eq!(matched["state"], "matched", "{matched}");
    assert_eq!(matched["with"]["handle"], "ada");
    let conversation = matched["conversation_id"].as_str().unwrap().to_owned();
    for (ws, partner) in [(&mut ada_ws, "bob"), (&mut bob_ws, "ada")] {
        let f = ws.next_of(&["matched"]).await;
        assert_eq!(f["conversation_id"], conversation.as_str());
        assert_eq!(f["with"]["handle"], partner);
    }
    // Asking again after a match answers the same match and opens nothing.
    for user in [&ada, &bob] {
        let m = matching(&api, user, "POST").await;
        assert_eq!(m["conversation_id"], conversation.as_str());
    }
    assert!(ada_ws.drain().await.is_empty(), "told once");
    let ack = ada_ws
        .send_message(&conversation, "hi-1", "hello stranger")
        .await;
    assert_eq!(ack["seq"], 1);
    assert_eq!(bob_ws.next_of(&["message"]).await["text"], "hello stranger");

    // Someone else waits alone; cancelling leaves the queue.
    assert_eq!(matching(&api, &cy, "POST").await["state"], "waiting");
    let r = api
        .call("DELETE", "/api/match", Some(&cy.token), None)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(matching(&api, &cy, "GET").await["state"], "idle");
    // Leaving a match is one side's; the conversation stays.
    api.call("DELETE", "/api/match", Some(&bob.token), None)
        .await;
    assert_eq!(matching(&api, &bob, "GET").await["state"], "idle");
    assert_eq!(matching(&api, &ada, "GET").await["state"], "matched");
    assert_eq!(api.history(&bob, &conversation).await.len(), 1);
    let r = api.call("POST", "/api/match", None, None).await;
    assert_eq!(r.status, 401);

    // Eight users ask at once: four pairs, nobody in two.
    let mut crowd = Vec::new();
    for i in 0..8 {
        crowd.push(api.signup(&format!("crowd{i}")).await);
    }
    let asks = crowd.iter().map(|u| matching(&api, u, "POST"));
    futures::future::join_all(asks).await;
    let mut partners = std::collections::BTreeMap::new();
    let mut waiting = 0;
    for u in &crowd {
        let m = matching(&api, u, "GET").await;
        match m["state"].as_str() {
            Some("matched") => {
                partners.insert(
                    u.id.clone(),
                    m["with"]["user_id"].as_str().unwrap().to_owned(),
                );
            }
            Some("waiting") => waiting += 1,
            other => panic!("{other:?}"),
        }
    }
    for (me, other) in &partners {
        assert_eq!(partners.get(other), Some(me), "pairs are mutual");
    }
    assert!(
        waiting <= 1,
        "{waiting} left waiting with others waiting too"
    );
    assert_eq!(partners.len() + waiting, 8);
}

async fn blocking_stops_messages_requests_groups_and_matches(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let direct = api.direct(&alice, &bob).await;
    let group = api.group(&carol, "Shared", &[&alice, &bob]).await;
    let r = api
        .call(
            "POST",
            "/api/friends/requests",
            Some(&bob.token),
            Some(json!({"user_id": alice.id})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;

    let block = |method: &'static str, who: &common::User| {
        let path = format!("/api/blocks/{}", who.id);
        let token = alice.token.clone();
        let api = &api;
        async move { api.call(method, &path, Some(&token), None).await }
    };
    assert_eq!(block("PUT", &bob).await.status, 204);
    assert_eq!(
        block("PUT", &bob).await.status,
        204,
        "blocking twice is fine"
    );
    let list = api
        .call("GET", "/api/blocks", Some(&alice.token), None)
        .await;
    assert_eq!(list.body["blocked"][0]["handle"], "bob");
    let friends = api
        .call("GET", "/api/friends", Some(&bob.token), None)
        .await;
    assert!(
        friends.body["outgoing"].as_array().unwrap().is_empty(),
        "the request ended"
    );

    // No direct messages either way.
    for (ws, id) in [(&mut bob_ws, "b-1"), (&mut alice_ws, "a-1")] {
        ws.send(json!({"action": "send", "id": id, "conversation_id": direct, "text": "hello?"}))
            .await;
        expect_refusal(ws, id, "forbidden").await;
    }
    bob_ws
        .send(json!({"action": "typing", "id": "t-1", "conversation_id": direct}))
        .await;
    expect_refusal(&mut bob_ws, "t-1", "forbidden").await;
    // No new relations.
    for (path, body) in [
        (
            "/api/conversations",
            json!({"kind": "direct", "user_id": alice.id}),
        ),
        ("/api/friends/requests", json!({"user_id": alice.id})),
        (
            "/api/conversations",
            json!({"kind": "group", "title": "Trap", "member_ids": [alice.id]}),
        ),
    ] {
        let r = api.call("POST", path, Some(&bob.token), Some(body)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {}",
            r.body
        );
    }
    let bobs_group = api.group(&bob, "Bob's", &[&carol]).await;
    let r = api
        .call(
            "POST",
            &format!("/api/conversations/{bobs_group}/members"),
            Some(&bob.token),
            Some(json!({"user_id": alice.id})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // In a shared group bob's words reach carol, not alice.
    bob_ws.send_message(&group, "g-1", "psst").await;
    assert_eq!(carol_ws.next_of(&["message"]).await["text"], "psst");
    let withheld = alice_ws.next_of(&["message"]).await;
    assert_eq!(withheld["withheld"], true, "{withheld}");
    assert!(withheld.get("text").is_none());
    let history = api.history(&alice, &group).await;
    assert!(history[0].get("text").is_none() && history[0]["withheld"] == true);
    assert_eq!(api.history(&carol, &group).await[0]["text"], "psst");

    // Nor are they matched.
    let r = api
        .call("POST", "/api/match", Some(&alice.token), None)
        .await;
    assert_eq!(r.body["state"], "waiting");
    let r = api.call("POST", "/api/match", Some(&bob.token), None).await;
    assert_eq!(r.body["state"], "waiting", "{}", r.body);

    // Unblocking restores direct messages; refusals are typed.
    assert_eq!(block("DELETE", &bob).await.status, 204);
    assert_eq!(block("DELETE", &bob).await.status, 404);
    assert_eq!(block("PUT", &alice).await.status, 400, "not yourself");
    let r = api
        .call(
            "PUT",
            "/api/blocks/0190a7a4-0000-7000-8000-00000000dead",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    alice_ws.drain().await;
    bob_ws.send_message(&direct, "b-2", "friends again?").await;
    assert_eq!(
        alice_ws.next_of(&["message"]).await["text"],
        "friends again?"
    );
}

async fn users_are_found_by_handle_prefix_a_page_at_a_time(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    for h in ["ann1", "ann2", "ann3", "anna", "bob"] {
        api.signup(h).await;
    }
    let me = api.signup("zed").await;
    let search = |q: &str| {
        let path = format!("/api/users?{q}");
        let token = me.token.clone();
        let api = &api;
        async move { api.call("GET", &path, Some(&token), None).await }
    };
    let handles = |r: &common::Reply| -> Vec<String> {
        r.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["handle"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = search("prefix=ANN&limit=2").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(handles(&first), ["ann1", "ann2"]);
    assert_eq!(first.body["next_cursor"], "ann2");
    let second = search("prefix=ann&limit=2&cursor=ann2").await;
    assert_eq!(handles(&second), ["ann3", "anna"]);
    assert!(second.body.get("next_cursor").is_none(), "{}", second.body);
    assert_eq!(handles(&search("prefix=b").await), ["bob"]);
    assert!(
        handles(&search("prefix=ann&cursor=b").await).is_empty(),
        "past them all"
    );
    assert_eq!(
        handles(&search("prefix=ann&limit=1&cursor=a").await),
        ["ann1"]
    );
    assert!(handles(&search("prefix=q").await).is_empty());
    for bad in ["prefix=", "prefix=a-b", "limit=3"] {
        let r = search(bad).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (400, Some("invalid_request")),
            "{bad}"
        );
    }
    assert_eq!(
        api.call("GET", "/api/users?prefix=a", None, None)
            .await
            .status,
        401
    );
}

async fn group_admins_promote_and_demote_and_one_admin_stays(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let group = api.group(&alice, "Roles", &[&bob, &carol]).await;
    let set = |by: &common::User, who: &common::User, role: &str| {
        let path = format!("/api/conversations/{group}/members/{}", who.id);
        let (token, body) = (by.token.clone(), json!({"role": role}));
        let api = &api;
        async move { api.call("PATCH", &path, Some(&token), Some(body)).await }
    };
    let r = set(&bob, &carol, "admin").await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("forbidden"))
    );
    let r = set(&alice, &bob, "admin").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let role_of = |view: &Value, who: &common::User| {
        view["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == who.id.as_str())
            .unwrap()["role"]
            .clone()
    };
    assert_eq!(role_of(&r.body, &bob), "admin");
    let r = set(&bob, &alice, "member").await;
    assert_eq!(role_of(&r.body, &alice), "member");
    let r = set(&alice, &carol, "admin").await;
    assert_eq!(r.status, 403, "alice is no longer an admin");
    let r = set(&bob, &bob, "member").await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("conflict")),
        "the last admin stays"
    );
    let r = set(&bob, &carol, "owner").await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let stranger = api.signup("dave").await;
    let r = set(&bob, &stranger, "admin").await;
    assert_eq!(r.status, 404);
}

async fn unread(api: &Api, user: &common::User) -> u64 {
    let list = api
        .call("GET", "/api/conversations", Some(&user.token), None)
        .await;
    list.body["conversations"][0]["unread"].as_u64().unwrap()
}

async fn delivered_and_seen_reach_the_sender_and_unread_counts_messages(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;

    // Nobody else online: stored, not delivered.
    alice_ws
        .send_message(&direct, "d-1", "are you there?")
        .await;
    let seen = alice_ws.until_pong("p-1").await;
    assert!(!seen.iter().any(|f| f["status"] == "delivered"), "{seen:?}");
    assert_eq!(unread(&api, &bob).await, 1);

    let mut bob_ws = api.connect(&bob).await;
    alice_ws.send_message(&direct, "d-2", "now?").await;
    let delivered = alice_ws.next_of(&["delivered"]).await;
    assert_eq!(
        (delivered["id"].as_str(), delivered["seq"].as_u64()),
        (Some("d-2"), Some(2))
    );
    assert_eq!(bob_ws.next_of(&["message"]).await["seq"], 2);
    // An edit is an entry, not an unread message; your own never count.
    alice_ws
        .send(json!({"action": "edit", "id": "e-1", "conversation_id": direct, "seq": 2, "text": "now??"}))
        .await;
    assert_eq!(bob_ws.next_of(&["message"]).await["kind"], "edit");
    for status in ["accepted", "persisted"] {
        assert_eq!(alice_ws.next_of(&["ack"]).await["status"], status);
    }
    assert_eq!(unread(&api, &bob).await, 2);
    assert_eq!(unread(&api, &alice).await, 0);

    // Seen: bob's read position reaches alice.
    bob_ws
        .send(json!({"action": "read", "conversation_id": direct, "seq": 3}))
        .await;
    let r = alice_ws.next_of(&["read"]).await;
    assert_eq!(
        (r["user_id"].as_str(), r["seq"].as_u64()),
        (Some(bob.id.as_str()), Some(3))
    );
    assert_eq!(unread(&api, &bob).await, 0);
}

async fn retention_removes_old_messages_from_history_resume_and_storage(backend: Backend) {
    let (_dir, _local, api) = start(&backend).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let direct = api.direct(&alice, &bob).await;
    let mut alice_ws = api.connect(&alice).await;
    alice_ws
        .send_message(&direct, "r-1", "before retention")
        .await;

    let retention = |user: &common::User, conv: &str, days: Value| {
        let path = format!("/api/conversations/{conv}/retention");
        let (token, body) = (user.token.clone(), json!({ "days": days }));
        let api = &api;
        async move { api.call("PUT", &path, Some(&token), Some(body)).await }
    };
    let r = retention(&bob, &direct, json!(1)).await;
    assert_eq!(
        (r.status, r.body["retention_days"].as_u64()),
        (200, Some(1)),
        "{}",
        r.body
    );
    let f = alice_ws.next_of(&["retention"]).await;
    assert_eq!(
        (f["days"].as_u64(), f["set_by"].as_str()),
        (Some(1), Some(bob.id.as_str()))
    );
    let r = retention(&bob, &direct, json!(3)).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let r = api
        .call(
            "PUT",
            &format!("/api/conversations/{direct}/retention"),
            Some(&bob.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 400, "leaving days out is not \"off\": {}", r.body);
    assert_eq!(retention(&carol, &direct, json!(7)).await.status, 404);
    let group = api.group(&alice, "Kept", &[&bob]).await;
    assert_eq!(
        retention(&bob, &group, json!(7)).await.status,
        403,
        "admins only"
    );

    alice_ws
        .send_message(&direct, "r-2", "under retention")
        .await;
    // Two days on, both are gone: the one stored before retention was set
    // too, once the stream has worked through the conversation.
    let now = api
        .call(
            "POST",
            "/_local/clock",
            None,
            Some(json!({"seconds": 2 * 86_400})),
        )
        .await;
    assert_eq!(now.status, 200, "{}", now.body);
    // Access tokens live minutes: sign in again.
    let (alice, bob) = (api.signin(&alice).await, api.signin(&bob).await);
    common::eventually("old messages hidden", || async {
        api.history(&bob, &direct).await.is_empty()
    })
    .await;
    let ack = alice_ws.send_message(&direct, "r-3", "fresh").await;
    assert_eq!(ack["seq"], 3, "numbers never go back");
    let texts: Vec<Value> = api
        .history(&bob, &direct)
        .await
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(texts, [json!("fresh")]);
    let mut bob_ws = api.connect(&bob).await;
    bob_ws
        .send(json!({"action": "resume", "id": "res", "conversation_id": direct, "last_seq": 0}))
        .await;
    let m = bob_ws.next_of(&["message", "resumed"]).await;
    assert_eq!(
        (m["type"].as_str(), m["seq"].as_u64()),
        (Some("message"), Some(3))
    );
    let done = bob_ws.next_of(&["resumed"]).await;
    assert_eq!(
        (done["last_seq"].as_u64(), done["more"].as_bool()),
        (Some(3), Some(false))
    );
    // A message past its retention takes no votes, even before it is swept.
    bob_ws
        .send(json!({"action": "vote", "conversation_id": direct, "seq": 2, "vote": "up"}))
        .await;
    let refused = bob_ws.next_of(&["error", "votes"]).await;
    assert_eq!(refused["code"], "not_found", "{refused}");
    if matches!(backend, Backend::Embedded) {
        // The sweep removes them from storage (DynamoDB's TTL does on AWS).
        let swept = api.call("POST", "/_local/sweep", None, None).await;
        assert!(
            swept.body["removed"].as_u64().unwrap() >= 2,
            "{}",
            swept.body
        );
    }

    // Off again: what is there now stays.
    let r = retention(&alice, &direct, Value::Null).await;
    assert!(r.body.get("retention_days").is_none(), "{}", r.body);
    let f = alice_ws.next_of(&["retention"]).await;
    assert!(f.get("days").is_none(), "{f}");
    alice_ws.send_message(&direct, "r-4", "kept").await;
    api.call(
        "POST",
        "/_local/clock",
        None,
        Some(json!({"seconds": 40 * 86_400})),
    )
    .await;
    let bob = api.signin(&bob).await;
    common::eventually("kept messages stay", || async {
        api.history(&bob, &direct).await.len() == 2
    })
    .await;
}

both_backends!(
    retention_removes_old_messages_from_history_resume_and_storage,
    delivered_and_seen_reach_the_sender_and_unread_counts_messages,
    blocking_stops_messages_requests_groups_and_matches,
    users_are_found_by_handle_prefix_a_page_at_a_time,
    group_admins_promote_and_demote_and_one_admin_stays,
    random_matching_pairs_waiting_users_once_and_tells_both,
    edits_and_deletes_are_ordered_entries_that_every_member_sees,
    votes_are_one_per_user_and_every_member_sees_the_counts,
    a_burst_of_sends_from_one_connection_arrives_in_send_order,
    a_message_sent_over_http_takes_the_same_path_once,
    direct_and_group_messages_reach_every_member_connection_and_nobody_else,
    a_spoofed_sender_is_ignored_and_a_non_member_gets_an_error,
    the_same_client_message_id_is_stored_and_delivered_once,
    resume_after_a_disconnect_returns_exactly_the_missed_messages_in_order,
    typing_and_read_receipts_reach_the_other_members,
    presence_counts_follow_connections,
    bad_frames_get_typed_errors_and_the_connection_stays_open,
    an_oversize_frame_closes_only_that_connection_with_1009,
    a_text_frame_that_is_not_utf8_closes_only_that_connection_with_1007,
    http_details_match_the_documents,
    bad_tickets_fail_the_handshake,
    a_reused_refresh_token_revokes_its_family_and_tickets_expire,
    a_flooding_client_is_rate_limited_and_nobody_else_is,
    idle_connections_are_closed_with_1001_and_disconnected,
    active_connections_are_closed_at_the_end_of_their_lifetime,
    the_management_api_speaks_api_gateways_wire_format,
);
