//! `/api/emoji/*`: the caller's emoji library, and any emoji by id.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::Services;
use chitter_core::app::emoji;
use chitter_core::domain::{Shortcode, UploadId};
use http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, json, no_content};

#[derive(Deserialize)]
pub struct NewEmoji {
    upload_id: UploadId,
    shortcode: Shortcode,
}

#[derive(Deserialize)]
pub struct Rename {
    shortcode: Shortcode,
}

pub async fn list(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    let list = emoji::list(&svc, &caller).await?;
    json(StatusCode::OK, &serde_json::json!({ "emoji": list }))
}

pub async fn create(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(b): JsonBody<NewEmoji>,
) -> ApiResult<Response> {
    json(
        StatusCode::CREATED,
        &emoji::create(&svc, &caller, b.upload_id, b.shortcode).await?,
    )
}

pub async fn view(
    State(svc): State<Arc<Services>>,
    Authed(_caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(StatusCode::OK, &emoji::get(&svc, path.emoji()?).await?)
}

pub async fn rename(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<Rename>,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &emoji::rename(&svc, &caller, path.emoji()?, b.shortcode).await?,
    )
}

pub async fn delete(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    emoji::delete(&svc, &caller, path.emoji()?).await?;
    no_content()
}
