//! The message function fed with real-shaped API Gateway events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chitter_core::app::conversations::{self, ConversationView};
use chitter_core::domain::Caller;
use chitter_core::domain::{ConnectionId, StreamMessage};
use chitter_core::protocol::{AckStatus, ErrorCode, ServerFrame};
use chitter_testing::World;
use serde_json::{Value, json};

const SEND: &str = include_str!("../../../infra/events/message-send.json");

fn event(
    user: &Caller,
    connection: &str,
    route: &str,
    body: &str,
    base64: bool,
) -> aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest {
    let mut v: Value = serde_json::from_str(SEND).unwrap();
    v["requestContext"]["authorizer"]["user_id"] = json!(user.user_id.to_string());
    v["requestContext"]["authorizer"]["handle"] = json!(user.handle.as_str());
    v["requestContext"]["connectionId"] = json!(connection);
    v["requestContext"]["routeKey"] = json!(route);
    v["body"] = json!(body);
    v["isBase64Encoded"] = json!(base64);
    serde_json::from_value(v).unwrap()
}

/// Ada and Bob, and their direct conversation.
async fn ada_and_bob() -> (World, Caller, Caller, ConversationView) {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    (w, ada, bob, c)
}

#[tokio::test]
async fn the_fixture_deserialises_into_the_real_event_type() {
    let e: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
        serde_json::from_str(SEND).unwrap();
    assert_eq!(e.request_context.route_key.as_deref(), Some("send"));
    assert_eq!(e.request_context.authorizer.fields["handle"], "ada");
}

#[tokio::test]
async fn send_appends_to_the_stream_and_acks_accepted() {
    let (w, ada, bob, c) = ada_and_bob().await;
    let conn = w.connect(&ada, "ada-1").await;
    let body = json!({"action": "send", "id": "c-1", "conversation_id": c.conversation_id, "text": "hi", "sender_id": bob.user_id}).to_string();

    let r = chitter_message::handle(&w.svc, event(&ada, "ada-1", "send", &body, false))
        .await
        .unwrap();
    assert_eq!(r.status_code, 200);

    let frames = w.pusher.take(&conn);
    let [
        ServerFrame::Ack {
            id, status, seq, ..
        },
    ] = frames.as_slice()
    else {
        panic!("{frames:?}");
    };
    assert_eq!(
        (id.as_str(), *status, *seq),
        ("c-1", AckStatus::Accepted, None)
    );
    let shard = w.stream.shard_of(&c.conversation_id.to_string());
    let records = w.stream.read(shard, 10).unwrap();
    assert_eq!(records.len(), 1);
    let record: Value = serde_json::from_slice(&records[0].data).unwrap();
    assert_eq!(record["type"], "message");
    // The sender is the connection's user, never the payload's.
    assert_eq!(record["sender_id"], ada.user_id.to_string());
    assert_eq!(record["origin"], "ada-1");
}

