//! The looks end to end, on both backends: uploads (a presigned PUT straight
//! to S3, chitter-local's own or s3s-fs, then a finalize that judges the
//! bytes) and custom emoji in messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Api, Backend, Local, Reply, User};
use serde_json::{Value, json};

async fn start(backend: &Backend, extra: &[&str]) -> (tempfile::TempDir, Local, Api) {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::start(dir.path(), backend, extra).await;
    let api = local.api();
    (dir, local, api)
}

/// A real PNG of `width` x `height` pixels.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|i| [(i % 256) as u8, 80, 200, 255])
            .collect();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

async fn create(api: &Api, user: &User, kind: &str, content_type: &str, size: usize) -> Reply {
    api.call(
        "POST",
        "/api/uploads",
        Some(&user.token),
        Some(json!({"kind": kind, "content_type": content_type, "size": size})),
    )
    .await
}

/// Sends `body` as the ticket says: its method, URL and headers.
async fn put(api: &Api, ticket: &Value, body: Vec<u8>) -> u16 {
    let upload = &ticket["upload"];
    assert_eq!(upload["method"], "PUT");
    let mut req = api.http.put(upload["url"].as_str().unwrap());
    for pair in upload["headers"].as_array().unwrap() {
        req = req.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
    }
    req.body(body).send().await.unwrap().status().as_u16()
}

async fn finalize(api: &Api, user: &User, id: &str) -> Reply {
    api.call(
        "POST",
        &format!("/api/uploads/{id}/finalize"),
        Some(&user.token),
        None,
    )
    .await
}

