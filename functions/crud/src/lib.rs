//! The crud function: the HTTP API under `/api` (accounts, tickets,
//! conversations, friends, history).

use http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use chitter_core::app::accounts::{self, Caller};
use chitter_core::app::{conversations, friends};
use chitter_core::domain::{ConversationId, DisplayName, Handle, Password, Seq, Title, UserId};
use chitter_core::protocol::ErrorCode;
use chitter_core::{AppError, AppResult, Services};

pub use lambda_http::Error;

/// Request bodies larger than this are refused before parsing.
pub const MAX_BODY: usize = 64 * 1024;

/// Routes one request. Every failure becomes a JSON `{code, message}` with
/// its status; nothing here returns `Err`, which would be a 502 at the edge.
pub async fn handle(svc: &Services, request: Request) -> Result<Response<Body>, Error> {
    let method = request.method().clone();
    let path = request.raw_http_path().to_owned();
    let result = route(svc, &method, &path, &request).await;
    Ok(match result {
        Ok(response) => response,
        Err(e) => {
            e.log();
            error_response(&e)
        }
    })
}

async fn route(
    svc: &Services,
    method: &Method,
    path: &str,
    req: &Request,
) -> AppResult<Response<Body>> {
    let segments: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let segments = match segments.as_slice() {
        ["api", rest @ ..] => rest,
        _ => return Err(AppError::NotFound("route")),
    };
    match (method.as_str(), segments) {
        ("GET", ["health"]) => json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
        ("POST", ["auth", "signup"]) => {
            let b: Signup = body(req)?;
            let session = accounts::signup(svc, b.handle, b.password, b.display_name).await?;
            json(StatusCode::CREATED, &session)
        }
        ("POST", ["auth", "signin"]) => {
            let b: Signin = body(req)?;
            json(
                StatusCode::OK,
                &accounts::signin(svc, &b.handle, b.password).await?,
            )
        }
        ("POST", ["auth", "refresh"]) => {
            let b: RefreshBody = body(req)?;
            json(
                StatusCode::OK,
                &accounts::refresh(svc, &b.refresh_token).await?,
            )
        }
        ("POST", ["auth", "signout"]) => {
            let b: RefreshBody = body(req)?;
            accounts::signout(svc, &b.refresh_token).await?;
            no_content()
        }
        ("POST", ["auth", "ticket"]) => {
            let caller = caller(svc, req)?;
            json(
                StatusCode::CREATED,
                &accounts::issue_ticket(svc, &caller).await?,
            )
        }
        ("GET", ["me"]) => {
            let caller = caller(svc, req)?;
            json(
                StatusCode::OK,
                &accounts::profile(svc, caller.user_id).await?,
            )
        }
        ("GET", ["users", handle]) => {
            caller(svc, req)?;
            json(
                StatusCode::OK,
                &accounts::find_by_handle(svc, handle).await?,
            )
        }
        ("GET", ["conversations"]) => {
            let caller = caller(svc, req)?;
            let list = conversations::list(svc, &caller).await?;
            json(
                StatusCode::OK,
                &serde_json::json!({ "conversations": list }),
            )
        }
        ("POST", ["conversations"]) => {
            let caller = caller(svc, req)?;
            match body::<NewConversation>(req)? {
                NewConversation::Direct(target) => {
                    let other = resolve(svc, target).await?;
                    let (view, created) = conversations::open_direct(svc, &caller, other).await?;
                    let status = if created {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    };
                    json(status, &view)
                }
                NewConversation::Group { title, member_ids } => json(
                    StatusCode::CREATED,
                    &conversations::create_group(svc, &caller, title, &member_ids).await?,
                ),
            }
        }
        ("GET", ["conversations", id]) => {
            let caller = caller(svc, req)?;
            json(
                StatusCode::OK,
                &conversations::view(svc, &caller, conversation_id(id)?).await?,
            )
        }
        ("PATCH", ["conversations", id]) => {
            let caller = caller(svc, req)?;
            let b: Rename = body(req)?;
            json(
                StatusCode::OK,
                &conversations::rename(svc, &caller, conversation_id(id)?, b.title).await?,
            )
        }
        ("POST", ["conversations", id, "members"]) => {
            let caller = caller(svc, req)?;
            let user = resolve(svc, body(req)?).await?;
            json(
                StatusCode::OK,
                &conversations::add_member(svc, &caller, conversation_id(id)?, user).await?,
            )
        }
        ("DELETE", ["conversations", id, "members", user]) => {
            let caller = caller(svc, req)?;
            conversations::remove_member(svc, &caller, conversation_id(id)?, user_id(user)?)
                .await?;
            no_content()
        }
        ("GET", ["conversations", id, "messages"]) => {
            let caller = caller(svc, req)?;
            let query = req.query_string_parameters();
            let before = query
                .first("before")
                .map(|v| number(v, "before"))
                .transpose()?
                .map(Seq);
            let limit = query
                .first("limit")
                .map(|v| number(v, "limit"))
                .transpose()?
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
            json(
                StatusCode::OK,
                &conversations::history(svc, &caller, conversation_id(id)?, before, limit).await?,
            )
        }
        ("GET", ["friends"]) => {
            let caller = caller(svc, req)?;
            json(StatusCode::OK, &friends::list(svc, &caller).await?)
        }
        ("POST", ["friends", "requests"]) => {
            let caller = caller(svc, req)?;
            let other = resolve(svc, body(req)?).await?;
            let state = friends::request(svc, &caller, other).await?;
            json(StatusCode::OK, &serde_json::json!({ "state": state }))
        }
        ("POST", ["friends", "requests", user, "accept"]) => {
            let caller = caller(svc, req)?;
            friends::accept(svc, &caller, user_id(user)?).await?;
            no_content()
        }
        ("POST", ["friends", "requests", user, "decline"]) => {
            let caller = caller(svc, req)?;
            friends::decline(svc, &caller, user_id(user)?).await?;
            no_content()
        }
        ("DELETE", ["friends", user]) => {
            let caller = caller(svc, req)?;
            friends::remove(svc, &caller, user_id(user)?).await?;
            no_content()
        }
        (_, path) if known_path(path) => Err(AppError::bad_request(
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed here"),
        )),
        _ => Err(AppError::NotFound("route")),
    }
}

