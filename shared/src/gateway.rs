//! What the functions read from API Gateway's request context, and what the
//! connect function's authorizer puts there.

use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequestContext;
use serde_json::Value;

use crate::app::accounts::Caller;
use crate::domain::{ConnectionId, Handle, UserId, UserProfile};

/// Keys of the authorizer context, which API Gateway passes to every route
/// of the connection as `requestContext.authorizer`.
pub const CONTEXT_USER_ID: &str = "user_id";
pub const CONTEXT_HANDLE: &str = "handle";

/// The authorizer context for a user (values must be strings, numbers or
/// booleans).
pub fn authorizer_context(user: &UserProfile) -> HashMap<String, Value> {
    HashMap::from([
        (
            CONTEXT_USER_ID.to_owned(),
            Value::from(user.user_id.to_string()),
        ),
        (CONTEXT_HANDLE.to_owned(), Value::from(user.handle.as_str())),
    ])
}

/// The user the authorizer let in, if the context carries one.
pub fn caller(ctx: &ApiGatewayWebsocketProxyRequestContext) -> Option<Caller> {
    let fields = &ctx.authorizer.fields;
    let user_id = UserId::parse(fields.get(CONTEXT_USER_ID)?.as_str()?).ok()?;
    let handle = Handle::parse(fields.get(CONTEXT_HANDLE)?.as_str()?).ok()?;
    Some(Caller { user_id, handle })
}

pub fn connection_id(ctx: &ApiGatewayWebsocketProxyRequestContext) -> Option<ConnectionId> {
    ConnectionId::parse(ctx.connection_id.as_deref()?).ok()
}
