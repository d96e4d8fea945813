//! The persist function fed with real-shaped Kinesis batches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::kinesis::KinesisEvent;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chitter_core::app::conversations;
use chitter_core::domain::Caller;
use chitter_core::domain::{ConversationId, Seq};
use chitter_core::protocol::{AckStatus, ServerFrame};
use chitter_testing::World;
use serde_json::{Value, json};

const BATCH: &str = include_str!("../../../infra/events/persist-batch.json");

fn record_data(
    conversation: ConversationId,
    sender: &Caller,
    client_id: &str,
    text: &str,
    origin: &str,
) -> Value {
    json!({
        "type": "message",
        "message_id": uuid_like(client_id),
        "conversation_id": conversation,
        "sender_id": sender.user_id,
        "client_msg_id": client_id,
        "text": text,
        "sent_at": "2026-11-24T09:15:09.433Z",
        "origin": origin,
    })
}

fn uuid_like(seed: &str) -> String {
    let n: u64 = seed
        .bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("0190a7a4-0000-7000-8000-{:012x}", n & 0xffff_ffff_ffff)
}

/// The fixture's record, repeated with our data and increasing sequence numbers.
fn batch(datas: &[Value]) -> KinesisEvent {
    let fixture: Value = serde_json::from_str(BATCH).unwrap();
    let template = fixture["Records"][0].clone();
    let records: Vec<Value> = datas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut r = template.clone();
            let seq = format!(
                "4965842197732091521358096338123985639874352947531292{:04}",
                i
            );
            r["kinesis"]["data"] = json!(STANDARD.encode(d.to_string()));
            r["kinesis"]["partitionKey"] = match &d["conversation_id"] {
                Value::Null => json!("junk"),
                id => id.clone(),
            };
            r["kinesis"]["sequenceNumber"] = json!(seq);
            r["eventID"] = json!(format!("shardId-000000000000:{seq}"));
            r
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// The sequence numbers of the messages pushed to a connection so far.
fn delivered_seqs(w: &World, connection: &chitter_core::domain::ConnectionId) -> Vec<u64> {
    w.pusher
        .take(connection)
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Message(m) => Some(m.seq.0),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_fixture_is_a_valid_batch() {
    let e: KinesisEvent = serde_json::from_str(BATCH).unwrap();
    let m: Value = serde_json::from_slice(&e.records[0].kinesis.data).unwrap();
    assert_eq!(m["type"], "message");
}

#[tokio::test]
async fn a_batch_is_stored_in_order_acked_and_delivered_once() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let ada_conn = w.connect(&ada, "ada-1").await;
    let bob_conn = w.connect(&bob, "bob-1").await;
    w.pusher.take(&ada_conn);

    let datas: Vec<Value> = (1..=3)
        .map(|i| {
            record_data(
                c.conversation_id,
                &ada,
                &format!("c-{i}"),
                &format!("m{i}"),
                "ada-1",
            )
        })
        .collect();
    let r = chitter_persist::handle(&w.svc, batch(&datas))
        .await
        .unwrap();
    assert!(r.batch_item_failures.is_empty());

    let acks: Vec<(String, Option<Seq>)> = w
        .pusher
        .take(&ada_conn)
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Ack {
                id,
                status: AckStatus::Persisted,
                seq,
                ..
            } => Some((id.to_string(), seq)),
            _ => None,
        })
        .collect();
    assert_eq!(
        acks,
        vec![
            ("c-1".into(), Some(Seq(1))),
            ("c-2".into(), Some(Seq(2))),
            ("c-3".into(), Some(Seq(3)))
        ]
    );
    assert_eq!(delivered_seqs(&w, &bob_conn), vec![1, 2, 3]);

    // The stream redelivers the same batch: nothing is stored twice, and
    // the records are delivered again under the same sequence numbers
    // (at least once: an earlier run may have died before delivering).
    let r = chitter_persist::handle(&w.svc, batch(&datas))
        .await
        .unwrap();
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(delivered_seqs(&w, &bob_conn), vec![1, 2, 3]);
    assert_eq!(
        w.svc
            .messages
            .history(c.conversation_id, None, 10)
            .await
            .unwrap()
            .len(),
        3
    );

    // A client resending a stored message (a new message id, the same client
    // message id) is acknowledged but not shown again.
    w.pusher.take(&ada_conn);
    let mut resend = datas[0].clone();
    resend["message_id"] = json!("0190a7a4-0000-7000-8000-00000000beef");
    chitter_persist::handle(&w.svc, batch(&[resend]))
        .await
        .unwrap();
    assert!(w.pusher.take(&bob_conn).is_empty());
    let acks = w.pusher.take(&ada_conn);
    assert!(
        matches!(
            acks.as_slice(),
            [ServerFrame::Ack {
                seq: Some(Seq(1)),
                ..
            }]
        ),
        "{acks:?}"
    );
}

