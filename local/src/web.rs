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
/// images from this origin (uploads are served under `/blobs/`) and from
/// `blob:` (previews of a file before it is uploaded); sockets to this host.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' blob:; connect-src 'self' ws: wss:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Where `make run` builds the client, relative to this crate.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist")
}

pub fn routes(dir: &Path) -> Router<AppState> {
    let index = dir.join("index.html");
    let router = if index.is_file() {
        Router::new().fallback_service(
            ServeDir::new(dir).not_found_service(ServeFile::new(index)),
        )
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
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
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
