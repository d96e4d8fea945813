//! The HTTP API through the real router, fed as Lambda feeds it (API
//! Gateway payload 2.0 events): every operation `docs/openapi.yaml`
//! documents (so a new route cannot escape), with fuzzed bodies, path
//! segments and query strings, as a signed-in user of an embedded world.
//! No answer is a server error, and every refusal is JSON `{code, message}`.
//!
//! Input: byte 0 picks the operation, byte 1 how its parts are filled, and
//! the rest, split at NUL bytes, is the path segment, the query and the body.

#![no_main]

use std::sync::OnceLock;

use chitter_testing::World;
use lambda_http::Body;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

const EVENT: &str = include_str!("../../infra/events/crud-signup.json");

struct Setup {
    rt: tokio::runtime::Runtime,
    api: chitter_crud::Api,
    /// (method, path template)
    ops: Vec<(String, String)>,
    token: String,
    /// Real values for path segments: a conversation, a user, a handle.
    ids: Vec<String>,
    _world: World,
}

/// Every documented operation, as the authorization matrix reads them.
fn operations() -> Vec<(String, String)> {
    let ops: Vec<(String, String)> = chitter_testing::openapi::operations()
        .into_iter()
        .map(|op| (op.method, op.path))
        .collect();
    assert!(ops.len() > 40, "the document's operations were found");
    ops
}

fn event(
    method: &str,
    path: &str,
    query: &str,
    token: &str,
    body: Option<&[u8]>,
    base64: bool,
) -> Option<lambda_http::Request> {
    let mut v: Value = serde_json::from_str(EVENT).unwrap();
    v["rawPath"] = json!(path);
    v["rawQueryString"] = json!(query);
    v["requestContext"]["http"]["path"] = json!(path);
    v["requestContext"]["http"]["method"] = json!(method);
    v["headers"]["authorization"] = json!(format!("Bearer {token}"));
    v["pathParameters"]["proxy"] = json!(path.trim_start_matches("/api/"));
    match body {
        Some(b) if base64 => {
            v["body"] = json!(encode_base64(b));
            v["isBase64Encoded"] = json!(true);
        }
        Some(b) => v["body"] = json!(String::from_utf8_lossy(b)),
        None => {
            v.as_object_mut().unwrap().remove("body");
        }
    }
    v["headers"]["content-length"] = json!(body.map_or(0, <[u8]>::len).to_string());
    // An event API Gateway could not have sent is not the function's input.
    lambda_http::request::from_str(&v.to_string()).ok()
}

fn encode_base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters.
fn segment(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(*b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn call(
    api: &chitter_crud::Api,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> Value {
    let request = event(
        method,
        path,
        "",
        token,
        Some(body.to_string().as_bytes()),
        false,
    )
    .unwrap();
    let response = api.handle(request).await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {:?}",
        response.body()
    );
    match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        _ => Value::Null,
    }
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Rate limits off: past a limit every input would get the same 429
        // before reaching the checks behind it. The world lives across
        // inputs (what one input created, the next may find), as a server's
        // store does.
        let settings = chitter_core::Settings {
            rate_limits: false,
            ..Default::default()
        };
        let world = rt.block_on(async { World::with_settings(settings) });
        let api = chitter_crud::Api::new(world.svc.clone());
        let (token, ids) = rt.block_on(async {
            let password = "correct horse battery";
            let me = call(
                &api,
                "POST",
                "/api/auth/signup",
                "",
                json!({"handle": "fuzzer", "password": password}),
            )
            .await;
            let other = call(
                &api,
                "POST",
                "/api/auth/signup",
                "",
                json!({"handle": "other", "password": password}),
            )
            .await;
            let token = me["access_token"].as_str().unwrap().to_owned();
            let direct = call(
                &api,
                "POST",
                "/api/conversations",
                &token,
                json!({"kind": "direct", "handle": "other"}),
            )
            .await;
            let ids = vec![
                direct["conversation_id"].as_str().unwrap().to_owned(),
                other["user"]["user_id"].as_str().unwrap().to_owned(),
                "other".to_owned(),
                "0190a7b1-5c2e-7d41-9a3f-2b8c4d6e8f01".to_owned(),
                "1".to_owned(),
            ];
            (token, ids)
        });
        Setup {
            rt,
            api,
            ops: operations(),
            token,
            ids,
            _world: world,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let [pick, how, rest @ ..] = data else {
        return;
    };
    let (method, template) = &s.ops[usize::from(*pick) % s.ops.len()];
    let mut parts = rest.splitn(3, |b| *b == 0);
    let (seg, query, body) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next(),
    );
    // Each `{param}` becomes a real id, or the fuzzed segment.
    let mut path = String::new();
    for (i, piece) in template.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        if piece.starts_with('{') {
            match usize::from(how & 7) {
                k if k < s.ids.len() => path.push_str(&s.ids[k]),
                _ => path.push_str(&segment(seg)),
            }
        } else {
            path.push_str(piece);
        }
    }
    // What a request line can carry: other bytes arrive percent-encoded.
    let query: String = if how & 8 != 0 {
        query
            .iter()
            .map(|b| match b {
                b'!'..=b'~'
                    if !matches!(
                        b,
                        b'"' | b'#' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
                    ) =>
                {
                    char::from(*b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    } else {
        String::new()
    };
    let body = if how & 16 != 0 {
        None
    } else {
        Some(body.unwrap_or_default())
    };
    let Some(request) = event(method, &path, &query, &s.token, body, how & 32 != 0) else {
        return;
    };
    let response =
        s.rt.block_on(s.api.handle(request))
            .expect("the handler never fails");
    let status = response.status();
    assert!(
        status.as_u16() < 500,
        "{method} {path}?{query}: {status} {:?}",
        response.body()
    );
    if status.is_client_error() {
        let Body::Text(text) = response.body() else {
            panic!("{method} {path}: a {status} without a JSON body");
        };
        let v: Value = serde_json::from_str(text).expect("errors are JSON");
        assert!(
            v["code"].is_string() && v["message"].is_string(),
            "{method} {path}: {v}"
        );
    }
});
