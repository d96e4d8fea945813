//! `/api/match`: random matching.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::Services;
use chitter_core::app::matching;
use http::StatusCode;

use crate::error::ApiResult;
use crate::extract::{Authed, json, no_content};

pub async fn status(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    json(StatusCode::OK, &matching::status(&svc, &caller).await?)
}

pub async fn request(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    json(StatusCode::OK, &matching::request(&svc, &caller).await?)
}

pub async fn leave(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    matching::leave(&svc, &caller).await?;
    no_content()
}
