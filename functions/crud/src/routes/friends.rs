//! `/api/friends/*`: requests, answers, the list.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::Services;
use chitter_core::app::friends;
use http::StatusCode;

use super::Target;
use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, json, no_content};

pub async fn list(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    json(StatusCode::OK, &friends::list(&svc, &caller).await?)
}

pub async fn request(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(target): JsonBody<Target>,
) -> ApiResult<Response> {
    let other = target.resolve(&svc).await?;
    let state = friends::request(&svc, &caller, other).await?;
    json(StatusCode::OK, &serde_json::json!({ "state": state }))
}

pub async fn accept(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    friends::accept(&svc, &caller, path.user()?).await?;
    no_content()
}

pub async fn decline(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    friends::decline(&svc, &caller, path.user()?).await?;
    no_content()
}

pub async fn remove(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    friends::remove(&svc, &caller, path.user()?).await?;
    no_content()
}

pub async fn blocks(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    json(StatusCode::OK, &friends::blocks(&svc, &caller).await?)
}

pub async fn block(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    friends::block(&svc, &caller, path.user()?).await?;
    no_content()
}

pub async fn unblock(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    friends::unblock(&svc, &caller, path.user()?).await?;
    no_content()
}
