//! The connect function: the WebSocket API's REQUEST authorizer (it spends
//! the one-time ticket) and its `$connect` / `$disconnect` routes.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse, ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use chitter_core::Services;
use chitter_core::app::{accounts, presence};
use chitter_core::authorizer;
use serde_json::Value;
use tracing::Instrument;

pub mod config;

pub use lambda_runtime::Error;

/// The query parameter that carries the ticket: the authorizer's identity
/// source, `route.request.querystring.ticket`.
pub const TICKET_PARAM: &str = "ticket";

/// Allows the handshake when the ticket is valid, unused and unexpired, and
/// passes the user on as the authorizer context; denies it otherwise (API
/// Gateway then answers 403).
pub async fn authorize(
    svc: &Services,
    event: ApiGatewayCustomAuthorizerRequestTypeRequest,
) -> Result<ApiGatewayCustomAuthorizerResponse, Error> {
    let method_arn = event.method_arn.clone().unwrap_or_default();
    let ticket = event.query_string_parameters.first(TICKET_PARAM);
    let user = match ticket {
        Some(t) => accounts::redeem_ticket(svc, t).await.map_err(|e| {
            e.log();
            Error::from(e.to_string())
        })?,
        None => None,
    };
    let mut response = ApiGatewayCustomAuthorizerResponse::<Value>::default();
    let effect = match &user {
        Some(user) => {
            response.principal_id = Some(user.user_id.to_string());
            response.context = serde_json::to_value(authorizer::context(user))?;
            IamPolicyEffect::Allow
        }
        None => {
            tracing::info!("connect ticket refused");
            response.principal_id = Some("anonymous".into());
            IamPolicyEffect::Deny
        }
    };
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".into()];
    statement.effect = effect;
    statement.resource = vec![method_arn];
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".into());
    policy.statement = vec![statement];
    response.policy_document = policy;
    Ok(response)
}

/// Did this authorizer response let the caller in?
pub fn allows(response: &ApiGatewayCustomAuthorizerResponse) -> bool {
    response
        .policy_document
        .statement
        .iter()
        .any(|s| s.effect == IamPolicyEffect::Allow)
}

/// `$connect` registers the connection; `$disconnect` removes it. A non-2xx
/// answer to `$connect` makes API Gateway refuse the handshake.
pub async fn handle(
    svc: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, Error> {
    let ctx = &event.request_context;
    // Every log line of the event carries its ids.
    let span = tracing::info_span!(
        "connection",
        connection_id = ctx.connection_id.as_deref().unwrap_or_default(),
        event = ctx.event_type.as_deref().unwrap_or_default(),
        request_id = ctx.request_id.as_deref().unwrap_or_default(),
    );
    handle_event(svc, event).instrument(span).await
}

async fn handle_event(
    svc: &Services,
    event: ApiGatewayWebsocketProxyRequest,
) -> Result<ApiGatewayProxyResponse, Error> {
    let ctx = &event.request_context;
    let Some(connection) = authorizer::connection(ctx.connection_id.as_deref()) else {
        return Ok(status(400));
    };
    match ctx.event_type.as_deref() {
        Some("CONNECT") => {
            let Some(caller) = authorizer::caller(&ctx.authorizer.fields) else {
                return Ok(status(401));
            };
            match presence::connect(svc, &caller, connection).await {
                Ok(()) => Ok(status(200)),
                Err(e) => {
                    e.log();
                    Ok(status(e.status()))
                }
            }
        }
        Some("DISCONNECT") => {
            if let Err(e) = presence::disconnect(svc, &connection).await {
                e.log();
            }
            Ok(status(200))
        }
        other => {
            tracing::warn!(event_type = ?other, "unexpected event for the connect function");
            Ok(status(400))
        }
    }
}

fn status(code: u16) -> ApiGatewayProxyResponse {
    let mut r = ApiGatewayProxyResponse::default();
    r.status_code = i64::from(code);
    r
}
