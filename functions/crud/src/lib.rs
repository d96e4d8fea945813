//! The crud function: the HTTP API under `/api` (accounts, tickets,
//! conversations, friends, history), as one axum `Router` that lambda_http
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
use axum::routing::{delete, get, post};
use chitter_core::Services;
use lambda_http::{Body, IntoResponse as _, Request, Response};
use tower::ServiceExt;

pub use error::{ApiError, error_response};
pub use extract::MAX_BODY;
pub use lambda_http::Error;

/// The one route table.
pub fn router(svc: Arc<Services>) -> Router {
    use routes::{accounts, conversations, friends};
    Router::new()
        .route("/api/health", get(routes::health))
        .route("/api/auth/signup", post(accounts::signup))
        .route("/api/auth/signin", post(accounts::signin))
        .route("/api/auth/refresh", post(accounts::refresh))
        .route("/api/auth/signout", post(accounts::signout))
        .route("/api/auth/ticket", post(accounts::ticket))
        .route("/api/me", get(accounts::me))
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
            delete(conversations::remove_member),
        )
        .route(
            "/api/conversations/{id}/messages",
            get(conversations::history),
        )
        .route("/api/friends", get(friends::list))
        .route("/api/friends/requests", post(friends::request))
        .route("/api/friends/requests/{user}/accept", post(friends::accept))
        .route(
            "/api/friends/requests/{user}/decline",
            post(friends::decline),
        )
        .route("/api/friends/{user}", delete(friends::remove))
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

    /// Answers one request the way `lambda_http::run` does: the router, then
    /// lambda_http's conversion of the response. Every failure is a JSON
    /// `{code, message}` with its status; nothing here returns `Err`, which
    /// would be a 502 at the edge.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        let response = self.router.clone().oneshot(request).await?;
        Ok(response.into_response().await)
    }
}
