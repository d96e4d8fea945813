//! Starts chitter-local as a user would (its binary, a free port, a
//! temporary data dir) and drives it with real HTTP and WebSocket clients.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long any single expected event may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// Which chitter-local mode a test runs against.
#[derive(Debug, Clone)]
pub enum Backend {
    Embedded,
    /// The AWS adapters on the stand-ins, with resources named by `suffix`.
    Aws {
        suffix: String,
    },
}

impl Backend {
    /// The aws mode, or `None` (the test is skipped) when no stand-ins are
    /// configured; `make test` configures them and requires them.
    pub fn aws() -> Option<Backend> {
        use chitter_testing::standins;
        standins::configured().then(|| Backend::Aws {
            suffix: standins::unique_suffix(),
        })
    }

    fn args(&self) -> Vec<String> {
        match self {
            Backend::Embedded => Vec::new(),
            Backend::Aws { suffix } => [
                "--backend",
                "aws",
                "--table",
                &format!("chitter-e2e-{suffix}"),
                "--stream",
                &format!("chitter-e2e-{suffix}"),
                "--bucket",
                &format!("chitter-e2e-{suffix}"),
                "--provision",
                "--s3-path-style",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// Runs each named test body once per backend: `embedded::name` and
/// `aws::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::common::Backend::Embedded).await;
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(backend) = super::common::Backend::aws() {
                        super::$name(backend).await;
                    }
                }
            )*
        }
    };
}

pub struct Local {
    child: Child,
    pub base: String,
    pub ws: String,
    pub data_dir: PathBuf,
}

impl Local {
    /// Starts chitter-local on a free port over `data_dir`.
    pub async fn start(data_dir: &Path, backend: &Backend, extra: &[&str]) -> Local {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chitter-local"));
        cmd.arg("--port")
            .arg("0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(backend.args())
            .args(extra)
            .env_remove("CHITTER_PORT")
            .env_remove("CHITTER_DATA_DIR")
            .env_remove("CHITTER_FAULTS")
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if std::env::var_os("CHITTER_TEST_LOGS").is_none() {
            cmd.stderr(Stdio::null());
        }
        let mut child = cmd.spawn().expect("chitter-local starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await.expect("stdout readable") {
                if let Some(url) = line.strip_prefix("chitter-local listening on http://") {
                    return url.trim().to_owned();
                }
            }
            panic!("chitter-local exited before listening");
        })
        .await
        .expect("chitter-local listens in time");
        Local {
            child,
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}/ws"),
            data_dir: data_dir.to_owned(),
        }
    }

    /// The server's process id, to sample its memory and descriptors.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// SIGKILL: no shutdown code runs, as in a crash.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill");
    }

    pub fn api(&self) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            ws: self.ws.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub ws: String,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub handle: String,
    pub token: String,
}

