//! `/api/rooms/*`: public rooms, their directory, joining and leaving.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::AppError;
use chitter_core::Services;
use chitter_core::app::rooms;
use chitter_core::domain::{ConversationId, Title};
use chitter_core::protocol::ErrorCode;
use http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, QueryParams, json, no_content};

#[derive(Deserialize)]
pub struct NewRoom {
    title: Title,
}

/// `?after=<last room id>&limit=<1-50>`: the directory, newest first.
pub async fn discover(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    query: QueryParams,
) -> ApiResult<Response> {
    let after = query
        .text("after")
        .map(|s| {
            ConversationId::parse(s).map_err(|_| {
                AppError::bad_request(ErrorCode::InvalidRequest, "after must be a room id")
            })
        })
        .transpose()?;
    let limit = query
        .number("limit")?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    json(
        StatusCode::OK,
        &rooms::discover(&svc, &caller, after, limit).await?,
    )
}

pub async fn create(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(b): JsonBody<NewRoom>,
) -> ApiResult<Response> {
    json(
        StatusCode::CREATED,
        &rooms::create(&svc, &caller, b.title).await?,
    )
}

/// `PUT …/membership`: join (idempotent).
pub async fn join(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &rooms::join(&svc, &caller, path.conversation()?).await?,
    )
}

/// `DELETE …/membership`: leave.
pub async fn leave(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    rooms::leave(&svc, &caller, path.conversation()?).await?;
    no_content()
}
