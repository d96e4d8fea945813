//! Sign-in with an OpenID provider, against a provider the test starts
//! (its own discovery document and keys on loopback): the first sign-in
//! creates the account, later ones find it, and every forged, misdirected,
//! expired or replayed ID token is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chitter_testing::oidc::{SigningKey, TestProvider};
use common::{Api, Backend, Local};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const CLIENT_ID: &str = "chitter-test-client";

async fn start(backend: &Backend, provider: &TestProvider) -> (tempfile::TempDir, Local, Api) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(
        dir.path(),
        backend,
        &[
            "--oidc-issuer",
            &provider.issuer,
            "--oidc-client-id",
            CLIENT_ID,
            "--oidc-name",
            "Test ID",
        ],
    )
    .await;
    let api = local.api();
    (dir, local, api)
}

async fn nonce(api: &Api) -> String {
    let r = api.call("POST", "/api/auth/oidc/start", None, None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["nonce"].as_str().unwrap().to_owned()
}

async fn sign_in(api: &Api, id_token: &str) -> common::Reply {
    api.call(
        "POST",
        "/api/auth/oidc",
        None,
        Some(json!({ "id_token": id_token })),
    )
    .await
}

async fn refused(api: &Api, id_token: &str, why: &str) {
    let r = sign_in(api, id_token).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (401, Some("unauthorized")),
        "{why}: {}",
        r.body
    );
}