impl Api {
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body }
    }

    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &'static str,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// The functions' metrics since the server started.
    pub async fn metrics(&self) -> Value {
        let r = self.call("GET", "/_local/metrics", None, None).await;
        assert_eq!(r.status, 200);
        r.body
    }

    pub async fn signup(&self, handle: &str) -> User {
        let r = self
            .call(
                "POST",
                "/api/auth/signup",
                None,
                Some(json!({"handle": handle, "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status, 201, "signup {handle}: {}", r.body);
        User {
            id: r.body["user"]["user_id"].as_str().unwrap().to_owned(),
            handle: handle.to_owned(),
            token: r.body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Signs in again (a new access token, after the clock moved on).
    pub async fn signin(&self, user: &User) -> User {
        let r = self
            .call(
                "POST",
                "/api/auth/signin",
                None,
                Some(json!({"handle": user.handle, "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status, 200, "signin {}: {}", user.handle, r.body);
        User {
            token: r.body["access_token"].as_str().unwrap().to_owned(),
            ..user.clone()
        }
    }

    pub async fn ticket(&self, user: &User) -> String {
        let r = self
            .call("POST", "/api/auth/ticket", Some(&user.token), None)
            .await;
        assert_eq!(r.status, 201, "ticket: {}", r.body);
        r.body["ticket"].as_str().unwrap().to_owned()
    }

    pub async fn connect(&self, user: &User) -> Ws {
        let ticket = self.ticket(user).await;
        Ws::connect(&self.ws, &ticket)
            .await
            .expect("handshake accepted")
    }

    pub async fn direct(&self, a: &User, b: &User) -> String {
        let r = self
            .call(
                "POST",
                "/api/conversations",
                Some(&a.token),
                Some(json!({"kind": "direct", "user_id": b.id})),
            )
            .await;
        assert!(r.status == 201 || r.status == 200, "direct: {}", r.body);
        r.body["conversation_id"].as_str().unwrap().to_owned()
    }

    pub async fn group(&self, admin: &User, title: &str, members: &[&User]) -> String {
        let ids: Vec<&str> = members.iter().map(|u| u.id.as_str()).collect();
        let r = self
            .call(
                "POST",
                "/api/conversations",
                Some(&admin.token),
                Some(json!({"kind": "group", "title": title, "member_ids": ids})),
            )
            .await;
        assert_eq!(r.status, 201, "group: {}", r.body);
        r.body["conversation_id"].as_str().unwrap().to_owned()
    }

    pub async fn history(&self, user: &User, conversation: &str) -> Vec<Value> {
        let r = self
            .call(
                "GET",
                &format!("/api/conversations/{conversation}/messages?limit=100"),
                Some(&user.token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "history: {}", r.body);
        r.body["messages"].as_array().unwrap().clone()
    }
}

fn is_delivered_ack(f: &Value) -> bool {
    f["type"] == "ack" && f["status"] == "delivered"
}

pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pings: u64,
}

impl Ws {
    pub async fn connect(
        base: &str,
        ticket: &str,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let (stream, _) = connect_async(format!("{base}?ticket={ticket}")).await?;
        Ok(Ws { stream, pings: 0 })
    }

    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.expect("send");
    }

    /// The next JSON frame from the server.
    pub async fn next(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame in time")
                .expect("connection open")
                .expect("frame readable");
            match msg {
                Message::Text(t) => return serde_json::from_str(&t).expect("JSON frame"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next frame of one of these types, skipping presence and typing,
    /// and `delivered` acks unless "delivered" is one of the types (they
    /// depend on who else is online, which most tests do not care about).
    pub async fn next_of(&mut self, types: &[&str]) -> Value {
        loop {
            let f = self.next().await;
            if is_delivered_ack(&f) {
                if types.contains(&"delivered") {
                    return f;
                }
                continue;
            }
            if types.contains(&f["type"].as_str().unwrap_or_default()) {
                return f;
            }
            assert!(
                matches!(f["type"].as_str(), Some("presence" | "typing" | "read")),
                "unexpected frame while waiting for {types:?}: {f}"
            );
        }
    }

    /// Sends a ping and returns every frame that arrived before its pong,
    /// `delivered` acks and presence included.
    pub async fn until_pong(&mut self, id: &str) -> Vec<Value> {
        self.send(json!({"action": "ping", "id": id})).await;
        let mut seen = Vec::new();
        loop {
            let f = self.next().await;
            if f["type"] == "pong" && f["id"] == id {
                return seen;
            }
            seen.push(f);
        }
    }

    /// Sends a ping and returns every non-presence frame that arrived before
    /// its pong: what the server had queued for this connection.
    pub async fn drain(&mut self) -> Vec<Value> {
        self.pings += 1;
        let id = format!("barrier-{}", self.pings);
        self.send(json!({"action": "ping", "id": id})).await;
        let mut seen = Vec::new();
        loop {
            let f = self.next().await;
            if f["type"] == "pong" && f["id"] == id.as_str() {
                return seen;
            }
            if f["type"] != "presence" && !is_delivered_ack(&f) {
                seen.push(f);
            }
        }
    }

    /// Sends a message and waits for its `accepted` and `persisted` acks;
    /// returns the persisted ack.
    pub async fn send_message(&mut self, conversation: &str, id: &str, text: &str) -> Value {
        self.send(
            json!({"action": "send", "id": id, "conversation_id": conversation, "text": text}),
        )
        .await;
        let accepted = self.next_of(&["ack", "error"]).await;
        assert_eq!(accepted["status"], "accepted", "{accepted}");
        assert_eq!(accepted["id"], id);
        let persisted = self.next_of(&["ack", "error"]).await;
        assert_eq!(persisted["status"], "persisted", "{persisted}");
        assert_eq!(persisted["id"], id);
        persisted
    }

    /// Keeps the connection active with a ping every `every` until the
    /// server closes it; returns the close frame.
    pub async fn closed_while_pinging(&mut self, every: Duration) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut ping = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ping.tick() => {
                    let _ = self.stream.send(Message::Ping(Vec::new().into())).await;
                }
                msg = self.stream.next() => match msg {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                },
                () = tokio::time::sleep_until(deadline) => panic!("no close in time"),
            }
        }
    }

    /// Waits for the server to close the connection; returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("close in time");
            match msg {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
        // Wait for the server's answer so its `$disconnect` has run.
        while let Ok(Some(Ok(_))) = tokio::time::timeout(WAIT, self.stream.next()).await {}
    }
}

/// Re-checks a condition that the server reaches on its own schedule (a
/// checkpoint, a cleanup) until it holds, failing after `WAIT`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