/// Paths that exist under some method, so a wrong method is a 405.
fn known_path(path: &[&str]) -> bool {
    matches!(
        path,
        ["health"]
            | [
                "auth",
                "signup" | "signin" | "refresh" | "signout" | "ticket"
            ]
            | ["me"]
            | ["users", _]
            | ["conversations"]
            | ["conversations", _]
            | ["conversations", _, "members"]
            | ["conversations", _, "members", _]
            | ["conversations", _, "messages"]
            | ["friends"]
            | ["friends", "requests"]
            | ["friends", "requests", _, "accept" | "decline"]
            | ["friends", _]
    )
}

#[derive(Deserialize)]
struct Signup {
    handle: Handle,
    password: Password,
    #[serde(default)]
    display_name: Option<DisplayName>,
}

#[derive(Deserialize)]
struct Signin {
    handle: String,
    password: String,
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

#[derive(Deserialize)]
struct Rename {
    title: Title,
}

/// Someone named by id or by handle.
#[derive(Deserialize)]
struct Target {
    #[serde(default)]
    user_id: Option<UserId>,
    #[serde(default)]
    handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum NewConversation {
    Direct(Target),
    Group {
        title: Title,
        #[serde(default)]
        member_ids: Vec<UserId>,
    },
}

async fn resolve(svc: &Services, target: Target) -> AppResult<UserId> {
    match (target.user_id, target.handle) {
        (Some(id), _) => Ok(id),
        (None, Some(handle)) => Ok(accounts::find_by_handle(svc, &handle).await?.user_id),
        (None, None) => Err(AppError::bad_request(
            ErrorCode::InvalidRequest,
            "give `user_id` or `handle`",
        )),
    }
}

fn caller(svc: &Services, req: &Request) -> AppResult<Caller> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    accounts::authenticate(svc, header)
}

fn body<T: DeserializeOwned>(req: &Request) -> AppResult<T> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY {
        return Err(AppError::bad_request(
            ErrorCode::PayloadTooLarge,
            format!("request body is over {MAX_BODY} bytes"),
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let code = if e.is_data() {
            ErrorCode::InvalidRequest
        } else {
            ErrorCode::MalformedJson
        };
        AppError::bad_request(code, format!("request body: {e}"))
    })
}

fn conversation_id(s: &str) -> AppResult<ConversationId> {
    ConversationId::parse(s).map_err(|_| AppError::NotFound("conversation"))
}

fn user_id(s: &str) -> AppResult<UserId> {
    UserId::parse(s).map_err(|_| AppError::NotFound("user"))
}

fn number(s: &str, name: &str) -> AppResult<u64> {
    s.parse().map_err(|_| {
        AppError::bad_request(
            ErrorCode::InvalidRequest,
            format!("`{name}` must be a non-negative integer"),
        )
    })
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> AppResult<Response<Body>> {
    let bytes = serde_json::to_vec(value)
        .map_err(|_| AppError::Internal("response could not be encoded"))?;
    Ok(Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(String::from_utf8_lossy(&bytes).into_owned()))
        .unwrap_or_default())
}

fn no_content() -> AppResult<Response<Body>> {
    let mut r = Response::new(Body::Empty);
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}

/// The one mapping from a use-case error to an HTTP answer.
pub fn error_response(e: &AppError) -> Response<Body> {
    let body = serde_json::json!({
        "code": e.code(),
        "message": e.public_message(),
    });
    let mut r = Response::new(Body::Text(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = http::HeaderValue::from_str("application/json") {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    if e.status() == 401 {
        r.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Bearer"),
        );
    }
    r
}
