//! Blobs in a folder, with presigned URLs that chitter-local serves under
//! `/blobs/`. Like S3's, a URL signs the method, the key, the content type
//! and the expiry; changing any of them invalidates it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use chitter_core::ports::{BlobError, BlobInfo, BlobKey, BlobStore, PresignedRequest};

type HmacSha256 = Hmac<Sha256>;

/// Why a presigned request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UploadRejection {
    #[error("the URL has expired")]
    Expired,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the content type differs from the signed one")]
    WrongContentType,
}

/// The signed parts of a presigned request, as they arrive in its query.
#[derive(Debug, Clone, Default)]
pub struct UploadCheck {
    pub expires: i64,
    pub content_type: Option<String>,
    pub signature: String,
}

pub struct FsBlobStore {
    root: PathBuf,
    base_url: String,
    /// Keyed once; cloned per signature.
    mac: HmacSha256,
}

impl std::fmt::Debug for FsBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsBlobStore")
            .field("root", &self.root)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FsBlobStore {
    /// `base_url` is where chitter-local serves `/blobs/`, such as
    /// `http://localhost:3000`.
    pub fn new(root: &Path, base_url: &str, signing_key: &[u8]) -> Result<Self, BlobError> {
        Ok(Self {
            root: root.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            mac: HmacSha256::new_from_slice(signing_key).map_err(|e| BlobError(e.into()))?,
        })
    }

    /// Blobs, their content types and uploads in progress live in three
    /// separate trees, so that no key can name another's metadata or
    /// temporary file.
    pub fn path_of(&self, key: &BlobKey) -> PathBuf {
        self.root.join("objects").join(key.as_str())
    }

    fn type_path_of(&self, key: &BlobKey) -> PathBuf {
        self.root.join("types").join(key.as_str())
    }

    fn mac(&self, method: &str, key: &BlobKey, content_type: &str, expires: i64) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(format!("{method}\n{}\n{content_type}\n{expires}", key.as_str()).as_bytes());
        mac
    }

    fn sign(&self, method: &str, key: &BlobKey, content_type: &str, expires: i64) -> String {
        let tag = self
            .mac(method, key, content_type, expires)
            .finalize()
            .into_bytes();
        tag.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks a presigned request. `sent_type` is the request's
    /// Content-Type header, for uploads.
    pub fn verify(
        &self,
        method: &str,
        key: &BlobKey,
        check: &UploadCheck,
        sent_type: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), UploadRejection> {
        let signed_type = check.content_type.as_deref().unwrap_or("");
        let Some(tag) = decode_hex(&check.signature) else {
            return Err(UploadRejection::BadSignature);
        };
        self.mac(method, key, signed_type, check.expires)
            .verify_slice(&tag)
            .map_err(|_| UploadRejection::BadSignature)?;
        if now.timestamp() > check.expires {
            return Err(UploadRejection::Expired);
        }
        if method == "PUT" && sent_type.unwrap_or("") != signed_type {
            return Err(UploadRejection::WrongContentType);
        }
        Ok(())
    }

    /// A presigned request valid from `start` for `ttl`.
    pub fn presign_from(
        &self,
        method: &str,
        key: &BlobKey,
        content_type: &str,
        start: DateTime<Utc>,
        ttl: Duration,
    ) -> PresignedRequest {
        let expires_at = start + ttl;
        let expires = expires_at.timestamp();
        let signature = self.sign(method, key, content_type, expires);
        let mut url = format!(
            "{}/blobs/{}?expires={expires}&signature={signature}",
            self.base_url,
            key.as_str()
        );
        let mut headers = Vec::new();
        if !content_type.is_empty() {
            url.push_str("&content_type=");
            url.push_str(&form_urlencoded_component(content_type));
            headers.push(("content-type".to_owned(), content_type.to_owned()));
        }
        PresignedRequest {
            method: method.to_owned(),
            url,
            headers,
            expires_at,
        }
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

fn form_urlencoded_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn io(e: std::io::Error) -> BlobError {
    BlobError(e.into())
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn presign_put(
        &self,
        key: &BlobKey,
        content_type: &str,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        Ok(self.presign_from("PUT", key, content_type, Utc::now(), ttl))
    }

    async fn presign_get(
        &self,
        key: &BlobKey,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        Ok(self.presign_from("GET", key, "", Utc::now(), ttl))
    }

    async fn stat(&self, key: &BlobKey) -> Result<Option<BlobInfo>, BlobError> {
        let path = self.path_of(key);
        match tokio::fs::metadata(&path).await {
            Ok(meta) => {
                let content_type = tokio::fs::read_to_string(self.type_path_of(key)).await.ok();
                Ok(Some(BlobInfo {
                    size: meta.len(),
                    content_type,
                }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        for p in [self.type_path_of(key), self.path_of(key)] {
            match tokio::fs::remove_file(&p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(())
    }
}

impl FsBlobStore {
    /// Stores an upload that passed `verify`.
    pub async fn put(
        &self,
        key: &BlobKey,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), BlobError> {
        let (path, type_path) = (self.path_of(key), self.type_path_of(key));
        let tmp_dir = self.root.join("tmp");
        for dir in [path.parent(), type_path.parent(), Some(tmp_dir.as_path())]
            .into_iter()
            .flatten()
        {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = tmp_dir.join(uuid::Uuid::new_v4().simple().to_string());
        tokio::fs::write(&tmp, body).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        match content_type {
            Some(ct) => tokio::fs::write(&type_path, ct).await.map_err(io)?,
            None => match tokio::fs::remove_file(&type_path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            },
        }
        Ok(())
    }

    pub async fn get(&self, key: &BlobKey) -> Result<Option<(Vec<u8>, Option<String>)>, BlobError> {
        let path = self.path_of(key);
        match tokio::fs::read(&path).await {
            Ok(body) => {
                let ct = tokio::fs::read_to_string(self.type_path_of(key)).await.ok();
                Ok(Some((body, ct)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> FsBlobStore {
        FsBlobStore::new(Path::new("/nonexistent"), "http://localhost:3000", b"k").unwrap()
    }

    fn check_of(url: &str) -> UploadCheck {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        let mut c = UploadCheck::default();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("expires", v)) => c.expires = v.parse().unwrap(),
                Some(("signature", v)) => c.signature = v.into(),
                Some(("content_type", v)) => c.content_type = Some(v.replace("%2F", "/")),
                _ => {}
            }
        }
        c
    }

    #[test]
    fn presigned_puts_check_signature_type_and_expiry() {
        let s = store();
        let key = BlobKey::parse("emoji/u/1").unwrap();
        let p = s.presign_from(
            "PUT",
            &key,
            "image/png",
            Utc::now(),
            Duration::from_secs(60),
        );
        let c = check_of(&p.url);
        let now = Utc::now();
        assert_eq!(s.verify("PUT", &key, &c, Some("image/png"), now), Ok(()));
        assert_eq!(
            s.verify("PUT", &key, &c, Some("text/html"), now),
            Err(UploadRejection::WrongContentType)
        );
        let other = BlobKey::parse("emoji/u/2").unwrap();
        assert_eq!(
            s.verify("PUT", &other, &c, Some("image/png"), now),
            Err(UploadRejection::BadSignature)
        );
        let mut tampered = c.clone();
        tampered.expires += 3600;
        assert_eq!(
            s.verify("PUT", &key, &tampered, Some("image/png"), now),
            Err(UploadRejection::BadSignature)
        );
        assert_eq!(
            s.verify(
                "PUT",
                &key,
                &c,
                Some("image/png"),
                now + chrono::Duration::seconds(120)
            ),
            Err(UploadRejection::Expired)
        );
        assert_eq!(
            s.verify("GET", &key, &c, None, now),
            Err(UploadRejection::BadSignature)
        );
    }

    #[test]
    fn keys_cannot_escape_the_folder() {
        for bad in ["../x", "a/../b", "/abs", "a//b", "a/./b", "sp ace", ""] {
            assert!(BlobKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
