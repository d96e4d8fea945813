//! What each server needs before load: accounts, direct conversations and
//! rooms on chitter-local (through its HTTP API, as a client would make
//! them), room names on the peer; and opening a socket on either.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::wire::Protocol;

pub type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Parallel HTTP requests while setting up.
const SETUP_CONCURRENCY: usize = 8;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Result<Value> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {body}");
        }
        Ok(body)
    }

    /// Signs up `n` users (handles `{prefix}{i}`) and returns their tokens
    /// and ids, in order, with the time it took.
    pub async fn users(&self, prefix: &str, n: usize) -> Result<(Vec<(String, String)>, Duration)> {
        let start = Instant::now();
        let users: Vec<Result<(String, String)>> = stream::iter(0..n)
            .map(|i| async move {
                let s = self
                    .call(
                        "POST",
                        "/api/auth/signup",
                        None,
                        json!({"handle": format!("{prefix}{i}"), "password": "correct horse battery"}),
                    )
                    .await?;
                Ok((
                    s["user"]["user_id"].as_str().context("user id")?.to_owned(),
                    s["access_token"].as_str().context("token")?.to_owned(),
                ))
            })
            .buffered(SETUP_CONCURRENCY)
            .collect()
            .await;
        Ok((users.into_iter().collect::<Result<_>>()?, start.elapsed()))
    }

    /// The direct conversation of users `a` and `b`.
    pub async fn direct(&self, a: &(String, String), b: &(String, String)) -> Result<String> {
        let c = self
            .call(
                "POST",
                "/api/conversations",
                Some(&a.1),
                json!({"kind": "direct", "user_id": b.0}),
            )
            .await?;
        Ok(c["conversation_id"]
            .as_str()
            .context("conversation id")?
            .to_owned())
    }

    /// A room created by the first user and joined by the rest.
    pub async fn room(&self, title: &str, members: &[(String, String)]) -> Result<String> {
        let (owner, rest) = members.split_first().context("a room needs a member")?;
        let r = self
            .call(
                "POST",
                "/api/rooms",
                Some(&owner.1),
                json!({"title": title}),
            )
            .await?;
        let id = r["conversation_id"].as_str().context("room id")?.to_owned();
        let joined: Vec<Result<Value>> = stream::iter(rest)
            .map(|m| {
                let path = format!("/api/rooms/{id}/membership");
                async move { self.call("PUT", &path, Some(&m.1), json!({})).await }
            })
            .buffered(SETUP_CONCURRENCY)
            .collect()
            .await;
        for j in joined {
            j?;
        }
        Ok(id)
    }

    async fn ticket(&self, token: &str) -> Result<String> {
        let t = self
            .call("POST", "/api/auth/ticket", Some(token), json!({}))
            .await?;
        Ok(t["ticket"].as_str().context("ticket")?.to_owned())
    }

    fn ws_base(&self) -> String {
        self.base.replacen("http", "ws", 1)
    }

    /// Opens one socket: on chitter-local with a fresh ticket for `token`;
    /// on the peer, joining `rooms` in the Socket.IO handshake.
    pub async fn open(&self, protocol: Protocol, token: &str, rooms: &[String]) -> Result<Ws> {
        // Small client buffers, so that 10,000 sockets stay cheap here.
        let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
        match protocol {
            Protocol::Chitter => {
                let ticket = self.ticket(token).await?;
                let url = format!("{}/ws?ticket={ticket}", self.ws_base());
                Ok(connect_async_with_config(url, Some(config), true).await?.0)
            }
            Protocol::Socketio => {
                let url = format!("{}/socket.io/?EIO=4&transport=websocket", self.ws_base());
                let mut ws = connect_async_with_config(url, Some(config), true).await?.0;
                expect_prefix(&mut ws, "0").await?;
                let connect = format!("40{}", json!({"rooms": rooms}));
                ws.send(Message::Text(connect.into())).await?;
                expect_prefix(&mut ws, "40").await?;
                Ok(ws)
            }
        }
    }
}

/// Reads frames until a text frame starting with `prefix`.
async fn expect_prefix(ws: &mut Ws, prefix: &str) -> Result<()> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("handshake timed out")?
            .context("closed during the handshake")??;
        if let Message::Text(t) = frame {
            if t.starts_with("44") {
                bail!("refused: {t}");
            }
            if t.starts_with(prefix) {
                return Ok(());
            }
        }
    }
}
