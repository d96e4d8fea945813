//! Lambda events shaped as API Gateway delivers them: the WebSocket API's
//! authorizer request and route events, and HTTP API (payload 2.0) events.

use std::collections::HashMap;
use std::net::SocketAddr;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerRequestTypeRequestContext, ApiGatewayV2httpRequest,
    ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
    ApiGatewayWebsocketProxyRequest, ApiGatewayWebsocketProxyRequestContext,
};
use aws_lambda_events::query_map::QueryMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chitter_core::domain::ConnectionId;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde_json::Value;

use crate::emulated::{ACCOUNT, API_ID, REGION, STAGE};

/// API Gateway's access-log time format, as in `requestTime`.
pub(crate) fn request_time(t: DateTime<Utc>) -> String {
    t.format("%d/%b/%Y:%H:%M:%S %z").to_string()
}

pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What the gateway knows of a connection, shared by all its events.
#[derive(Debug, Clone)]
pub struct ConnectionContext {
    pub connection_id: ConnectionId,
    pub connected_at: DateTime<Utc>,
    pub domain_name: String,
    pub source_ip: String,
    pub user_agent: Option<String>,
    /// The authorizer's context plus `principalId`.
    pub authorizer: HashMap<String, Value>,
}

impl ConnectionContext {
    fn request_context(
        &self,
        route_key: &str,
        event_type: &str,
    ) -> ApiGatewayWebsocketProxyRequestContext {
        let now = Utc::now();
        let mut ctx = ApiGatewayWebsocketProxyRequestContext::default();
        ctx.route_key = Some(route_key.to_owned());
        ctx.event_type = Some(event_type.to_owned());
        ctx.connection_id = Some(self.connection_id.to_string());
        ctx.connected_at = self.connected_at.timestamp_millis();
        ctx.request_time = Some(request_time(now));
        ctx.request_time_epoch = now.timestamp_millis();
        ctx.request_id = Some(request_id());
        ctx.extended_request_id = ctx.request_id.clone();
        ctx.domain_name = Some(self.domain_name.clone());
        ctx.stage = Some(STAGE.to_owned());
        ctx.apiid = Some(API_ID.to_owned());
        ctx.message_direction = Some("IN".to_owned());
        ctx.identity.source_ip = Some(self.source_ip.clone());
        ctx.identity.user_agent = self.user_agent.clone();
        ctx.authorizer.fields = self.authorizer.clone();
        ctx
    }

    /// `$connect`, with the handshake's headers and query.
    pub fn connect_event(
        &self,
        headers: &HeaderMap,
        query: &QueryMap,
    ) -> ApiGatewayWebsocketProxyRequest {
        let mut e = ApiGatewayWebsocketProxyRequest::default();
        e.request_context = self.request_context("$connect", "CONNECT");
        e.headers = headers.clone();
        e.multi_value_headers = headers.clone();
        e.query_string_parameters = query.clone();
        e.multi_value_query_string_parameters = query.clone();
        e
    }

    /// A client frame on the route that route selection chose.
    pub fn message_event(
        &self,
        route_key: &str,
        body: String,
        base64: bool,
    ) -> ApiGatewayWebsocketProxyRequest {
        let mut e = ApiGatewayWebsocketProxyRequest::default();
        e.request_context = self.request_context(route_key, "MESSAGE");
        e.request_context.message_id = Some(request_id());
        e.body = Some(body);
        e.is_base64_encoded = base64;
        e
    }

    pub fn disconnect_event(&self, status: u16, reason: &str) -> ApiGatewayWebsocketProxyRequest {
        let mut e = ApiGatewayWebsocketProxyRequest::default();
        e.request_context = self.request_context("$disconnect", "DISCONNECT");
        e.request_context.disconnect_status_code = Some(i64::from(status));
        e.request_context.disconnect_reason = Some(reason.to_owned());
        e
    }
}

/// The REQUEST authorizer's event for a handshake.
pub fn authorizer_event(
    headers: &HeaderMap,
    query: &QueryMap,
    source_ip: &str,
) -> ApiGatewayCustomAuthorizerRequestTypeRequest {
    let mut e = ApiGatewayCustomAuthorizerRequestTypeRequest::default();
    e.type_ = Some("REQUEST".to_owned());
    e.method_arn = Some(format!(
        "arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/$connect"
    ));
    e.headers = headers.clone();
    e.multi_value_headers = headers.clone();
    e.query_string_parameters = query.clone();
    e.multi_value_query_string_parameters = query.clone();
    let mut ctx = ApiGatewayCustomAuthorizerRequestTypeRequestContext::default();
    ctx.apiid = Some(API_ID.to_owned());
    ctx.stage = Some(STAGE.to_owned());
    ctx.request_id = Some(request_id());
    let mut identity =
        aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequestIdentity::default();
    identity.source_ip = Some(source_ip.to_owned());
    ctx.identity = Some(identity);
    e.request_context = ctx;
    e
}

/// An HTTP API (payload format 2.0) event for a request under `/api`.
pub fn http_event(
    parts: &http::request::Parts,
    body: &[u8],
    peer: SocketAddr,
    domain_name: &str,
) -> ApiGatewayV2httpRequest {
    let now = Utc::now();
    let mut headers = parts.headers.clone();
    let cookies: Vec<String> = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split("; ").map(str::to_owned))
        .collect();
    headers.remove(http::header::COOKIE);
    let user_agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();

    let mut e = ApiGatewayV2httpRequest::default();
    e.version = Some("2.0".to_owned());
    e.route_key = Some("ANY /api/{proxy+}".to_owned());
    e.raw_path = Some(parts.uri.path().to_owned());
    e.query_string_parameters = raw_query.parse().unwrap_or_default();
    e.raw_query_string = Some(raw_query);
    e.cookies = (!cookies.is_empty()).then_some(cookies);
    e.headers = headers;
    e.path_parameters = HashMap::from([(
        "proxy".to_owned(),
        parts.uri.path().trim_start_matches("/api/").to_owned(),
    )]);
    match std::str::from_utf8(body) {
        _ if body.is_empty() => {}
        Ok(text) => e.body = Some(text.to_owned()),
        Err(_) => {
            e.body = Some(STANDARD.encode(body));
            e.is_base64_encoded = true;
        }
    }
    let mut http_ctx = ApiGatewayV2httpRequestContextHttpDescription::default();
    http_ctx.method = parts.method.clone();
    http_ctx.path = Some(parts.uri.path().to_owned());
    http_ctx.protocol = Some("HTTP/1.1".to_owned());
    http_ctx.source_ip = Some(peer.ip().to_string());
    http_ctx.user_agent = user_agent;
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.route_key = e.route_key.clone();
    ctx.account_id = Some(ACCOUNT.to_owned());
    // `$default` keeps lambda_http from prefixing the path with the stage.
    ctx.stage = Some("$default".to_owned());
    ctx.request_id = Some(request_id());
    ctx.apiid = Some(API_ID.to_owned());
    ctx.domain_name = Some(domain_name.to_owned());
    ctx.domain_prefix = domain_name.split('.').next().map(str::to_owned);
    ctx.time = Some(request_time(now));
    ctx.time_epoch = now.timestamp_millis();
    ctx.http = http_ctx;
    e.request_context = ctx;
    e
}
