//! `/api/conversations/*`: direct chats, groups, members, history.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chitter_core::AppError;
use chitter_core::Services;
use chitter_core::app::conversations;
use chitter_core::app::messaging;
use chitter_core::domain::{ClientMsgId, Retention, Role, Seq, Title, UserId};
use chitter_core::protocol::{AttachmentRequest, Content, ContentError, ErrorCode};
use http::StatusCode;
use serde::Deserialize;

use super::Target;
use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody, PathParams, QueryParams, json, no_content};

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NewConversation {
    Direct(Target),
    Group {
        title: Title,
        #[serde(default)]
        member_ids: Vec<UserId>,
    },
}

#[derive(Deserialize)]
pub struct Rename {
    title: Title,
}

pub async fn list(State(svc): State<Arc<Services>>, Authed(caller): Authed) -> ApiResult<Response> {
    let list = conversations::list(&svc, &caller).await?;
    json(
        StatusCode::OK,
        &serde_json::json!({ "conversations": list }),
    )
}

/// A direct conversation is opened (201 the first time, 200 after); a group
/// is always new.
pub async fn create(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    JsonBody(b): JsonBody<NewConversation>,
) -> ApiResult<Response> {
    match b {
        NewConversation::Direct(target) => {
            let other = target.resolve(&svc).await?;
            let (view, created) = conversations::open_direct(&svc, &caller, other).await?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json(status, &view)
        }
        NewConversation::Group { title, member_ids } => json(
            StatusCode::CREATED,
            &conversations::create_group(&svc, &caller, title, &member_ids).await?,
        ),
    }
}

pub async fn view(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &conversations::view(&svc, &caller, path.conversation()?).await?,
    )
}

pub async fn rename(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<Rename>,
) -> ApiResult<Response> {
    json(
        StatusCode::OK,
        &conversations::rename(&svc, &caller, path.conversation()?, b.title).await?,
    )
}

pub async fn add_member(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(target): JsonBody<Target>,
) -> ApiResult<Response> {
    let user = target.resolve(&svc).await?;
    json(
        StatusCode::OK,
        &conversations::add_member(&svc, &caller, path.conversation()?, user).await?,
    )
}

pub async fn remove_member(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    conversations::remove_member(&svc, &caller, path.conversation()?, path.user()?).await?;
    no_content()
}

#[derive(Deserialize)]
pub struct RetentionChange {
    /// 1, 7 or 30; null turns retention off. Required: a body that leaves
    /// it out is refused rather than read as "off".
    #[serde(deserialize_with = "present")]
    days: Option<Retention>,
}

/// A field that must be in the body, even when its value may be null.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Retention>, D::Error> {
    Option::<Retention>::deserialize(d)
}

/// Sets how long the conversation keeps its messages.
pub async fn set_retention(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<RetentionChange>,
) -> ApiResult<Response> {
    let view = conversations::set_retention(&svc, &caller, path.conversation()?, b.days).await?;
    json(StatusCode::OK, &view)
}

#[derive(Deserialize)]
pub struct RoleChange {
    role: Role,
}

/// Promotes or demotes a member (admins only).
pub async fn set_role(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<RoleChange>,
) -> ApiResult<Response> {
    let view =
        conversations::set_role(&svc, &caller, path.conversation()?, path.user()?, b.role).await?;
    json(StatusCode::OK, &view)
}

/// `?before=<seq>&limit=<n>`: a page of history, newest first.
pub async fn history(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    query: QueryParams,
) -> ApiResult<Response> {
    let before = query.number("before")?.map(Seq);
    let limit = query
        .number("limit")?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    json(
        StatusCode::OK,
        &conversations::history(&svc, &caller, path.conversation()?, before, limit).await?,
    )
}

/// A short-lived URL for a file a message carries; members only.
pub async fn attachment(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
) -> ApiResult<Response> {
    let download = conversations::attachment(
        &svc,
        &caller,
        path.conversation()?,
        path.seq()?,
        path.upload_named("upload")?,
    )
    .await?;
    json(StatusCode::OK, &download)
}

/// A message sent over HTTP, as a socket's `send` frame has it.
#[derive(Deserialize)]
pub struct NewMessage {
    id: ClientMsgId,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentRequest>,
}

/// Sends a message without a socket (bots, integrations): 202 with the
/// `accepted` ack; the members' connections then get the message.
pub async fn send(
    State(svc): State<Arc<Services>>,
    Authed(caller): Authed,
    path: PathParams,
    JsonBody(b): JsonBody<NewMessage>,
) -> ApiResult<Response> {
    let content = Content::parse(b.text, b.attachments).map_err(|e| match e {
        ContentError::TooLong(m) => AppError::bad_request(ErrorCode::TextTooLong, m),
        ContentError::Invalid(m) => AppError::bad_request(ErrorCode::InvalidRequest, m),
    })?;
    let ack = messaging::send_over_http(&svc, &caller, b.id, path.conversation()?, content).await?;
    json(StatusCode::ACCEPTED, &ack)
}
