//! The crud function: the HTTP API under `/api` (accounts, tickets,
//! conversations, friends, history, uploads, emoji,
//! themes and the market), as one axum `Router` that lambda_http
//! serves. chitter-local hands it the same payload-2.0 requests.
//!
//! `routes/` holds thin handlers, one file per resource; `extract` turns a
//! request into typed values (the caller, a JSON body, path ids); `error`
//! is the one mapping from a use-case error to an HTTP answer.

pub mod config;
mod error;
mod extract;
mod routes;

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post, put};
use chitter_core::Services;
use http::Uri;
use lambda_http::{Body, IntoResponse as _, Request, RequestExt as _, Response};
use tower::ServiceExt;
use tracing::Instrument;

pub use lambda_http::Error;

/// The one route table.
pub fn router(svc: Arc<Services>) -> Router {
    use routes::{accounts, conversations, emoji, friends, matching, rooms, themes, uploads};
    Router::new()
        .route("/api/health", get(routes::health))
        .route("/api/auth/signup", post(accounts::signup))
        .route("/api/auth/signin", post(accounts::signin))
        .route("/api/auth/refresh", post(accounts::refresh))
        .route(
            "/api/auth/oidc",
            get(accounts::oidc_provider).post(accounts::oidc_sign_in),
        )
        .route("/api/auth/oidc/start", post(accounts::oidc_start))
        .route("/api/auth/signout", post(accounts::signout))
        .route("/api/auth/ticket", post(accounts::ticket))
        .route("/api/me", get(accounts::me))
        .route(
            "/api/me/theme",
            get(themes::my_default).put(themes::set_my_default),
        )
        .route("/api/users", get(accounts::search))
        .route("/api/profiles", get(accounts::profiles))
        .route("/api/users/{handle}", get(accounts::user))
        .route(
            "/api/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route(
            "/api/conversations/{id}",
            get(conversations::view).patch(conversations::rename),
        )
        .route(
            "/api/conversations/{id}/members",
            post(conversations::add_member),
        )
        .route(
            "/api/conversations/{id}/members/{user}",
            delete(conversations::remove_member).patch(conversations::set_role),
        )
        .route(
            "/api/conversations/{id}/messages",
            get(conversations::history).post(conversations::send),
        )
        .route(
            "/api/conversations/{id}/messages/{seq}/attachments/{upload}",
            get(conversations::attachment),
        )
        .route(
            "/api/conversations/{id}/retention",
            put(conversations::set_retention),
        )
        .route(
            "/api/conversations/{id}/theme",
            get(themes::conversation_looks).put(themes::set_conversation_theme),
        )
        .route(
            "/api/conversations/{id}/my-theme",
            put(themes::set_my_conversation_theme),
        )
        .route("/api/rooms", get(rooms::discover).post(rooms::create))
        .route(
            "/api/rooms/{id}/membership",
            put(rooms::join).delete(rooms::leave),
        )
        .route(
            "/api/match",
            get(matching::status)
                .post(matching::request)
                .delete(matching::leave),
        )
        .route("/api/blocks", get(friends::blocks))
        .route(
            "/api/blocks/{user}",
            put(friends::block).delete(friends::unblock),
        )
        .route("/api/friends", get(friends::list))
        .route("/api/friends/requests", post(friends::request))
        .route("/api/friends/requests/{user}/accept", post(friends::accept))
        .route(
            "/api/friends/requests/{user}/decline",
            post(friends::decline),
        )
        .route("/api/friends/{user}", delete(friends::remove))
        .route("/api/uploads", get(uploads::list).post(uploads::create))
        .route(
            "/api/uploads/{id}",
            get(uploads::view).delete(uploads::delete),
        )
        .route("/api/uploads/{id}/finalize", post(uploads::finalize))
        .route("/api/themes", get(themes::list).post(themes::create))
        .route(
            "/api/themes/{id}",
            get(themes::view).put(themes::update).delete(themes::delete),
        )
        .route(
            "/api/themes/{id}/published",
            put(themes::publish).delete(themes::unpublish),
        )
        .route("/api/themes/{id}/copy", post(themes::copy))
        .route("/api/market", get(themes::market))
        .route("/api/emoji", get(emoji::list).post(emoji::create))
        .route(
            "/api/emoji/{id}",
            get(emoji::view).patch(emoji::rename).delete(emoji::delete),
        )
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(svc)
}

/// The HTTP API, built once per process.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

impl Api {
    pub fn new(svc: Arc<Services>) -> Self {
        Self {
            router: router(svc),
        }
    }

    /// Answers one request: routes it on its raw path, then converts the
    /// response as `lambda_http::run` does. Every failure is a JSON
    /// `{code, message}` with its status; nothing here returns `Err`, which
    /// would be a 502 at the edge.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        // Every log line of the request carries its ids.
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = request.raw_http_path(),
            request_id = request.lambda_context_ref().map_or("", |c| c.request_id.as_str()),
        );
        let response = self
            .router
            .clone()
            .oneshot(on_raw_path(request))
            .instrument(span)
            .await?;
        Ok(response.into_response().await)
    }
}

/// Routes see the path the client sent: lambda_http puts the stage in front
/// of the URI's path for a named stage, and a trailing slash names the same
/// resource as none.
fn on_raw_path(mut request: Request) -> Request {
    let raw = request.raw_http_path();
    let path = match raw.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    };
    let uri = request.uri();
    let rebuilt = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    if rebuilt != uri.path_and_query().map_or("", |pq| pq.as_str())
        && let Ok(new) = rebuilt.parse::<Uri>()
    {
        *request.uri_mut() = new;
    }
    request
}
