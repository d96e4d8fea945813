//! The contract between the connect function's WebSocket authorizer and the
//! routes after it: API Gateway passes the authorizer's context to every
//! route of the connection as `requestContext.authorizer`, beside the
//! connection's id.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::{Caller, ConnectionId, Handle, UserId, UserProfile};

/// Keys of the authorizer context.
pub const CONTEXT_USER_ID: &str = "user_id";
pub const CONTEXT_HANDLE: &str = "handle";

/// The authorizer context for a user (values must be strings, numbers or
/// booleans).
pub fn context(user: &UserProfile) -> HashMap<String, Value> {
    HashMap::from([
        (
            CONTEXT_USER_ID.to_owned(),
            Value::from(user.user_id.to_string()),
        ),
        (CONTEXT_HANDLE.to_owned(), Value::from(user.handle.as_str())),
    ])
}

/// The user the authorizer let in, if the context's fields carry one.
pub fn caller(fields: &HashMap<String, Value>) -> Option<Caller> {
    let user_id = UserId::parse(fields.get(CONTEXT_USER_ID)?.as_str()?).ok()?;
    let handle = Handle::parse(fields.get(CONTEXT_HANDLE)?.as_str()?).ok()?;
    Some(Caller { user_id, handle })
}

/// The connection a route event is for (`requestContext.connectionId`).
pub fn connection(id: Option<&str>) -> Option<ConnectionId> {
    ConnectionId::parse(id?).ok()
}
