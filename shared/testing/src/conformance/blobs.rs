//! `BlobStore`: a presigned upload accepts only what was signed.

/// What a presigned upload may and may not do. `expired` is an upload URL
/// for `key` whose validity has passed.
pub async fn blobs_accept_only_what_was_signed(
    store: &dyn chitter_core::ports::BlobStore,
    expired: chitter_core::ports::PresignedRequest,
) {
    use chitter_core::ports::BlobKey;
    let http = reqwest::Client::new();
    let key = BlobKey::parse("emoji/conformance/party.png").unwrap();
    let body = b"\x89PNG fake image".to_vec();
    let ttl = std::time::Duration::from_secs(300);

    let put = store.presign_put(&key, "image/png", ttl).await.unwrap();
    assert_eq!(put.method, "PUT");
    let send = |url: &str, content_type: &str, body: Vec<u8>| {
        http.put(url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Another content type than the signed one.
    let r = send(&put.url, "text/html", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "wrong content type accepted");
    // A tampered signature.
    let tampered = tamper(&put.url);
    let r = send(&tampered, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "tampered signature accepted");
    // Another key with the same signature.
    let moved = put.url.replacen("party.png", "other.png", 1);
    let r = send(&moved, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "signature reused for another key");
    // Expired.
    let r = send(&expired.url, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "expired URL accepted");
    assert!(
        store.stat(&key).await.unwrap().is_none(),
        "a refused upload left a blob"
    );

    let r = send(&put.url, "image/png", body.clone()).await.unwrap();
    assert!(
        r.status().is_success(),
        "signed upload refused: {}",
        r.status()
    );
    let info = store.stat(&key).await.unwrap().unwrap();
    assert_eq!(info.size, body.len() as u64);
    assert_eq!(info.content_type.as_deref(), Some("image/png"));

    let get = store.presign_get(&key, ttl).await.unwrap();
    let r = http.get(&get.url).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    let r = http.get(tamper(&get.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);

    store.delete(&key).await.unwrap();
    assert!(store.stat(&key).await.unwrap().is_none());
}

/// Flips the last hex digit of the URL's signature parameter.
fn tamper(url: &str) -> String {
    let (start, name) = ["X-Amz-Signature=", "signature="]
        .iter()
        .find_map(|n| url.find(n).map(|i| (i + n.len(), *n)))
        .expect("a signature parameter");
    let _ = name;
    let end = url[start..].find('&').map_or(url.len(), |i| start + i);
    let last = &url[end - 1..end];
    let flipped = if last == "0" { "1" } else { "0" };
    format!("{}{flipped}{}", &url[..end - 1], &url[end..])
}
