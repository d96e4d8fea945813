use super::{Handle, UserId};

/// The authenticated user of a request or a connection: from a verified
/// access token over HTTP, from the authorizer's context on the socket.
/// Never from a payload field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub handle: Handle,
}
