//! `/api/uploads/*`: presigned uploads, their checks, the caller's library.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::Services;
use chitter_core::app::uploads;
use chitter_core::domain::UploadKind;
use http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, json, no_content};

#[derive(Deserialize)]
pub struct NewUpload {
    kind: UploadKind,
    content_type: String,
    size: u64,
}

pub async fn create(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(b): JsonBody<NewUpload>,
) -> ApiResult<Response> {
    let ticket = uploads::create(&svc, &caller, b.kind, &b.content_type, b.size).await?;
    json(StatusCode::CREATED, &ticket)
}

pub async fn finalize(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &uploads::finalize(&svc, &caller, path.upload()?).await?,
    )
}

pub async fn view(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &uploads::get(&svc, &caller, path.upload()?).await?,
    )
}

pub async fn list(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    json(StatusCode::OK, &uploads::list(&svc, &caller).await?)
}

pub async fn delete(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    uploads::delete(&svc, &caller, path.upload()?).await?;
    no_content()
}
