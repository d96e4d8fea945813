//! The connect function fed with real-shaped API Gateway events.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayWebsocketProxyRequest,
};
use chitter_core::app::accounts;
use chitter_core::domain::ConnectionId;
use chitter_core::protocol::ServerFrame;
use chitter_testing::World;
use serde_json::{Value, json};

const AUTHORIZER: &str = include_str!("../../../infra/events/connect-authorizer.json");
const CONNECT: &str = include_str!("../../../infra/events/connect.json");
const DISCONNECT: &str = include_str!("../../../infra/events/disconnect.json");

fn authorizer_event(ticket: &str) -> ApiGatewayCustomAuthorizerRequestTypeRequest {
    let mut v: Value = serde_json::from_str(AUTHORIZER).unwrap();
    v["queryStringParameters"]["ticket"] = json!(ticket);
    v["multiValueQueryStringParameters"]["ticket"] = json!([ticket]);
    serde_json::from_value(v).unwrap()
}

fn route_event(
    fixture: &str,
    user: Option<&chitter_core::domain::Caller>,
    connection: &str,
) -> ApiGatewayWebsocketProxyRequest {
    let mut v: Value = serde_json::from_str(fixture).unwrap();
    match user {
        Some(u) => {
            v["requestContext"]["authorizer"]["user_id"] = json!(u.user_id.to_string());
            v["requestContext"]["authorizer"]["principalId"] = json!(u.user_id.to_string());
            v["requestContext"]["authorizer"]["handle"] = json!(u.handle.as_str());
        }
        None => {
            v["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        }
    }
    v["requestContext"]["connectionId"] = json!(connection);
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn the_authorizer_spends_a_ticket_once() {
    let w = World::new();
    let ada = w.user("ada").await;
    let ticket = accounts::issue_ticket(&w.svc, &ada).await.unwrap().ticket;

    let allowed = chitter_connect::authorize(&w.svc, authorizer_event(&ticket))
        .await
        .unwrap();
    assert!(chitter_connect::allows(&allowed));
    assert_eq!(
        allowed.principal_id.as_deref(),
        Some(ada.user_id.to_string().as_str())
    );
    assert_eq!(allowed.context["user_id"], ada.user_id.to_string());
    assert_eq!(allowed.context["handle"], "ada");
    let statement = &allowed.policy_document.statement[0];
    assert_eq!(
        statement.resource,
        vec!["arn:aws:execute-api:eu-west-1:123456789012:abcd1234ef/prod/$connect".to_owned()]
    );
    // The response has the shape API Gateway reads.
    let wire = serde_json::to_value(&allowed).unwrap();
    assert_eq!(wire["policyDocument"]["Statement"][0]["Effect"], "Allow");

    let reused = chitter_connect::authorize(&w.svc, authorizer_event(&ticket))
        .await
        .unwrap();
    assert!(!chitter_connect::allows(&reused));
    let forged = chitter_connect::authorize(&w.svc, authorizer_event("bm90LWEtdGlja2V0"))
        .await
        .unwrap();
    assert!(!chitter_connect::allows(&forged));
}

#[tokio::test]
async fn an_expired_ticket_is_denied() {
    let w = World::new();
    let ada = w.user("ada").await;
    let ticket = accounts::issue_ticket(&w.svc, &ada).await.unwrap().ticket;
    w.clock.advance(Duration::from_secs(61));
    let r = chitter_connect::authorize(&w.svc, authorizer_event(&ticket))
        .await
        .unwrap();
    assert!(!chitter_connect::allows(&r));
}

#[tokio::test]
async fn connect_registers_and_disconnect_forgets() {
    let w = World::new();
    let ada = w.user("ada").await;
    let r = chitter_connect::handle(&w.svc, route_event(CONNECT, Some(&ada), "Lz2mCf8JoAMCEyA="))
        .await
        .unwrap();
    assert_eq!(r.status_code, 200);
    let id = ConnectionId::parse("Lz2mCf8JoAMCEyA=").unwrap();
    let stored = w.svc.connections.connection(&id).await.unwrap().unwrap();
    assert_eq!(stored.user_id, ada.user_id);

    let r = chitter_connect::handle(
        &w.svc,
        route_event(DISCONNECT, Some(&ada), "Lz2mCf8JoAMCEyA="),
    )
    .await
    .unwrap();
    assert_eq!(r.status_code, 200);
    assert!(w.svc.connections.connection(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn connect_without_an_authorized_user_is_refused() {
    let w = World::new();
    let r = chitter_connect::handle(&w.svc, route_event(CONNECT, None, "Lz2mCf8JoAMCEyA="))
        .await
        .unwrap();
    assert_eq!(r.status_code, 401);
}

#[tokio::test]
async fn coming_online_is_told_to_the_other_members() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    chitter_core::app::conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    let bob_conn = w.connect(&bob, "bob-conn-1").await;
    chitter_connect::handle(&w.svc, route_event(CONNECT, Some(&ada), "ada-conn-1"))
        .await
        .unwrap();
    let frames = w.pusher.take(&bob_conn);
    assert!(
        matches!(frames.as_slice(), [ServerFrame::Presence { online: 2, .. }]),
        "{frames:?}"
    );
    // Never pushed to the connection still in its handshake.
    assert!(
        w.pusher
            .frames(&ConnectionId::parse("ada-conn-1").unwrap())
            .is_empty()
    );
}