/// Creates, sends and finalizes an upload of `body`, declared as
/// `content_type`.
async fn upload(api: &Api, user: &User, kind: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let ticket = create(api, user, kind, content_type, body.len()).await;
    assert_eq!(ticket.status, 201, "{}", ticket.body);
    assert_eq!(put(api, &ticket.body, body).await, 200);
    finalize(api, user, ticket.body["upload_id"].as_str().unwrap()).await
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

async fn a_checked_upload_is_kept_and_served_as_its_bytes_say(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let ada = api.signup("ada").await;
    let image = png(64, 48);
    // Declared as WebP, but the bytes are a PNG: kept as what they are.
    let done = upload(&api, &ada, "emoji", "image/webp", image.clone()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let view = &done.body;
    assert_eq!(view["state"], "ready");
    assert_eq!(view["kind"], "emoji");
    assert_eq!(view["content_type"], "image/png");
    assert_eq!(view["size"], image.len());
    assert_eq!(
        (view["width"].as_u64(), view["height"].as_u64()),
        (Some(64), Some(48))
    );
    let got = api
        .http
        .get(view["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"].to_str().unwrap(), "image/png");
    if matches!(backend, Backend::Embedded) {
        assert_eq!(got.headers()["x-content-type-options"], "nosniff");
        let csp = got.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("sandbox"), "{csp}");
    }
    assert_eq!(got.bytes().await.unwrap().to_vec(), image);

    // Finalizing again answers the same; the list counts the bytes once.
    let id = view["upload_id"].as_str().unwrap();
    let again = finalize(&api, &ada, id).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["upload_id"], view["upload_id"]);
    let list = api
        .call("GET", "/api/uploads", Some(&ada.token), None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["bytes_used"], image.len());
    assert_eq!(list.body["quota_bytes"], 200 * 1024 * 1024);
    assert_eq!(list.body["uploads"].as_array().unwrap().len(), 1);

    // Someone else cannot see, finalize or delete it.
    let bob = api.signup("bob").await;
    for (method, path) in [
        ("GET", format!("/api/uploads/{id}")),
        ("POST", format!("/api/uploads/{id}/finalize")),
        ("DELETE", format!("/api/uploads/{id}")),
    ] {
        let r = api.call(method, &path, Some(&bob.token), None).await;
        assert_error(&r, 404, "not_found");
    }
    let r = api.call("GET", "/api/uploads", None, None).await;
    assert_error(&r, 401, "unauthorized");

    // Deleting frees the bytes and the file.
    let r = api
        .call(
            "DELETE",
            &format!("/api/uploads/{id}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let list = api
        .call("GET", "/api/uploads", Some(&ada.token), None)
        .await;
    assert_eq!(list.body["bytes_used"], 0);
    let gone = api
        .http
        .get(view["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}

async fn uploads_that_break_the_rules_are_refused_and_removed(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let ada = api.signup("ada").await;

    // Refused before anything is sent.
    assert_error(
        &create(&api, &ada, "emoji", "image/jpeg", 100).await,
        415,
        "upload_type_not_allowed",
    );
    assert_error(
        &create(&api, &ada, "background", "text/html", 100).await,
        415,
        "upload_type_not_allowed",
    );
    assert_error(
        &create(&api, &ada, "emoji", "image/png", 256 * 1024 + 1).await,
        413,
        "upload_too_large",
    );
    assert_error(
        &create(
            &api,
            &ada,
            "attachment",
            "application/pdf",
            10 * 1024 * 1024 + 1,
        )
        .await,
        413,
        "upload_too_large",
    );
    assert_error(
        &create(&api, &ada, "sticker", "image/png", 10).await,
        400,
        "invalid_request",
    );
    assert_error(
        &create(&api, &ada, "emoji", "image/png", 0).await,
        400,
        "invalid_request",
    );

    // Finalized before the file was sent.
    let ticket = create(&api, &ada, "emoji", "image/png", 100).await;
    let id = ticket.body["upload_id"].as_str().unwrap();
    assert_error(&finalize(&api, &ada, id).await, 409, "upload_incomplete");

    // Declared a PNG, but the bytes are a PDF: refused by its bytes, and
    // both the record and the file are gone.
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let ticket = create(&api, &ada, "emoji", "image/png", pdf.len()).await;
    assert_eq!(put(&api, &ticket.body, pdf.clone()).await, 200);
    let id = ticket.body["upload_id"].as_str().unwrap();
    assert_error(
        &finalize(&api, &ada, id).await,
        415,
        "upload_type_not_allowed",
    );
    let r = api
        .call("GET", &format!("/api/uploads/{id}"), Some(&ada.token), None)
        .await;
    assert_error(&r, 404, "not_found");

    // HTML pretending to be an image.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let r = upload(&api, &ada, "background", "image/png", html).await;
    assert_error(&r, 415, "upload_type_not_allowed");

    // Too many pixels for an emoji.
    let r = upload(&api, &ada, "emoji", "image/png", png(300, 20)).await;
    assert_error(&r, 422, "image_too_large");

    // A background may be larger.
    let r = upload(&api, &ada, "background", "image/png", png(300, 20)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A PDF is a fine attachment.
    let r = upload(&api, &ada, "attachment", "application/pdf", pdf).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["content_type"], "application/pdf");
    assert!(r.body.get("width").is_none());

    let list = api
        .call("GET", "/api/uploads", Some(&ada.token), None)
        .await;
    let kept: Vec<&str> = list.body["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["state"] == "ready")
        .map(|u| u["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kept, vec!["background", "attachment"]);
    // What an operator sees: each refusal at finalize counted.
    assert_eq!(api.metrics().await["UploadsRefused"], 3);
}

async fn an_upload_url_works_once_for_what_was_signed(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let ada = api.signup("ada").await;
    let image = png(16, 16);
    let ticket = create(&api, &ada, "emoji", "image/png", image.len()).await;
    let url = ticket.body["upload"]["url"].as_str().unwrap();
    let send = |url: String, content_type: &'static str, body: Vec<u8>| {
        api.http
            .put(url)
            .header("content-type", content_type)
            .header("if-none-match", "*")
            .body(body)
            .send()
    };
    // Tampered: another key, another type, another size.
    let other = url.replacen(ticket.body["upload_id"].as_str().unwrap(), "x", 1);
    assert_eq!(
        send(other, "image/png", image.clone())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        send(url.into(), "image/gif", image.clone())
            .await
            .unwrap()
            .status(),
        403
    );
    let mut bigger = image.clone();
    bigger.push(0);
    assert_eq!(
        send(url.into(), "image/png", bigger)
            .await
            .unwrap()
            .status(),
        403
    );

    assert_eq!(put(&api, &ticket.body, image.clone()).await, 200);
    let id = ticket.body["upload_id"].as_str().unwrap();
    let done = finalize(&api, &ada, id).await;
    assert_eq!(done.status, 200);
    // Reused, before or after the finalize: refused, and what was kept
    // stays as it was.
    let mut other_image = png(16, 16);
    other_image.truncate(image.len());
    assert_eq!(put(&api, &ticket.body, other_image).await, 412);
    let got = api
        .http
        .get(done.body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().to_vec(), image);
}

async fn an_expired_upload_url_is_refused(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &["--upload-url-secs", "1"]).await;
    let ada = api.signup("ada").await;
    let image = png(8, 8);
    let ticket = create(&api, &ada, "emoji", "image/png", image.len()).await;
    let expires = ticket.body["upload"]["expires_at"].as_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap();
    // Waiting for time itself to pass, past the URL's last second.
    let wait = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default()
        + std::time::Duration::from_millis(1100);
    tokio::time::sleep(wait).await;
    assert_eq!(put(&api, &ticket.body, image).await, 403);
    let id = ticket.body["upload_id"].as_str().unwrap();
    assert_error(&finalize(&api, &ada, id).await, 409, "upload_incomplete");
}

async fn uploads_stay_within_the_quota(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &["--upload-quota-bytes", "1000"]).await;
    let ada = api.signup("ada").await;
    let text = |n: usize| vec![b'a'; n];
    let first = upload(&api, &ada, "attachment", "text/plain", text(600)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["content_type"], "text/plain");
    // Refused up front when the declared size cannot fit.
    assert_error(
        &create(&api, &ada, "attachment", "text/plain", 600).await,
        403,
        "quota_exceeded",
    );
    // Both fit when asked for, but not both once sent: the second
    // finalize is refused and forgotten.
    let a = create(&api, &ada, "attachment", "text/plain", 300).await;
    let b = create(&api, &ada, "attachment", "text/plain", 300).await;
    assert_eq!(put(&api, &a.body, text(300)).await, 200);
    assert_eq!(put(&api, &b.body, text(300)).await, 200);
    let id = |r: &Reply| r.body["upload_id"].as_str().unwrap().to_owned();
    assert_eq!(finalize(&api, &ada, &id(&a)).await.status, 200);
    assert_error(&finalize(&api, &ada, &id(&b)).await, 403, "quota_exceeded");
    let r = api
        .call(
            "GET",
            &format!("/api/uploads/{}", id(&b)),
            Some(&ada.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
    let list = api
        .call("GET", "/api/uploads", Some(&ada.token), None)
        .await;
    assert_eq!(list.body["bytes_used"], 900);
    assert_eq!(list.body["quota_bytes"], 1000);
    // Deleting makes room again.
    let r = api
        .call(
            "DELETE",
            &format!("/api/uploads/{}", id(&first)),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let again = upload(&api, &ada, "attachment", "text/plain", text(600)).await;
    assert_eq!(again.status, 200, "{}", again.body);
}

async fn emoji(api: &Api, user: &User, upload_id: &str, shortcode: &str) -> Reply {
    api.call(
        "POST",
        "/api/emoji",
        Some(&user.token),
        Some(json!({"upload_id": upload_id, "shortcode": shortcode})),
    )
    .await
}

async fn shortcodes_in_messages_show_the_senders_emoji(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let (ada, bob) = (api.signup("ada").await, api.signup("bob").await);
    let image = png(32, 32);
    let up = upload(&api, &ada, "emoji", "image/png", image.clone()).await;
    let upload_id = up.body["upload_id"].as_str().unwrap();
    let made = emoji(&api, &ada, upload_id, ":party:").await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["shortcode"], "party");
    assert_eq!(made.body["width"], 32);
    let id = made.body["emoji_id"].as_str().unwrap().to_owned();
    assert_eq!(id, upload_id, "an emoji's id is its upload's");

    // What a library refuses.
    assert_error(
        &emoji(&api, &ada, upload_id, "party2").await,
        409,
        "conflict",
    );
    let other = upload(&api, &ada, "emoji", "image/png", png(8, 8)).await;
    let other_id = other.body["upload_id"].as_str().unwrap();
    assert_error(
        &emoji(&api, &ada, other_id, "party").await,
        409,
        "shortcode_taken",
    );
    assert_error(
        &emoji(&api, &ada, other_id, "x").await,
        400,
        "invalid_request",
    );
    assert_error(
        &emoji(&api, &ada, other_id, "no-dash").await,
        400,
        "invalid_request",
    );
    assert_error(&emoji(&api, &bob, other_id, "mine").await, 404, "not_found");
    let bg = upload(&api, &ada, "background", "image/png", png(8, 8)).await;
    let bg_id = bg.body["upload_id"].as_str().unwrap();
    assert_error(
        &emoji(&api, &ada, bg_id, "bg").await,
        400,
        "invalid_request",
    );
    let pending = create(&api, &ada, "emoji", "image/png", 10).await;
    let pending_id = pending.body["upload_id"].as_str().unwrap();
    assert_error(
        &emoji(&api, &ada, pending_id, "later").await,
        409,
        "upload_incomplete",
    );
    // The upload goes with its emoji, not alone.
    let r = api
        .call(
            "DELETE",
            &format!("/api/uploads/{id}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_error(&r, 409, "conflict");

    let conv = api.direct(&ada, &bob).await;
    let mut ada_ws = api.connect(&ada).await;
    let mut bob_ws = api.connect(&bob).await;
    let persisted = ada_ws
        .send_message(&conv, "e-1", "hi :party: and :unknown: and :party: again")
        .await;
    assert_eq!(
        persisted["emoji"],
        json!([{"shortcode": "party", "emoji_id": id}]),
        "the sender learns what the others see"
    );
    let got = bob_ws.next_of(&["message"]).await;
    assert_eq!(
        got["emoji"],
        json!([{"shortcode": "party", "emoji_id": id}]),
        "{got}"
    );
    // Bob, or anyone signed in, fetches the image.
    let seen = api
        .call("GET", &format!("/api/emoji/{id}"), Some(&bob.token), None)
        .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    let bytes = api
        .http
        .get(seen.body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.bytes().await.unwrap().to_vec(), image);
    let r = api
        .call("GET", &format!("/api/emoji/{id}"), None, None)
        .await;
    assert_error(&r, 401, "unauthorized");

    // Someone else's shortcode is just text to the sender.
    bob_ws.send_message(&conv, "b-1", "my :party:").await;
    let got = ada_ws.next_of(&["message"]).await;
    assert!(got.get("emoji").is_none(), "{got}");

    // A rename: old messages keep their image; the new name resolves.
    let r = api
        .call(
            "PATCH",
            &format!("/api/emoji/{id}"),
            Some(&bob.token),
            Some(json!({"shortcode": "mine"})),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = api
        .call(
            "PATCH",
            &format!("/api/emoji/{id}"),
            Some(&ada.token),
            Some(json!({"shortcode": "fiesta"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["shortcode"], "fiesta");
    ada_ws.send_message(&conv, "e-2", ":party: :fiesta:").await;
    let got = bob_ws.next_of(&["message"]).await;
    assert_eq!(
        got["emoji"],
        json!([{"shortcode": "fiesta", "emoji_id": id}])
    );
    let history = api.history(&bob, &conv).await;
    let first = history
        .iter()
        .find(|m| m["client_msg_id"] == "e-1")
        .unwrap();
    assert_eq!(
        first["emoji"],
        json!([{"shortcode": "party", "emoji_id": id}]),
        "the first message keeps its reference"
    );
    let library = api.call("GET", "/api/emoji", Some(&ada.token), None).await;
    let names: Vec<&str> = library.body["emoji"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shortcode"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fiesta"]);

    // A delete: the image is gone, so old messages show the text.
    let r = api
        .call(
            "DELETE",
            &format!("/api/emoji/{id}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = api
        .call("GET", &format!("/api/emoji/{id}"), Some(&bob.token), None)
        .await;
    assert_error(&r, 404, "not_found");
    let gone = api
        .http
        .get(seen.body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let r = api
        .call("GET", &format!("/api/uploads/{id}"), Some(&ada.token), None)
        .await;
    assert_error(&r, 404, "not_found");
}

fn spec(name: &str, layers: &[&str]) -> Value {
    let layers: Vec<Value> = layers
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"upload_id": id, "speed": 0.2 + 0.4 * i as f64, "offset_y": -10.0 * i as f64, "opacity": 0.9, "blur": i})
        })
        .collect();
    json!({
        "name": name,
        "colors": {"accent": "#7c5cff", "own_bubble": "#4F46E5", "own_text": "#fff",
                   "other_bubble": "rgb(255, 255, 255)", "other_text": "#111827"},
        "background": {"kind": "parallax", "color": "#0b1020", "layers": layers},
    })
}

async fn background(api: &Api, user: &User, w: u32) -> String {
    let r = upload(api, user, "background", "image/png", png(w, 40)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["upload_id"].as_str().unwrap().to_owned()
}

async fn theme(api: &Api, user: &User, body: Value) -> Reply {
    api.call("POST", "/api/themes", Some(&user.token), Some(body))
        .await
}

async fn themes_are_checked_applied_to_conversations_and_shared(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let (ada, bob, cyd) = (
        api.signup("ada").await,
        api.signup("bob").await,
        api.signup("cyd").await,
    );
    let (far, near) = (
        background(&api, &ada, 120).await,
        background(&api, &ada, 60).await,
    );

    // Checked field by field.
    let mut low = spec("Low", &[&far]);
    low["colors"]["own_text"] = json!("#5a5aef");
    let r = theme(&api, &ada, low).await;
    assert_error(&r, 422, "low_contrast");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("colors.own_text"),
        "{}",
        r.body
    );
    let mut opaque = spec("Opaque", &[&far]);
    opaque["background"]["layers"][0]["opacity"] = json!(1.5);
    let r = theme(&api, &ada, opaque).await;
    assert_error(&r, 400, "invalid_theme");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("background.layers[0].opacity")
    );
    let nine: Vec<&str> = std::iter::repeat_n(far.as_str(), 9).collect();
    assert_error(
        &theme(&api, &ada, spec("Nine", &nine)).await,
        400,
        "invalid_theme",
    );
    let bobs = background(&api, &bob, 50).await;
    let r = theme(&api, &ada, spec("Not mine", &[&bobs])).await;
    assert_error(&r, 400, "invalid_theme");
    let mut ghost = spec("Ghost emoji", &[&far]);
    ghost["emoji"] = json!([uuid::Uuid::new_v4().to_string()]);
    let r = theme(&api, &ada, ghost).await;
    assert_error(&r, 400, "invalid_theme");
    assert!(
        r.body["message"].as_str().unwrap().starts_with("emoji[0]"),
        "{}",
        r.body
    );
    let r = theme(&api, &ada, json!({"name": "No colours"})).await;
    assert_error(&r, 400, "invalid_request");

    let made = theme(&api, &ada, spec("Dusk", &[&far, &near])).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let dusk = made.body["theme_id"].as_str().unwrap().to_owned();
    assert_eq!(
        made.body["colors"]["own_text"], "#ffffff",
        "colours are normalised"
    );
    assert_eq!(made.body["images"].as_object().unwrap().len(), 2);
    let r = api
        .call(
            "DELETE",
            &format!("/api/uploads/{far}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_error(&r, 409, "conflict");
    assert!(
        r.body["message"].as_str().unwrap().contains("Dusk"),
        "{}",
        r.body
    );

    // A conversation theme reaches every member live; a group's is for admins.
    let conv = api.direct(&ada, &bob).await;
    let mut bob_ws = api.connect(&bob).await;
    let r = api
        .call(
            "PUT",
            &format!("/api/conversations/{conv}/theme"),
            Some(&ada.token),
            Some(json!({"theme_id": dusk})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let frame = bob_ws.next_of(&["theme"]).await;
    assert_eq!(frame["conversation_id"], conv.as_str());
    assert_eq!(frame["set_by"], ada.id.as_str());
    assert_eq!(frame["theme"]["name"], "Dusk");
    let layers = frame["theme"]["background"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    let url = frame["theme"]["images"][layers[1]["upload_id"].as_str().unwrap()]
        .as_str()
        .unwrap();
    let image = api.http.get(url).send().await.unwrap();
    assert_eq!(image.status(), 200, "a member can load the images");
    let looks = api
        .call(
            "GET",
            &format!("/api/conversations/{conv}/theme"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(looks.body["shown"], "conversation", "{}", looks.body);
    let r = api
        .call(
            "GET",
            &format!("/api/conversations/{conv}/theme"),
            Some(&cyd.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
    let group = api.group(&ada, "Team", &[&bob]).await;
    let r = api
        .call(
            "PUT",
            &format!("/api/conversations/{group}/theme"),
            Some(&bob.token),
            Some(json!({"theme_id": null})),
        )
        .await;
    assert_error(&r, 403, "forbidden");

    // Precedence: override, conversation, default, built-in.
    let mine = theme(&api, &bob, spec("Mine", &[&bobs])).await;
    let mine = mine.body["theme_id"].as_str().unwrap().to_owned();
    let shown = |api: &Api, user: &User, conv: &str| {
        let (api, token, conv) = (api.clone(), user.token.clone(), conv.to_owned());
        async move {
            api.call(
                "GET",
                &format!("/api/conversations/{conv}/theme"),
                Some(&token),
                None,
            )
            .await
            .body["shown"]
                .clone()
        }
    };
    let r = api
        .call(
            "PUT",
            "/api/me/theme",
            Some(&bob.token),
            Some(json!({"theme_id": mine})),
        )
        .await;
    assert_eq!(r.body["theme"]["name"], "Mine");
    assert_eq!(shown(&api, &bob, &conv).await, "conversation");
    assert_eq!(shown(&api, &bob, &group).await, "default");
    let r = api
        .call(
            "PUT",
            &format!("/api/conversations/{conv}/my-theme"),
            Some(&bob.token),
            Some(json!({"theme_id": mine})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(shown(&api, &bob, &conv).await, "override");
    assert_eq!(
        shown(&api, &ada, &conv).await,
        "conversation",
        "an override is personal"
    );
    let r = api
        .call(
            "PUT",
            &format!("/api/conversations/{conv}/my-theme"),
            Some(&bob.token),
            Some(json!({"theme_id": dusk})),
        )
        .await;
    assert_error(&r, 404, "not_found");
    // A body without `theme_id` (a misspelled key) clears nothing.
    for path in [
        "/api/me/theme".to_owned(),
        format!("/api/conversations/{conv}/my-theme"),
        format!("/api/conversations/{conv}/theme"),
    ] {
        let r = api
            .call(
                "PUT",
                &path,
                Some(&bob.token),
                Some(json!({"themeId": null})),
            )
            .await;
        assert_error(&r, 400, "invalid_request");
    }
    assert_eq!(shown(&api, &bob, &conv).await, "override");
    api.call(
        "PUT",
        "/api/me/theme",
        Some(&bob.token),
        Some(json!({"theme_id": null})),
    )
    .await;
    assert_eq!(shown(&api, &bob, &group).await, "builtin");

    // The market: publish, browse, copy (counted once per user), unpublish.
    let r = api
        .call(
            "GET",
            &format!("/api/themes/{dusk}"),
            Some(&cyd.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = api
        .call(
            "PUT",
            &format!("/api/themes/{dusk}/published"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["published_at"].is_string());
    let page = api
        .call(
            "GET",
            "/api/market?order=newest&limit=5",
            Some(&cyd.token),
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let listed = &page.body["themes"][0];
    assert_eq!(listed["theme_id"], dusk.as_str());
    assert_eq!(listed["owner_handle"], "ada");
    let url = listed["images"][&far].as_str().unwrap();
    assert_eq!(
        api.http.get(url).send().await.unwrap().status(),
        200,
        "published images are readable"
    );
    let copy = api
        .call(
            "POST",
            &format!("/api/themes/{dusk}/copy"),
            Some(&cyd.token),
            None,
        )
        .await;
    assert_eq!(copy.status, 201, "{}", copy.body);
    assert_eq!(copy.body["copied_from"], dusk.as_str());
    assert_eq!(copy.body["owner"], cyd.id.as_str());
    let copied_layers = copy.body["background"]["layers"].as_array().unwrap();
    assert_ne!(
        copied_layers[0]["upload_id"],
        far.as_str(),
        "the copy has its own files"
    );
    api.call(
        "POST",
        &format!("/api/themes/{dusk}/copy"),
        Some(&cyd.token),
        None,
    )
    .await;
    api.call(
        "POST",
        &format!("/api/themes/{dusk}/copy"),
        Some(&bob.token),
        None,
    )
    .await;
    let r = api
        .call(
            "GET",
            &format!("/api/themes/{dusk}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.body["copies"], 2, "each user counts once");
    let r = api
        .call(
            "GET",
            "/api/market?order=most_copied",
            Some(&cyd.token),
            None,
        )
        .await;
    assert_eq!(r.body["themes"][0]["theme_id"], dusk.as_str());
    let r = api
        .call("GET", "/api/market?cursor=nope", Some(&cyd.token), None)
        .await;
    assert_error(&r, 400, "invalid_request");
    let r = api
        .call("GET", "/api/market?order=best", Some(&cyd.token), None)
        .await;
    assert_error(&r, 400, "invalid_request");

    let r = api
        .call(
            "DELETE",
            &format!("/api/themes/{dusk}/published"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let r = api
        .call(
            "GET",
            &format!("/api/themes/{dusk}"),
            Some(&cyd.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = api
        .call(
            "POST",
            &format!("/api/themes/{dusk}/copy"),
            Some(&cyd.token),
            None,
        )
        .await;
    assert_error(&r, 404, "not_found");
    // The copy lives on with its own images.
    let copy_id = copy.body["theme_id"].as_str().unwrap();
    let r = api
        .call(
            "GET",
            &format!("/api/themes/{copy_id}"),
            Some(&cyd.token),
            None,
        )
        .await;
    let own_url = r.body["images"][copied_layers[0]["upload_id"].as_str().unwrap()]
        .as_str()
        .unwrap();
    assert_eq!(api.http.get(own_url).send().await.unwrap().status(), 200);

    // Only the owner edits or deletes.
    let r = api
        .call(
            "PUT",
            &format!("/api/themes/{dusk}"),
            Some(&bob.token),
            Some(spec("Taken", &[&far])),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = api
        .call(
            "PUT",
            &format!("/api/themes/{dusk}"),
            Some(&ada.token),
            Some(spec("Dawn", &[&near])),
        )
        .await;
    assert_eq!(r.body["name"], "Dawn");
    let r = api
        .call(
            "DELETE",
            &format!("/api/themes/{dusk}"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    // The conversation kept its copy of the theme as it was set.
    let looks = api
        .call(
            "GET",
            &format!("/api/conversations/{conv}/theme"),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(looks.body["conversation"]["name"], "Dusk");
}

async fn attachment_path(api: &Api, user: &User, conv: &str, seq: u64, upload: &str) -> Reply {
    api.call(
        "GET",
        &format!("/api/conversations/{conv}/messages/{seq}/attachments/{upload}"),
        Some(&user.token),
        None,
    )
    .await
}

async fn attachments_reach_members_and_only_members_download_them(backend: Backend) {
    let (_dir, _local, api) = start(&backend, &[]).await;
    let alice = api.signup("alice").await;
    let bob = api.signup("bob").await;
    let carol = api.signup("carol").await;
    let direct = api.direct(&alice, &bob).await;
    let group = api.group(&alice, "Elsewhere", &[&carol]).await;
    let image = png(40, 30);
    let img = upload(&api, &alice, "attachment", "image/png", image.clone()).await;
    assert_eq!(img.status, 200, "{}", img.body);
    let img = img.body["upload_id"].as_str().unwrap().to_owned();
    let notes = b"meeting notes\n".to_vec();
    let txt = upload(&api, &alice, "attachment", "text/plain", notes.clone()).await;
    let txt = txt.body["upload_id"].as_str().unwrap().to_owned();
    let other = upload(&api, &alice, "attachment", "image/png", png(8, 8)).await;
    let other = other.body["upload_id"].as_str().unwrap().to_owned();
    let emoji_upload = upload(&api, &alice, "emoji", "image/png", png(16, 16)).await;
    let emoji_upload = emoji_upload.body["upload_id"].as_str().unwrap().to_owned();

    let mut alice_ws = api.connect(&alice).await;
    let mut bob_ws = api.connect(&bob).await;
    // Files alone need no text.
    alice_ws
        .send(json!({"action": "send", "id": "f-1", "conversation_id": direct, "attachments": [
            {"upload_id": img, "name": "cat.png"}, {"upload_id": txt, "name": "Notes \"v2\".txt"}]}))
        .await;
    let accepted = alice_ws.next_of(&["ack", "error"]).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let m = bob_ws.next_of(&["message"]).await;
    assert!(m.get("text").is_none(), "{m}");
    let files = m["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        (
            files[0]["name"].as_str(),
            files[0]["content_type"].as_str(),
            files[0]["size"].as_u64()
        ),
        (Some("cat.png"), Some("image/png"), Some(image.len() as u64))
    );
    assert_eq!(
        (files[0]["width"].as_u64(), files[0]["height"].as_u64()),
        (Some(40), Some(30))
    );
    assert_eq!(files[1]["content_type"], "text/plain");
    assert!(files[1].get("width").is_none());
    let persisted = alice_ws.next_of(&["ack"]).await;
    assert_eq!(
        (persisted["id"].as_str(), persisted["seq"].as_u64()),
        (Some("f-1"), Some(1))
    );
    alice_ws.send_message(&group, "g-1", "for carol only").await;
    let r = api
        .call(
            "POST",
            &format!("/api/conversations/{group}/messages"),
            Some(&alice.token),
            Some(json!({"id": "g-2", "attachments": [{"upload_id": other, "name": "other.png"}]})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let m = alice_ws.next_of(&["message"]).await;
    assert_eq!(m["attachments"][0]["name"], "other.png", "sent over HTTP");

    // A member downloads: an image is shown in place, other files saved.
    let got = attachment_path(&api, &bob, &direct, 1, &img).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["name"], "cat.png");
    let resp = api
        .http
        .get(got.body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(resp.bytes().await.unwrap().to_vec(), image);
    assert_eq!(
        disposition.as_deref(),
        Some("inline; filename*=UTF-8''cat.png")
    );
    let got = attachment_path(&api, &bob, &direct, 1, &txt).await;
    let resp = api
        .http
        .get(got.body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("content-disposition")
            .map(|v| v.to_str().unwrap()),
        Some("attachment; filename*=UTF-8''Notes%20%22v2%22.txt")
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), notes);

    // Not a member; another conversation's file; no such message or file.
    assert_error(
        &attachment_path(&api, &carol, &direct, 1, &img).await,
        404,
        "not_found",
    );
    assert_error(
        &attachment_path(&api, &bob, &direct, 1, &other).await,
        404,
        "not_found",
    );
    assert_error(
        &attachment_path(&api, &bob, &group, 2, &other).await,
        404,
        "not_found",
    );
    assert_error(
        &attachment_path(&api, &bob, &direct, 9, &img).await,
        404,
        "not_found",
    );
    assert_error(
        &attachment_path(&api, &bob, &direct, 1, "nope").await,
        404,
        "not_found",
    );
    let carols = attachment_path(&api, &carol, &group, 2, &other).await;
    assert_eq!(carols.status, 200, "{}", carols.body);

    // Refused sends: someone else's upload, not an attachment, nothing to
    // send, too many, the same twice, a name that is a path.
    let attach = |upload: &str, name: &str| json!({"upload_id": upload, "name": name});
    for (id, attachments, code) in [
        ("r-1", vec![attach(&img, "mine.png")], "not_found"),
        ("r-2", vec![], "invalid_frame"),
    ] {
        bob_ws
            .send(json!({"action": "send", "id": id, "conversation_id": direct, "attachments": attachments}))
            .await;
        let e = bob_ws.next_of(&["error", "ack"]).await;
        assert_eq!(
            (e["id"].as_str(), e["code"].as_str()),
            (Some(id), Some(code)),
            "{e}"
        );
    }
    for (id, attachments) in [
        ("r-3", vec![attach(&emoji_upload, "e.png")]),
        (
            "r-4",
            (0..11).map(|i| attach(&img, &format!("{i}.png"))).collect(),
        ),
        ("r-5", vec![attach(&img, "a.png"), attach(&img, "b.png")]),
        ("r-6", vec![attach(&img, "../../etc/passwd")]),
    ] {
        alice_ws
            .send(json!({"action": "send", "id": id, "conversation_id": direct, "text": "x", "attachments": attachments}))
            .await;
        let e = alice_ws.next_of(&["error", "ack"]).await;
        assert_eq!(
            (e["id"].as_str(), e["code"].as_str()),
            (Some(id), Some("invalid_frame")),
            "{e}"
        );
    }

    // Once the message is deleted its files are no longer served.
    alice_ws
        .send(json!({"action": "delete", "id": "d-1", "conversation_id": direct, "seq": 1}))
        .await;
    for status in ["accepted", "persisted"] {
        loop {
            let f = alice_ws.next_of(&["ack", "error"]).await;
            if f["id"] == "d-1" {
                assert_eq!(f["status"], status, "{f}");
                break;
            }
        }
    }
    assert_error(
        &attachment_path(&api, &bob, &direct, 1, &img).await,
        404,
        "not_found",
    );
}

both_backends!(
    attachments_reach_members_and_only_members_download_them,
    themes_are_checked_applied_to_conversations_and_shared,
    shortcodes_in_messages_show_the_senders_emoji,
    uploads_stay_within_the_quota,
    a_checked_upload_is_kept_and_served_as_its_bytes_say,
    uploads_that_break_the_rules_are_refused_and_removed,
    an_upload_url_works_once_for_what_was_signed,
    an_expired_upload_url_is_refused,
);
