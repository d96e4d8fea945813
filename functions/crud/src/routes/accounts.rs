//! `/api/auth/*`, `/api/me`, `/api/users`, `/api/profiles`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::app::accounts;
use chitter_core::domain::{DisplayName, Handle, Password, UserId};
use chitter_core::protocol::ErrorCode;
use chitter_core::{AppError, Services};
use http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, QueryParams, json, no_content};

#[derive(Deserialize)]
pub struct Signup {
    handle: Handle,
    password: Password,
    #[serde(default)]
    display_name: Option<DisplayName>,
}

/// Sign-in takes plain strings: a malformed handle or password is a wrong
/// credential like any other (see `accounts::signin`).
#[derive(Deserialize)]
pub struct Signin {
    handle: String,
    password: String,
}

#[derive(Deserialize)]
pub struct RefreshBody {
    refresh_token: String,
}

pub async fn signup(
    State(svc): State<Arc<Services>>,
    JsonBody(b): JsonBody<Signup>,
) -> ApiResult<Response> {
    let session = accounts::signup(&svc, b.handle, b.password, b.display_name).await?;
    json(StatusCode::CREATED, &session)
}

pub async fn signin(
    State(svc): State<Arc<Services>>,
    JsonBody(b): JsonBody<Signin>,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &accounts::signin(&svc, &b.handle, b.password).await?,
    )
}

#[derive(Deserialize)]
pub struct IdTokenBody {
    id_token: String,
}

/// `GET /api/auth/oidc`: the provider, for the sign-in button (404 when
/// none is configured).
pub async fn oidc_provider(State(svc): State<Arc<Services>>) -> ApiResult<Response> {
    json(StatusCode::OK, &accounts::oidc_provider(&svc).await?)
}

/// `POST /api/auth/oidc/start`: the provider and a fresh nonce.
pub async fn oidc_start(State(svc): State<Arc<Services>>) -> ApiResult<Response> {
    json(StatusCode::CREATED, &accounts::oidc_start(&svc).await?)
}

/// `POST /api/auth/oidc`: 201 with the session when the sign-in created
/// the account, 200 after.
pub async fn oidc_sign_in(
    State(svc): State<Arc<Services>>,
    JsonBody(b): JsonBody<IdTokenBody>,
) -> ApiResult<Response> {
    let (session, created) = accounts::oidc_sign_in(&svc, &b.id_token).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(status, &session)
}

pub async fn refresh(
    State(svc): State<Arc<Services>>,
    JsonBody(b): JsonBody<RefreshBody>,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &accounts::refresh(&svc, &b.refresh_token).await?,
    )
}

pub async fn signout(
    State(svc): State<Arc<Services>>,
    JsonBody(b): JsonBody<RefreshBody>,
) -> ApiResult<Response> {
    accounts::signout(&svc, &b.refresh_token).await?;
    no_content()
}

pub async fn ticket(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    json(
        StatusCode::CREATED,
        &accounts::issue_ticket(&svc, &caller).await?,
    )
}

pub async fn me(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &accounts::profile(&svc, caller.user_id).await?,
    )
}

/// `?prefix=<handle start>&cursor=<last handle>&limit=<n>`: users by
/// handle prefix, a page at a time.
pub async fn search(
    State(svc): State<Arc<Services>>,
    Authed(_): Authed,
    query: QueryParams,
) -> ApiResult<Response> {
    let limit = query
        .number("limit")?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let page = accounts::search(
        &svc,
        query.text("prefix").unwrap_or_default(),
        query.text("cursor"),
        limit,
    )
    .await?;
    json(StatusCode::OK, &page)
}

/// `?ids=<id>,<id>,…` (1-100): the profiles of those users who exist, for
/// naming the senders in a room, whose view lists no members.
pub async fn profiles(
    State(svc): State<Arc<Services>>,
    Authed(_): Authed,
    query: QueryParams,
) -> ApiResult<Response> {
    let ids = query
        .text("ids")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(UserId::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            AppError::bad_request(
                ErrorCode::InvalidRequest,
                "ids must be user ids, comma-separated",
            )
        })?;
    let users = accounts::profiles(&svc, &ids).await?;
    json(StatusCode::OK, &serde_json::json!({ "users": users }))
}

pub async fn user(
    State(svc): State<Arc<Services>>,
    Authed(_): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &accounts::find_by_handle(&svc, path.raw("handle")).await?,
    )
}
