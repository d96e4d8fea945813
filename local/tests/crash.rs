//! A message acknowledged `accepted` survives SIGKILL of chitter-local: it
//! is persisted and delivered after a restart on the same data dir, once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{Backend, Local};
use serde_json::json;

async fn accepted_messages_survive_sigkill_and_are_delivered_once_after_restart(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    // The consumer is held back, so every message is accepted (on disk in
    // the stream) and none is persisted when the process dies.
    let local = Local::start(dir.path(), &backend, &["--stream-paused"]).await;
    let api = local.api();
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let group = api.group(&alice, "Crash", &[&bob, &carol]).await;
    let direct = api.direct(&alice, &bob).await;

    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    let mut sent = Vec::new();
    for i in 1..=5 {
        let (ws, conv, id) = if i % 2 == 0 {
            (&mut bob_ws, &group, format!("b-{i}"))
        } else {
            (&mut alice_ws, &group, format!("a-{i}"))
        };
        ws.send(json!({"action": "send", "id": id, "conversation_id": conv, "text": format!("msg {i}")}))
            .await;
        let ack = ws.next_of(&["ack"]).await;
        assert_eq!(
            (ack["status"].as_str(), ack["id"].as_str()),
            (Some("accepted"), Some(id.as_str()))
        );
        sent.push(format!("msg {i}"));
    }
    alice_ws
        .send(json!({"action": "send", "id": "d-1", "conversation_id": direct, "text": "direct"}))
        .await;
    assert_eq!(alice_ws.next_of(&["ack"]).await["status"], "accepted");
    // Nothing was persisted: no `persisted` acks, no deliveries.
    for ws in [&mut alice_ws, &mut bob_ws] {
        assert!(ws.drain().await.is_empty());
    }
    let status = api.call("GET", "/_local/stream", None, None).await;
    let pending: u64 = status.body["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(pending, 6);

    local.kill().await;

    let local = Local::start(dir.path(), &backend, &["--stream-paused"]).await;
    let api = local.api();
    // Access tokens survive: the signing key is kept in the data dir.
    let mut bob_ws = api.connect(&bob).await;
    let mut carol_ws = api.connect(&carol).await;
    let r = api.call("POST", "/_local/stream/resume", None, None).await;
    assert_eq!(r.status, 204);

    let mut others = [Vec::new(), Vec::new()];
    for (ws, directs) in [&mut bob_ws, &mut carol_ws]
        .into_iter()
        .zip(others.iter_mut())
    {
        let mut got = BTreeMap::new();
        while got.len() < 5 {
            let m = ws.next_of(&["message"]).await;
            if m["conversation_id"] != group.as_str() {
                directs.push(m);
                continue;
            }
            let previous = got.insert(
                m["seq"].as_u64().unwrap(),
                m["text"].as_str().unwrap().to_owned(),
            );
            assert!(previous.is_none(), "delivered twice: {m}");
        }
        assert_eq!(got.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        let mut texts: Vec<String> = got.into_values().collect();
        texts.sort();
        assert_eq!(texts, sent);
    }
    // Bob also gets the direct message (it may come before or after the
    // group's: another conversation, maybe another shard); then nothing
    // more, to anyone.
    let [bob_directs, carol_directs] = &mut others[..] else {
        unreachable!()
    };
    if bob_directs.is_empty() {
        bob_directs.push(bob_ws.next_of(&["message"]).await);
    }
    assert!(bob_ws.drain().await.iter().all(|f| f["type"] != "message"));
    let directs = bob_directs;
    assert_eq!(directs.len(), 1, "{directs:?}");
    assert!(carol_directs.is_empty(), "{carol_directs:?}");
    assert_eq!(
        (
            directs[0]["conversation_id"].as_str(),
            directs[0]["text"].as_str()
        ),
        (Some(direct.as_str()), Some("direct"))
    );
    assert!(
        carol_ws
            .drain()
            .await
            .iter()
            .all(|f| f["type"] != "message")
    );
    assert_eq!(api.history(&carol, &group).await.len(), 5);
    assert_eq!(api.history(&bob, &direct).await.len(), 1);
    // The consumer checkpoints after persist returns: wait for it.
    common::eventually("the stream to drain", || async {
        let status = api.call("GET", "/_local/stream", None, None).await;
        status.body["pending"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n == 0)
    })
    .await;
}

async fn a_restart_keeps_accounts_conversations_and_history(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let direct = api.direct(&alice, &bob).await;
    let mut ws = api.connect(&alice).await;
    ws.send_message(&direct, "k-1", "kept").await;
    local.kill().await;

    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    let r = api
        .call(
            "POST",
            "/api/auth/signin",
            None,
            Some(json!({"handle": "alice", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(r.status, 200);
    let history = api.history(&bob, &direct).await;
    assert_eq!(history.len(), 1);
    let mut ws = api.connect(&alice).await;
    let ack = ws.send_message(&direct, "k-2", "after restart").await;
    assert_eq!(ack["seq"], 2);
    // Connections do not survive a restart: nobody is online but alice.
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

both_backends!(
    accepted_messages_survive_sigkill_and_are_delivered_once_after_restart,
    a_restart_keeps_accounts_conversations_and_history,
);
