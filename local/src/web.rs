//! The browser client: the files of its build (`web/dist`, made by
//! `npm run build`), served with a Content-Security-Policy that keeps a page
//! to its own scripts, styles, images and sockets.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// Scripts and styles only from this origin (no inline script, no eval);
/// images and media from this origin, from `storage` (where presigned URLs
/// point, which may name this server differently than the page does, or be
/// another S3 endpoint) and from `blob:` (a file's preview before it is
/// uploaded); requests to this origin and `storage` (uploads); sockets to
/// this server (`sockets`).
pub fn content_security_policy(storage: &str, sockets: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; \
         img-src 'self' {storage} blob:; media-src 'self' {storage} blob:; \
         connect-src 'self' {storage} {sockets}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Where `make run` builds the client, relative to this crate.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist")
}

/// `public_url` is where browsers reach this server (`--public-url`);
/// `storage` is the origin presigned URLs point at.
pub fn routes(dir: &Path, public_url: &str, storage: &str) -> Router<AppState> {
    let origin = origin_of(public_url);
    let sockets = origin
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let csp = HeaderValue::from_str(&content_security_policy(&origin_of(storage), &sockets))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let index = dir.join("index.html");
    let router = if index.is_file() {
        Router::new().fallback_service(ServeDir::new(dir).not_found_service(ServeFile::new(index)))
    } else {
        tracing::warn!(
            "no web client build in {}: run `make web` (or `make run`)",
            dir.display()
        );
        Router::new().fallback(|| async { Html(NOT_BUILT).into_response() })
    };
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

const NOT_BUILT: &str = "<!doctype html><title>Chitter</title>\
<p>The web client is not built. Run <code>make run</code>, which builds it, \
or <code>make web</code>, then reload.</p>";

/// `scheme://host[:port]` of a URL, which is what a CSP source names.
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_storage_origin() {
        assert_eq!(origin_of("http://localhost:3000/"), "http://localhost:3000");
        assert_eq!(
            origin_of("https://chat.example/x/y"),
            "https://chat.example"
        );
        let csp = content_security_policy("http://127.0.0.1:9000", "ws://localhost:3000");
        assert!(csp.contains("img-src 'self' http://127.0.0.1:9000 blob:;"));
        assert!(csp.contains("connect-src 'self' http://127.0.0.1:9000 ws://localhost:3000;"));
        assert!(!csp.contains("unsafe"));
        assert!(!csp.contains(" ws: "), "sockets to this server only");
    }
}
