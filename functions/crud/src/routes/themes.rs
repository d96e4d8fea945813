//! `/api/themes/*`, `/api/market`, `/api/me/theme` and the conversation
//! theme routes: a user's themes, where they apply, and the market.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::app::themes;
use chitter_core::domain::{ThemeId, ThemeSpec};
use chitter_core::ports::MarketOrder;
use chitter_core::protocol::ErrorCode;
use chitter_core::{AppError, Services};
use http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, QueryParams, json, no_content};

/// `{"theme_id": "…"}` to choose, `{"theme_id": null}` to clear.
#[derive(Deserialize)]
pub struct Choice {
    // Required, though it may be null: a body without it (a misspelled
    // key) must not clear the choice.
    #[serde(deserialize_with = "Option::deserialize")]
    theme_id: Option<ThemeId>,
}

pub async fn list(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    let list = themes::list(&svc, &caller).await?;
    json(StatusCode::OK, &serde_json::json!({ "themes": list }))
}

pub async fn create(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(spec): JsonBody<ThemeSpec>,
) -> ApiResult<Response> {
    json(
        StatusCode::CREATED,
        &themes::create(&svc, &caller, spec).await?,
    )
}

pub async fn view(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &themes::get(&svc, &caller, path.theme()?).await?,
    )
}

pub async fn update(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(spec): JsonBody<ThemeSpec>,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &themes::update(&svc, &caller, path.theme()?, spec).await?,
    )
}

pub async fn delete(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    themes::delete(&svc, &caller, path.theme()?).await?;
    no_content()
}

pub async fn publish(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &themes::publish(&svc, &caller, path.theme()?, true).await?,
    )
}

pub async fn unpublish(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &themes::publish(&svc, &caller, path.theme()?, false).await?,
    )
}

pub async fn copy(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::CREATED,
        &themes::copy(&svc, &caller, path.theme()?).await?,
    )
}

pub async fn market(
    State(svc): State<Arc<Services>>,
    Authed(_caller): Authed,
    query: QueryParams,
) -> ApiResult<Response> {
    let order = match query.text("order") {
        None | Some("newest") => MarketOrder::Newest,
        Some("most_copied") => MarketOrder::MostCopied,
        Some(_) => {
            return Err(AppError::bad_request(
                ErrorCode::InvalidRequest,
                "`order` must be `newest` or `most_copied`",
            )
            .into());
        }
    };
    let limit = query.number("limit")?.unwrap_or(20);
    let limit = usize::try_from(limit).unwrap_or(themes::MAX_PAGE);
    json(
        StatusCode::OK,
        &themes::market(&svc, order, query.text("cursor"), limit).await?,
    )
}

pub async fn my_default(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let theme = themes::default_theme(&svc, &caller).await?;
    json(StatusCode::OK, &serde_json::json!({ "theme": theme }))
}

pub async fn set_my_default(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(b): JsonBody<Choice>,
) -> ApiResult<Response> {
    let theme = themes::set_default(&svc, &caller, b.theme_id).await?;
    json(StatusCode::OK, &serde_json::json!({ "theme": theme }))
}

pub async fn conversation_looks(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &themes::looks(&svc, &caller, path.conversation()?).await?,
    )
}

pub async fn set_conversation_theme(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<Choice>,
) -> ApiResult<Response> {
    let theme =
        themes::set_for_conversation(&svc, &caller, path.conversation()?, b.theme_id).await?;
    json(StatusCode::OK, &serde_json::json!({ "theme": theme }))
}

pub async fn set_my_conversation_theme(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<Choice>,
) -> ApiResult<Response> {
    let theme = themes::set_override(&svc, &caller, path.conversation()?, b.theme_id).await?;
    json(StatusCode::OK, &serde_json::json!({ "theme": theme }))
}