#[tokio::test]
async fn undecodable_records_are_skipped_and_a_failing_record_is_reported() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let missing = ConversationId::new();
    let datas = vec![
        json!("not a stream event"),
        record_data(c.conversation_id, &ada, "ok-1", "fine", "ada-1"),
        // A conversation the store does not have: its write fails.
        record_data(missing, &ada, "bad-1", "lost?", "ada-1"),
        record_data(missing, &ada, "bad-2", "after the failure", "ada-1"),
        record_data(c.conversation_id, &ada, "ok-2", "also fine", "ada-1"),
    ];
    let event = batch(&datas);
    let third = event.records[2].kinesis.sequence_number.clone();
    let r = chitter_persist::handle(&w.svc, event).await.unwrap();
    let failures: Vec<_> = r
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failures, vec![Some(third)]);
    // The other conversation went through, in order.
    let stored = w
        .svc
        .messages
        .after(c.conversation_id, Seq::ZERO, 10)
        .await
        .unwrap();
    let texts: Vec<&str> = stored
        .iter()
        .filter_map(|m| m.text.as_ref().map(|t| t.as_str()))
        .collect();
    assert_eq!(texts, vec!["fine", "also fine"]);
}

#[tokio::test]
async fn a_gone_connection_is_removed_once_past_its_handshake() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let bob_conn = w.connect(&bob, "bob-1").await;
    w.pusher.set_gone(&bob_conn);

    let data = record_data(c.conversation_id, &ada, "g-1", "one", "ada-1");
    chitter_persist::handle(&w.svc, batch(&[data]))
        .await
        .unwrap();
    // Young: perhaps still connecting, so it stays.
    assert!(
        w.svc
            .connections
            .connection(&bob_conn)
            .await
            .unwrap()
            .is_some()
    );

    w.clock.advance(std::time::Duration::from_secs(31));
    let data = record_data(c.conversation_id, &ada, "g-2", "two", "ada-1");
    chitter_persist::handle(&w.svc, batch(&[data]))
        .await
        .unwrap();
    assert!(
        w.svc
            .connections
            .connection(&bob_conn)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn retention_works_through_a_long_conversation_a_page_per_record() {
    use chitter_core::domain::Retention;
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let id = c.conversation_id;
    let datas: Vec<Value> = (0..250)
        .map(|i| record_data(id, &ada, &format!("c-{i}"), "old", "ada-1"))
        .collect();
    let r = chitter_persist::handle(&w.svc, batch(&datas))
        .await
        .unwrap();
    assert!(r.batch_item_failures.is_empty());
    // Sent days ago (the fixture's time): 30 days keeps them, stamped.
    conversations::set_retention(&w.svc, &bob, id, Some(Retention::days(30).unwrap()))
        .await
        .unwrap();

    // The first page is applied and the next one is put on the stream.
    let shard = w.stream.shard_of(&id.to_string());
    let before = w.stream.read(shard, 1000).unwrap().len();
    let first = json!({"type": "retention", "conversation_id": id, "after": 0});
    let r = chitter_persist::handle(&w.svc, batch(&[first]))
        .await
        .unwrap();
    assert!(r.batch_item_failures.is_empty());
    let records = w.stream.read(shard, 1000).unwrap();
    assert_eq!(records.len(), before + 1, "one record for the next page");
    let next: Value = serde_json::from_slice(&records.last().unwrap().data).unwrap();
    assert_eq!(
        (next["type"].as_str(), next["after"].as_u64()),
        (Some("retention"), Some(200))
    );
    let stored = w.svc.messages.after(id, Seq::ZERO, 300).await.unwrap();
    let stamped = stored.iter().filter(|m| m.expires_at.is_some()).count();
    assert_eq!(stamped, 200);

    // That page finishes the conversation and asks for no more.
    let r = chitter_persist::handle(&w.svc, batch(&[next]))
        .await
        .unwrap();
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(w.stream.read(shard, 1000).unwrap().len(), before + 1);
    let stored = w.svc.messages.after(id, Seq::ZERO, 300).await.unwrap();
    assert!(stored.iter().all(|m| m.expires_at.is_some()));

    // A month on, the same pass removes them, and history is empty.
    w.clock.advance(std::time::Duration::from_secs(31 * 86_400));
    for after in [0, 200] {
        let page = json!({"type": "retention", "conversation_id": id, "after": after});
        chitter_persist::handle(&w.svc, batch(&[page]))
            .await
            .unwrap();
    }
    assert!(
        w.svc
            .messages
            .after(id, Seq::ZERO, 300)
            .await
            .unwrap()
            .is_empty()
    );
}