#[tokio::test]
async fn bad_frames_are_answered_with_error_frames() {
    let w = World::new();
    let ada = w.user("ada").await;
    let conn = w.connect(&ada, "ada-1").await;
    let cases: [(&str, bool, ErrorCode); 4] = [
        ("{oops", false, ErrorCode::MalformedJson),
        (r#"{"action":"fly"}"#, false, ErrorCode::UnknownAction),
        (
            r#"{"action":"send","id":"x"}"#,
            false,
            ErrorCode::InvalidFrame,
        ),
        ("AAEC", true, ErrorCode::InvalidFrame),
    ];
    for (body, base64, expected) in cases {
        let r = chitter_message::handle(&w.svc, event(&ada, "ada-1", "$default", body, base64))
            .await
            .unwrap();
        assert_eq!(r.status_code, 200);
        let frames = w.pusher.take(&conn);
        assert!(
            matches!(frames.as_slice(), [ServerFrame::Error { code, .. }] if *code == expected),
            "{body}: {frames:?}"
        );
    }
}

#[tokio::test]
async fn a_resume_whose_page_cannot_be_pushed_ends_with_an_unavailable_error() {
    let (w, ada, bob, c) = ada_and_bob().await;
    for n in 1..=3 {
        let m: StreamMessage = serde_json::from_value(json!({
            "message_id": format!("0190a7a4-0000-7000-8000-00000000000{n}"),
            "conversation_id": c.conversation_id,
            "sender_id": bob.user_id,
            "client_msg_id": format!("b-{n}"),
            "text": format!("hi {n}"),
            "sent_at": "2026-11-24T09:15:09.433Z",
        }))
        .unwrap();
        w.svc.messages.persist(&m).await.unwrap();
    }
    let conn = w.connect(&ada, "ada-1").await;
    w.pusher.take(&conn);
    // The first message goes; the second's push fails.
    w.pusher.fail_after(&conn, 1);

    let body = json!({"action": "resume", "id": "r-1", "conversation_id": c.conversation_id, "last_seq": 0}).to_string();
    chitter_message::handle(&w.svc, event(&ada, "ada-1", "resume", &body, false))
        .await
        .unwrap();

    let frames = w.pusher.take(&conn);
    assert!(
        matches!(
            frames.as_slice(),
            [
                ServerFrame::Message(m),
                ServerFrame::Error { id: Some(id), code: ErrorCode::Unavailable, .. },
            ] if m.seq.0 == 1 && id == "r-1"
        ),
        "the page stops at the failure, and no `resumed` says it is complete: {frames:?}"
    );
}

#[tokio::test]
async fn a_non_member_cannot_send() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let eve = w.user("eve").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let conn = w.connect(&eve, "eve-1").await;
    let body =
        json!({"action": "send", "id": "e-1", "conversation_id": c.conversation_id, "text": "hi"})
            .to_string();
    chitter_message::handle(&w.svc, event(&eve, "eve-1", "send", &body, false))
        .await
        .unwrap();
    let frames = w.pusher.take(&conn);
    assert!(
        matches!(frames.as_slice(), [ServerFrame::Error { code: ErrorCode::NotAMember, id: Some(id), .. }] if id == "e-1"),
        "{frames:?}"
    );
    let shard = w.stream.shard_of(&c.conversation_id.to_string());
    assert!(w.stream.read(shard, 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_authorizer_context_is_refused() {
    let w = World::new();
    let mut v: Value = serde_json::from_str(SEND).unwrap();
    v["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let e = serde_json::from_value(v).unwrap();
    let r = chitter_message::handle(&w.svc, e).await.unwrap();
    assert_eq!(r.status_code, 401);
    assert!(
        w.pusher
            .frames(&ConnectionId::parse("Lz2mCf8JoAMCEyA=").unwrap())
            .is_empty()
    );
}

#[tokio::test]
async fn a_reply_to_a_gone_connection_prunes_it_and_tells_the_others() {
    let (w, ada, bob, c) = ada_and_bob().await;
    let ada_conn = w.connect(&ada, "ada-1").await;
    let bob_conn = w.connect(&bob, "bob-1").await;
    w.pusher.take(&bob_conn);
    w.pusher.set_gone(&ada_conn);
    // Past the handshake grace, a 410 means the connection is really gone.
    w.clock.advance(std::time::Duration::from_secs(31));

    let ping = json!({"action": "ping", "id": "p-1"}).to_string();
    chitter_message::handle(&w.svc, event(&ada, "ada-1", "ping", &ping, false))
        .await
        .unwrap();

    assert!(
        w.svc
            .connections
            .connection(&ada_conn)
            .await
            .unwrap()
            .is_none(),
        "the gone connection was pruned"
    );
    assert_eq!(
        w.pusher.take(&bob_conn),
        vec![ServerFrame::Presence {
            conversation_id: c.conversation_id,
            online: 1,
        }],
        "bob hears that ada went offline"
    );
}
