//! Conformance of the pusher and blob adapters: the gateway's own pusher and
//! the AWS SDK's management API client against chitter-local's
//! `@connections` endpoint; the S3 adapter against chitter-local's own S3
//! endpoint and against s3s-fs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_sdk_apigatewaymanagement::config::{Credentials, Region};
use chitter_aws::{ApiGatewayPusher, S3BlobStore};
use chitter_core::domain::ConnectionId;
use chitter_local::{Config, Server};
use chitter_testing::{conformance, standins};
use clap::Parser;
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

async fn server(dir: &std::path::Path) -> (Server, common::Api) {
    let config = Config::parse_from([
        "chitter-local",
        "--port",
        "0",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    let server = Server::start(config).await.unwrap();
    let addr = server.addr();
    let api = common::Api {
        http: reqwest::Client::new(),
        base: format!("http://{addr}"),
        ws: format!("ws://{addr}/ws"),
    };
    (server, api)
}

/// A connected client and its connection id.
async fn client(api: &common::Api) -> (common::Ws, ConnectionId) {
    let user = api
        .signup(&format!(
            "u{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ))
        .await;
    let ws = api.connect(&user).await;
    let listed = api.call("GET", "/_local/connections", None, None).await;
    let id = listed.body["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_id"] == user.id.as_str())
        .unwrap()["connection_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (ws, ConnectionId::parse(&id).unwrap())
}

struct End(common::Ws);

#[async_trait::async_trait]
impl conformance::ClientEnd for End {
    async fn next_text(&mut self) -> Option<String> {
        loop {
            match tokio::time::timeout(common::WAIT, self.0.stream.next())
                .await
                .expect("in time")
            {
                Some(Ok(Message::Text(t))) => {
                    if t.contains("\"presence\"") {
                        continue;
                    }
                    return Some(t.to_string());
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }
}

#[tokio::test]
async fn the_gateway_pusher_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let (server, api) = server(dir.path()).await;
    let (ws, id) = client(&api).await;
    conformance::pushers_deliver_and_report_gone(&*server.pusher(), &id, &mut End(ws)).await;
}

fn management_client(base: &str) -> aws_sdk_apigatewaymanagement::Client {
    let config = aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "static"))
        .endpoint_url(base)
        .build();
    aws_sdk_apigatewaymanagement::Client::from_conf(config)
}

#[tokio::test]
async fn the_management_api_pusher_conforms_against_chitter_local() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, api) = server(dir.path()).await;
    let (ws, id) = client(&api).await;
    // With a stage in the URL, as API Gateway's callback URL has.
    let client = management_client(&format!("{}/prod", api.base));

    let info = client
        .get_connection()
        .connection_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(info.connected_at.is_some(), "the SDK parses ConnectedAt");
    assert_eq!(
        info.identity.unwrap().source_ip.as_deref(),
        Some("127.0.0.1")
    );

    let pusher = ApiGatewayPusher::new(client.clone());
    conformance::pushers_deliver_and_report_gone(&pusher, &id, &mut End(ws)).await;

    let err = client
        .get_connection()
        .connection_id(id.as_str())
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_gone_exception());
}

#[tokio::test]
async fn chitter_locals_s3_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _api) = server(dir.path()).await;
    let (store, presigner) = server.local_s3().unwrap();
    conformance::blobs_accept_only_what_was_signed(&store, &presigner, "blobs").await;
}

#[tokio::test]
async fn s3_on_s3s_fs_conforms() {
    let Some(world) = standins::world("http://127.0.0.1:9").await else {
        return;
    };
    let store = S3BlobStore::new(world.clients.s3.clone(), &world.resources.bucket);
    conformance::blobs_accept_only_what_was_signed(
        &store,
        &world.clients.s3,
        &world.resources.bucket,
    )
    .await;
}
