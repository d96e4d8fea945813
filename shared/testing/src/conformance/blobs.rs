//! `BlobStore`: a presigned upload accepts only what was signed: the key,
//! the content type, the length, and only until it expires.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use chitter_core::ports::{BlobKey, BlobStore};

/// `presigner` and `bucket` are the client and bucket behind `store`, to
/// sign a URL that has already expired.
pub async fn blobs_accept_only_what_was_signed(
    store: &dyn BlobStore,
    presigner: &aws_sdk_s3::Client,
    bucket: &str,
) {
    let http = reqwest::Client::new();
    let key = BlobKey::parse("incoming/conformance/party").unwrap();
    let body = b"\x89PNG fake image".to_vec();
    let ttl = Duration::from_secs(300);
    let len = body.len() as u64;

    let put = store
        .presign_put(&key, "image/png", len, ttl)
        .await
        .unwrap();
    assert_eq!(put.method, "PUT");
    let header = |name: &str| {
        put.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("content-type").as_deref(), Some("image/png"));
    assert_eq!(header("if-none-match").as_deref(), Some("*"));
    assert_eq!(header("content-length"), None, "clients set the length");
    let send = |url: &str, content_type: &str, body: Vec<u8>| {
        http.put(url)
            .header("content-type", content_type)
            .header("if-none-match", "*")
            .body(body)
            .send()
    };
    // Without the signed If-None-Match.
    let r = http
        .put(&put.url)
        .header("content-type", "image/png")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "unsigned overwrite accepted");
    // Another content type than the signed one.
    let r = send(&put.url, "text/html", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "wrong content type accepted");
    // Another length than the signed one.
    let mut longer = body.clone();
    longer.extend_from_slice(b" and more");
    let r = send(&put.url, "image/png", longer).await.unwrap();
    assert_eq!(r.status(), 403, "wrong length accepted");
    // A tampered signature.
    let r = send(&tamper(&put.url), "image/png", body.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "tampered signature accepted");
    // Another key with the same signature.
    let moved = put.url.replacen("/party", "/other", 1);
    let r = send(&moved, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "signature reused for another key");
    // Expired: signed two hours ago for one minute.
    let config = PresigningConfig::builder()
        .start_time(SystemTime::now() - Duration::from_secs(7200))
        .expires_in(Duration::from_secs(60))
        .build()
        .unwrap();
    let expired = presigner
        .put_object()
        .bucket(bucket)
        .key(key.as_str())
        .content_type("image/png")
        .presigned(config)
        .await
        .unwrap();
    let r = send(expired.uri(), "image/png", body.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "expired URL accepted");
    // No signature at all.
    let bare = put.url.split('?').next().unwrap().to_owned();
    let r = send(&bare, "image/png", body.clone()).await.unwrap();
    assert_eq!(r.status(), 403, "anonymous upload accepted");
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
    // The URL creates once: it cannot replace what it uploaded.
    let r = send(&put.url, "image/png", b"\x89PNG fake imagX".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 412, "a second upload with one URL");
    let info = store.stat(&key).await.unwrap().unwrap();
    assert_eq!(info.size, len);
    assert_eq!(info.content_type.as_deref(), Some("image/png"));
    assert_eq!(store.read(&key).await.unwrap(), Some(body.clone()));

    let get = store.presign_get(&key, ttl).await.unwrap();
    let r = http.get(&get.url).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    let r = http.get(tamper(&get.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // What the server writes itself, with the type it chose.
    let kept = BlobKey::parse("media/conformance/party").unwrap();
    store
        .put(&kept, "image/gif", b"GIF89a".to_vec())
        .await
        .unwrap();
    let info = store.stat(&kept).await.unwrap().unwrap();
    assert_eq!(info.content_type.as_deref(), Some("image/gif"));

    for k in [&key, &kept] {
        store.delete(k).await.unwrap();
        assert!(store.stat(k).await.unwrap().is_none());
        assert_eq!(store.read(k).await.unwrap(), None);
    }
    // Deleting what is not there is not an error.
    store.delete(&key).await.unwrap();
}

/// Flips the last hex digit of the URL's signature parameter.
fn tamper(url: &str) -> String {
    let name = "X-Amz-Signature=";
    let start = url.find(name).expect("a signature parameter") + name.len();
    let end = url[start..].find('&').map_or(url.len(), |i| start + i);
    let last = &url[end - 1..end];
    let flipped = if last == "0" { "1" } else { "0" };
    format!("{}{flipped}{}", &url[..end - 1], &url[end..])
}
