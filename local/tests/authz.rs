//! The authorization matrix. Every operation of the HTTP API is read from
//! `docs/openapi.yaml`, so a route added there cannot escape the table, and
//! every operation is checked against the router (a documented operation
//! that the server does not route fails). Each row says what a caller who
//! may not use the operation gets: no token, an expired or forged token,
//! another user, a non-member, a member who is not an admin, a removed
//! member. The socket's conversation actions (read from the protocol's
//! list) are checked for non-members.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use chitter_testing::openapi::{self, Op};
use common::{Api, Backend, Local, User};
use serde_json::{Value, json};

/// The operations `docs/openapi.yaml` documents.
fn documented() -> Vec<Op> {
    openapi::operations()
}

/// Every path the router serves (`functions/crud/src/lib.rs`), its
/// parameters' names erased.
fn routed_paths() -> BTreeSet<String> {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/crud/src/lib.rs"
    ))
    .expect("the router");
    src.split('"')
        .filter(|s| s.starts_with("/api/"))
        .map(erase_params)
        .collect()
}

fn erase_params(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The operations anyone may call without a token.
const PUBLIC: [(&str, &str); 8] = [
    ("GET", "/api/health"),
    ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/signin"),
    ("GET", "/api/auth/oidc"),
    ("POST", "/api/auth/oidc"),
    ("POST", "/api/auth/oidc/start"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/signout"),
];

/// Ids to put in a path's parameters, and a valid body for the operation,
/// so that a refusal is about who asks, not about what they sent.
struct Fixture {
    conversation: String,
    other_user: String,
    other_handle: String,
    upload: String,
    theme: String,
    emoji: String,
}

impl Fixture {
    fn path(&self, template: &str) -> String {
        template
            .replace("{id}", &self.conversation)
            .replace("{user_id}", &self.other_user)
            .replace("{handle}", &self.other_handle)
            .replace("{seq}", "1")
            .replace("{upload}", &self.upload)
    }

    fn body(&self, op: &Op) -> Option<Value> {
        let b = match (op.method.as_str(), op.path.as_str()) {
            ("GET" | "DELETE", _) => return None,
            ("POST", "/api/conversations/{id}/messages") => json!({"id": "authz-1", "text": "hi"}),
            ("PATCH", "/api/conversations/{id}") => json!({"title": "Renamed"}),
            ("POST", "/api/conversations/{id}/members") => json!({"user_id": self.other_user}),
            ("PATCH", "/api/conversations/{id}/members/{user_id}") => json!({"role": "admin"}),
            ("PUT", "/api/conversations/{id}/retention") => json!({"days": 7}),
            ("PATCH", "/api/emoji/{id}") => json!({"shortcode": "party"}),
            ("PUT", "/api/themes/{id}") => json!({
                "name": "Taken",
                "colors": {"accent": "#2255dd", "own_bubble": "#2255dd", "own_text": "#ffffff",
                           "other_bubble": "#eeeeee", "other_text": "#111111"},
                "background": {"kind": "color", "color": "#000000"},
            }),
            ("PUT", "/api/conversations/{id}/theme" | "/api/conversations/{id}/my-theme") => {
                json!({"theme_id": self.theme})
            }
            _ => json!({}),
        };
        Some(b)
    }
}

fn concrete(path: &str, f: &Fixture) -> String {
    f.path(path)
        .replace("/api/uploads/{id}", &format!("/api/uploads/{}", f.upload))
}

async fn call(api: &Api, op: &Op, f: &Fixture, token: Option<&str>) -> common::Reply {
    let mut path = op.path.clone();
    // Paths whose `{id}` is not a conversation.
    for (prefix, id) in [
        ("/api/uploads/{id}", &f.upload),
        ("/api/themes/{id}", &f.theme),
        ("/api/emoji/{id}", &f.emoji),
    ] {
        if path.starts_with(prefix) {
            path = path.replacen("{id}", id, 1);
        }
    }
    api.call(&op.method, &concrete(&path, f), token, f.body(op))
        .await
}

async fn setup(api: &Api, owner: &User, other: &User) -> Fixture {
    let conversation = api.group(owner, "Secret plans", &[]).await;
    let upload = api
        .call(
            "POST",
            "/api/uploads",
            Some(&owner.token),
            Some(json!({"kind": "attachment", "content_type": "text/plain", "size": 5})),
        )
        .await;
    assert_eq!(upload.status, 201, "{}", upload.body);
    let theme = api
        .call(
            "POST",
            "/api/themes",
            Some(&owner.token),
            Some(json!({
                "name": "Mine",
                "colors": {"accent": "#2255dd", "own_bubble": "#2255dd", "own_text": "#ffffff",
                           "other_bubble": "#eeeeee", "other_text": "#111111"},
                "background": {"kind": "color", "color": "#ffffff"},
            })),
        )
        .await;
    assert_eq!(theme.status, 201, "{}", theme.body);
    Fixture {
        conversation,
        other_user: other.id.clone(),
        other_handle: other.handle.clone(),
        upload: upload.body["upload_id"].as_str().unwrap().to_owned(),
        theme: theme.body["theme_id"].as_str().unwrap().to_owned(),
        // No emoji exists with this id: someone else's emoji answers the same.
        emoji: "0190a6f2-0000-7000-8000-0000000000e1".to_owned(),
    }
}

async fn every_documented_operation_is_routed_and_refuses_callers_without_a_valid_token(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    let owner = api.signup("owner").await;
    let other = api.signup("other").await;
    let f = setup(&api, &owner, &other).await;
    let ops = documented();
    // The reader above found every operation line the document has.
    let lines = openapi::DOCUMENT
        .lines()
        .filter(|l| {
            ["get", "post", "put", "patch", "delete"]
                .iter()
                .any(|m| l.trim_end() == format!("    {m}:"))
        })
        .count();
    assert_eq!(ops.len(), lines, "operations read from the document");
    // And the router serves exactly the documented paths: a route added
    // without its documentation fails here.
    let documented_paths: BTreeSet<String> = ops.iter().map(|o| erase_params(&o.path)).collect();
    assert_eq!(
        routed_paths(),
        documented_paths,
        "routed and documented paths"
    );

    let public: BTreeSet<(String, String)> = ops
        .iter()
        .filter(|o| o.public)
        .map(|o| (o.method.clone(), o.path.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = PUBLIC
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(public, expected, "the document's public operations");

    // A token signed with another key, and one that has expired.
    let (head, rest) = owner.token.split_once('.').unwrap();
    let (claims, _) = rest.split_once('.').unwrap();
    let forged = format!("{head}.{claims}.c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ");
    let stale = owner.token.clone();
    for op in ops.iter().filter(|o| !o.public) {
        for (who, token) in [("no token", None), ("forged token", Some(forged.as_str()))] {
            let r = call(&api, op, &f, token).await;
            assert_eq!(
                (r.status, r.body["code"].as_str()),
                (401, Some("unauthorized")),
                "{} {} with {who}: {}",
                op.method,
                op.path,
                r.body
            );
        }
    }
    // Every documented operation is routed (a public one answers anything
    // but "no such route" or "method not allowed").
    for op in ops.iter().filter(|o| o.public) {
        let r = call(&api, op, &f, None).await;
        assert!(
            r.status != 405 && !(r.status == 404 && r.body["message"] == "route not found"),
            "{} {} is documented but not routed: {} {}",
            op.method,
            op.path,
            r.status,
            r.body
        );
    }
    let moved = api
        .call(
            "POST",
            "/_local/clock",
            None,
            Some(json!({"seconds": 16 * 60})),
        )
        .await;
    assert_eq!(moved.status, 200);
    for op in ops.iter().filter(|o| !o.public) {
        let r = call(&api, op, &f, Some(&stale)).await;
        assert_eq!(
            r.status, 401,
            "{} {} with an expired token: {}",
            op.method, op.path, r.body
        );
    }
    let guarded = ops.iter().filter(|o| !o.public).count();
    println!(
        "authorization matrix, tokens ({backend:?}): {} cells ({guarded} operations × no, forged and expired token; {} public)",
        guarded * 3 + (ops.len() - guarded),
        ops.len() - guarded
    );
}

/// What a caller who is not the owner, not a member, or not an admin gets
/// from each operation on someone else's things. Operations not listed
/// here are the caller's own (their profile, their lists, creating
/// things), or public, and are covered by the token rows above.
fn refused_for_others(op: &Op) -> Option<(u16, &'static str)> {
    let not_found = Some((404, "not_found"));
    match (op.method.as_str(), op.path.as_str()) {
        (_, p) if p.starts_with("/api/conversations/{id}") => not_found,
        ("GET" | "DELETE", "/api/uploads/{id}") | ("POST", "/api/uploads/{id}/finalize") => {
            not_found
        }
        ("PUT" | "DELETE", "/api/themes/{id}")
        | ("PUT" | "DELETE", "/api/themes/{id}/published")
        | ("GET", "/api/themes/{id}")
        | ("POST", "/api/themes/{id}/copy") => not_found,
        ("GET" | "PATCH" | "DELETE", "/api/emoji/{id}") => not_found,
        _ => None,
    }
}

/// A member who is not an admin: what each admin-only operation answers.
fn refused_for_members(op: &Op) -> Option<(u16, &'static str)> {
    let forbidden = Some((403, "forbidden"));
    match (op.method.as_str(), op.path.as_str()) {
        ("PATCH", "/api/conversations/{id}")
        | ("POST", "/api/conversations/{id}/members")
        | ("PATCH" | "DELETE", "/api/conversations/{id}/members/{user_id}")
        | ("PUT", "/api/conversations/{id}/retention")
        | ("PUT", "/api/conversations/{id}/theme") => forbidden,
        _ => None,
    }
}

async fn others_non_members_and_removed_members_are_refused_everywhere(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    let owner = api.signup("owner").await;
    let member = api.signup("member").await;
    let stranger = api.signup("stranger").await;
    let mut f = setup(&api, &owner, &member).await;
    let ops = documented();

    // A stranger: not a member of the group, not the owner of anything.
    let mut rows = 0;
    for op in &ops {
        let Some(expected) = refused_for_others(op) else {
            continue;
        };
        rows += 1;
        let r = call(&api, op, &f, Some(&stranger.token)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str().unwrap_or_default()),
            expected,
            "a stranger: {} {}: {}",
            op.method,
            op.path,
            r.body
        );
    }
    assert!(rows >= 20, "{rows} rows for strangers");
    let stranger_rows = rows;
    // Joining is for rooms only: a private group's id is no room.
    let join = api
        .call(
            "PUT",
            &format!("/api/rooms/{}/membership", f.conversation),
            Some(&stranger.token),
            None,
        )
        .await;
    assert_eq!(
        (join.status, join.body["code"].as_str()),
        (404, Some("not_found"))
    );

    // A member who is not an admin, with the owner as the other user.
    let added = api
        .call(
            "POST",
            &format!("/api/conversations/{}/members", f.conversation),
            Some(&owner.token),
            Some(json!({"user_id": member.id})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    f.other_user = owner.id.clone();
    let mut rows = 0;
    for op in &ops {
        let Some(expected) = refused_for_members(op) else {
            continue;
        };
        rows += 1;
        let r = call(&api, op, &f, Some(&member.token)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str().unwrap_or_default()),
            expected,
            "a member: {} {}: {}",
            op.method,
            op.path,
            r.body
        );
    }
    assert_eq!(rows, 6);
    let (strangers, admins) = (stranger_rows, rows);

    // Removed: the conversation is as hidden as from a stranger.
    let removed = api
        .call(
            "DELETE",
            &format!(
                "/api/conversations/{}/members/{}",
                f.conversation, member.id
            ),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    let mut removed_rows = 0;
    for op in ops
        .iter()
        .filter(|o| o.path.starts_with("/api/conversations/{id}"))
    {
        removed_rows += 1;
        let r = call(&api, op, &f, Some(&member.token)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (404, Some("not_found")),
            "a removed member: {} {}: {}",
            op.method,
            op.path,
            r.body
        );
    }
    println!(
        "authorization matrix, people ({backend:?}): {} cells ({strangers} stranger, 1 join, {admins} non-admin, {removed_rows} removed member)",
        strangers + 1 + admins + removed_rows
    );
}

/// The conversation actions of the socket, from the protocol's list.
fn documented_actions() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"))
        .expect("the protocol document");
    let line = doc
        .lines()
        .find(|l| l.starts_with("| `unknown_action` |"))
        .expect("the unknown_action row");
    // | `unknown_action` | `action` is not one of `send`, ... |
    line.split('`')
        .skip(5)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

async fn every_conversation_action_refuses_non_members(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    let owner = api.signup("owner").await;
    let stranger = api.signup("stranger").await;
    let group = api.group(&owner, "Secret plans", &[]).await;
    let mut owner_ws = api.connect(&owner).await;
    owner_ws
        .send_message(&group, "m-1", "for members only")
        .await;

    let actions = documented_actions();
    assert!(
        actions.contains(&"send".to_owned()) && actions.len() >= 8,
        "{actions:?}"
    );
    let mut ws = api.connect(&stranger).await;
    for action in actions.iter().filter(|a| *a != "ping") {
        let frame = match action.as_str() {
            "send" => {
                json!({"action": "send", "id": "x-send", "conversation_id": group, "text": "hi"})
            }
            "edit" => {
                json!({"action": "edit", "id": "x-edit", "conversation_id": group, "seq": 1, "text": "mine now"})
            }
            "delete" => {
                json!({"action": "delete", "id": "x-delete", "conversation_id": group, "seq": 1})
            }
            "vote" => {
                json!({"action": "vote", "id": "x-vote", "conversation_id": group, "seq": 1, "vote": "up"})
            }
            "typing" => json!({"action": "typing", "id": "x-typing", "conversation_id": group}),
            "read" => json!({"action": "read", "id": "x-read", "conversation_id": group, "seq": 1}),
            "resume" => {
                json!({"action": "resume", "id": "x-resume", "conversation_id": group, "last_seq": 0})
            }
            other => panic!("the action {other} has no row in this matrix"),
        };
        ws.send(frame).await;
        let e = ws.next_of(&["error", "message", "resumed"]).await;
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some("error"), Some("not_a_member")),
            "{action}: {e}"
        );
    }
    println!(
        "authorization matrix, socket ({backend:?}): {} cells (each conversation action from a non-member)",
        actions.iter().filter(|a| *a != "ping").count()
    );
    // Nothing reached the group.
    assert_eq!(api.history(&owner, &group).await.len(), 1);
    let msgs = owner_ws.drain().await;
    assert!(
        msgs.iter()
            .all(|f| f["type"] != "typing" && f["type"] != "votes"),
        "{msgs:?}"
    );
}

both_backends!(
    every_documented_operation_is_routed_and_refuses_callers_without_a_valid_token,
    others_non_members_and_removed_members_are_refused_everywhere,
    every_conversation_action_refuses_non_members,
);
