//! The crud function fed with real-shaped HTTP API (payload 2.0) events,
//! converted to requests by lambda_http as in Lambda.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chitter_testing::World;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

const SIGNUP: &str = include_str!("../../../infra/events/crud-signup.json");

fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> lambda_http::Request {
    let mut v: Value = serde_json::from_str(SIGNUP).unwrap();
    v["rawPath"] = json!(path);
    v["requestContext"]["http"]["path"] = json!(path);
    v["requestContext"]["http"]["method"] = json!(method);
    let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
    v["rawPath"] = json!(path_only);
    v["rawQueryString"] = json!(query);
    match body {
        Some(b) => v["body"] = json!(b),
        None => {
            v.as_object_mut().unwrap().remove("body");
        }
    }
    if let Some(t) = token {
        v["headers"]["authorization"] = json!(format!("Bearer {t}"));
    }
    lambda_http::request::from_str(&v.to_string()).unwrap()
}

fn json_of(r: &Response<Body>) -> Value {
    match r.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    }
}

#[tokio::test]
async fn the_fixture_signs_a_user_up() {
    let w = World::new();
    let req = lambda_http::request::from_str(SIGNUP).unwrap();
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(req)
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body = json_of(&r);
    assert_eq!(body["user"]["handle"], "ada");
    assert_eq!(body["user"]["display_name"], "Ada");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert!(body.get("password_hash").is_none() && body["user"].get("password_hash").is_none());

    // The same handle again is a typed conflict.
    let req = lambda_http::request::from_str(SIGNUP).unwrap();
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(req)
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(json_of(&r)["code"], "handle_taken");
}

#[tokio::test]
async fn bad_requests_get_typed_json_errors() {
    let w = World::new();
    let cases = [
        (
            "POST",
            "/api/auth/signup",
            None,
            Some("{nope"),
            400,
            "malformed_json",
        ),
        (
            "POST",
            "/api/auth/signup",
            None,
            Some(r#"{"handle":"x","password":"correct horse"}"#),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/api/auth/signup",
            None,
            Some(r#"{"handle":"okay","password":"short"}"#),
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/api/auth/signin",
            None,
            Some(r#"{"handle":"nobody","password":"whatever1"}"#),
            401,
            "invalid_credentials",
        ),
        ("GET", "/api/conversations", None, None, 401, "unauthorized"),
        (
            "GET",
            "/api/conversations",
            Some("not-a-jwt"),
            None,
            401,
            "unauthorized",
        ),
        ("GET", "/api/nowhere", None, None, 404, "not_found"),
        (
            "DELETE",
            "/api/auth/signup",
            None,
            None,
            405,
            "method_not_allowed",
        ),
    ];
    for (method, path, token, body, status, code) in cases {
        let r = chitter_crud::Api::new(w.svc.clone())
            .handle(request(method, path, token, body))
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{method} {path}");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(json_of(&r)["code"], code, "{method} {path}");
    }
}

#[tokio::test]
async fn conversations_friends_and_history_over_http() {
    let w = World::new();
    let signup = |handle: &str| {
        request(
            "POST",
            "/api/auth/signup",
            None,
            Some(Box::leak(
                format!(r#"{{"handle":"{handle}","password":"correct horse battery"}}"#)
                    .into_boxed_str(),
            )),
        )
    };
    let ada = json_of(
        &chitter_crud::Api::new(w.svc.clone())
            .handle(signup("ada"))
            .await
            .unwrap(),
    );
    let bob = json_of(
        &chitter_crud::Api::new(w.svc.clone())
            .handle(signup("bob"))
            .await
            .unwrap(),
    );
    let ada_token = ada["access_token"].as_str().unwrap();
    let bob_token = bob["access_token"].as_str().unwrap();

    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "POST",
            "/api/conversations",
            Some(ada_token),
            Some(r#"{"kind":"direct","handle":"bob"}"#),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let c = json_of(&r);
    let id = c["conversation_id"].as_str().unwrap();
    assert_eq!(c["members"].as_array().unwrap().len(), 2);
    // Opening it again finds the same conversation.
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "POST",
            "/api/conversations",
            Some(bob_token),
            Some(r#"{"kind":"direct","handle":"ada"}"#),
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(&r)["conversation_id"], id);

    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "GET",
            &format!("/api/conversations/{id}/messages?limit=abc"),
            Some(ada_token),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "GET",
            &format!("/api/conversations/{id}/messages?limit=10"),
            Some(ada_token),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(&r)["messages"], json!([]));

    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "POST",
            "/api/friends/requests",
            Some(ada_token),
            Some(r#"{"handle":"bob"}"#),
        ))
        .await
        .unwrap();
    assert_eq!(json_of(&r)["state"], "outgoing");
    let ada_id = ada["user"]["user_id"].as_str().unwrap();
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request(
            "POST",
            &format!("/api/friends/requests/{ada_id}/accept"),
            Some(bob_token),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = chitter_crud::Api::new(w.svc.clone())
        .handle(request("GET", "/api/friends", Some(ada_token), None))
        .await
        .unwrap();
    let list = json_of(&r);
    assert_eq!(list["friends"][0]["handle"], "bob");
    assert_eq!(list["incoming"], json!([]));
}

#[tokio::test]
async fn bodies_must_be_json_and_small() {
    let w = World::new();
    let api = chitter_crud::Api::new(w.svc.clone());
    let body = r#"{"handle":"ada","password":"correct horse battery"}"#;

    let mut req = request("POST", "/api/auth/signup", None, Some(body));
    req.headers_mut()
        .insert("content-type", http::HeaderValue::from_static("text/plain"));
    let r = api.handle(req).await.unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(json_of(&r)["code"], "unsupported_media_type");

    let mut req = request("POST", "/api/auth/signup", None, Some(body));
    req.headers_mut().remove("content-type");
    let r = api.handle(req).await.unwrap();
    assert_eq!(r.status(), 415);

    // A charset parameter is fine.
    let mut req = request("POST", "/api/auth/signup", None, Some(body));
    req.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    assert_eq!(api.handle(req).await.unwrap().status(), 201);

    let big = format!(r#"{{"refresh_token":"{}"}}"#, "x".repeat(70 * 1024));
    let r = api
        .handle(request("POST", "/api/auth/refresh", None, Some(&big)))
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(json_of(&r)["code"], "payload_too_large");
}

#[tokio::test]
async fn routes_match_the_raw_path_with_or_without_a_trailing_slash() {
    let w = World::new();
    let api = chitter_crud::Api::new(w.svc.clone());
    for path in ["/api/health", "/api/health/"] {
        let r = api.handle(request("GET", path, None, None)).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(json_of(&r)["status"], "ok");
    }
    // The query string survives the rewrite: a bad `limit` is refused
    // before the (unknown) conversation is looked up.
    let ada = json_of(
        &api.handle(lambda_http::request::from_str(SIGNUP).unwrap())
            .await
            .unwrap(),
    );
    let token = ada["access_token"].as_str().unwrap();
    let path = "/api/conversations/0190a7a4-0000-7000-8000-000000000000/messages/";
    let r = api
        .handle(request(
            "GET",
            &format!("{path}?limit=abc"),
            Some(token),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = api
        .handle(request("GET", path, Some(token), None))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