/// A token with the header and payload given, signed (or not) as `sign` says.
fn assemble(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        b64(header),
        b64(claims),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn the_first_sign_in_creates_the_account_and_later_ones_find_it(backend: Backend) {
    let provider = TestProvider::start(CLIENT_ID).await;
    let (_dir, _local, api) = start(&backend, &provider).await;

    let info = api.call("GET", "/api/auth/oidc", None, None).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.body["name"], "Test ID");
    assert_eq!(info.body["client_id"], CLIENT_ID);
    assert_eq!(
        info.body["authorization_endpoint"],
        format!("{}/authorize", provider.issuer)
    );
    let start = api.call("POST", "/api/auth/oidc/start", None, None).await;
    assert_eq!(start.body["expires_in"], 600);

    let mut claims = provider.claims("ada-123", &nonce(&api).await);
    claims["preferred_username"] = json!("Ada.L");
    claims["name"] = json!("Ada Lovelace");
    let token = provider.id_token(&claims);
    let first = sign_in(&api, &token).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["user"]["handle"], "ada_l");
    assert_eq!(first.body["user"]["display_name"], "Ada Lovelace");
    let user_id = first.body["user"]["user_id"].clone();
    let me = api
        .call("GET", "/api/me", first.body["access_token"].as_str(), None)
        .await;
    assert_eq!(me.body["user_id"], user_id);
    assert!(first.body["refresh_token"].is_string());

    // The same token again: its nonce is spent.
    refused(&api, &token, "a replayed token").await;

    // A new sign-in of the same identity finds the account.
    let again = provider.id_token(&provider.claims("ada-123", &nonce(&api).await));
    let second = sign_in(&api, &again).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["user"]["user_id"], user_id);

    // Another person whose name makes the same handle gets another one.
    let mut other = provider.claims("ada-456", &nonce(&api).await);
    other["email"] = json!("ada.l@example.com");
    let third = sign_in(&api, &provider.id_token(&other)).await;
    assert_eq!(third.status, 201, "{}", third.body);
    let handle = third.body["user"]["handle"].as_str().unwrap();
    assert!(handle.starts_with("ada_l") && handle != "ada_l", "{handle}");

    // The account has no password to sign in with.
    let password = api
        .call(
            "POST",
            "/api/auth/signin",
            None,
            Some(json!({"handle": "ada_l", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(password.status, 401);
}

async fn forged_misdirected_expired_and_replayed_id_tokens_are_refused(backend: Backend) {
    let provider = TestProvider::start(CLIENT_ID).await;
    let (_dir, _local, api) = start(&backend, &provider).await;
    let valid = |claims: &Value| provider.id_token(claims);
    let now = chrono::Utc::now().timestamp();

    let mut c = provider.claims("u", &nonce(&api).await);
    c["aud"] = json!("someone-else");
    refused(&api, &valid(&c), "wrong audience").await;

    let mut c = provider.claims("u", &nonce(&api).await);
    c["iss"] = json!("https://elsewhere.example");
    refused(&api, &valid(&c), "wrong issuer").await;

    let mut c = provider.claims("u", &nonce(&api).await);
    c["exp"] = json!(now - 120);
    refused(&api, &valid(&c), "expired").await;

    let mut c = provider.claims("u", &nonce(&api).await);
    c["iat"] = json!(now + 600);
    refused(&api, &valid(&c), "issued in the future").await;

    let mut c = provider.claims("u", &nonce(&api).await);
    c["azp"] = json!("someone-else");
    refused(&api, &valid(&c), "authorized party").await;

    let mut c = provider.claims("u", &nonce(&api).await);
    c["aud"] = json!([CLIENT_ID, "someone-else"]);
    refused(&api, &valid(&c), "several audiences, no authorized party").await;

    let mut c = provider.claims("u", "");
    c.as_object_mut().unwrap().remove("nonce");
    refused(&api, &valid(&c), "no nonce").await;
    refused(
        &api,
        &valid(&provider.claims("u", "made-up-nonce")),
        "a nonce we never issued",
    )
    .await;

    // Signed by a key the provider never published, under its kid.
    let stranger = SigningKey::generate(&provider.key.kid);
    refused(
        &api,
        &stranger.sign(&provider.claims("u", &nonce(&api).await)),
        "wrong key",
    )
    .await;
    // Under a kid nobody published (the set is fetched again, once).
    let unknown = SigningKey::generate("no-such-key");
    refused(
        &api,
        &unknown.sign(&provider.claims("u", &nonce(&api).await)),
        "unknown kid",
    )
    .await;

    // A payload changed after signing.
    let token = valid(&provider.claims("u", &nonce(&api).await));
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = provider.claims("admin", "x");
    c["nonce"] = json!("x");
    let forged_payload = URL_SAFE_NO_PAD.encode(c.to_string());
    refused(
        &api,
        &format!("{}.{}.{}", parts[0], forged_payload, parts[2]),
        "tampered",
    )
    .await;

    // `alg: none`, and HS256 keyed with the public key (algorithm confusion).
    let c = provider.claims("u", &nonce(&api).await);
    let kid = provider.key.kid.clone();
    refused(
        &api,
        &assemble(&json!({"alg": "none", "kid": kid}), &c, b""),
        "alg none",
    )
    .await;
    let public = provider.key.jwk.to_string();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid);
    let confused =
        jsonwebtoken::encode(&header, &c, &EncodingKey::from_secret(public.as_bytes())).unwrap();
    refused(&api, &confused, "HS256 with the public key").await;
    refused(&api, "not.a.token", "garbage").await;
    refused(&api, &"x".repeat(20_000), "oversize").await;

    // None of those spent the nonce of a good token or made an account.
    let c = provider.claims("u", &nonce(&api).await);
    let ok = sign_in(&api, &valid(&c)).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["user"]["handle"], "user");

    let bad = api
        .call("POST", "/api/auth/oidc", None, Some(json!({"token": "x"})))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

async fn openid_sign_in_is_off_unless_configured(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), &backend, &[]).await;
    let api = local.api();
    for (method, path) in [("GET", "/api/auth/oidc"), ("POST", "/api/auth/oidc/start")] {
        let r = api.call(method, path, None, None).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let r = sign_in(&api, "a.b.c").await;
    assert_eq!(r.status, 404);
}

both_backends!(
    the_first_sign_in_creates_the_account_and_later_ones_find_it,
    forged_misdirected_expired_and_replayed_id_tokens_are_refused,
    openid_sign_in_is_off_unless_configured,
);
