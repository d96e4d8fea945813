//! chitter-local's size limits as a client meets them (API Gateway's:
//! 32 KB frames, 128 KB messages): a 100 KB message sent in 25 KB frames
//! reaches the server (and, being over 4,000 characters, gets a typed
//! error while the socket stays open); a 33 KB frame, or a 140 KB message
//! in frames under the frame limit, closes the socket with 1009.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::emit;
use crate::setup::{Api, Ws};
use crate::wire::Protocol;

/// A send frame of about `bytes` bytes.
fn frame_of(bytes: usize) -> String {
    let head = json!({"action": "send", "id": "limit", "conversation_id": "00000000-0000-7000-8000-000000000000", "text": ""}).to_string();
    let text = "x".repeat(bytes.saturating_sub(head.len()));
    json!({"action": "send", "id": "limit", "conversation_id": "00000000-0000-7000-8000-000000000000", "text": text}).to_string()
}

/// Sends `payload` as one message in frames of at most `frame` bytes.
async fn send_in_frames(ws: &mut Ws, payload: &str, frame: usize) -> Result<()> {
    let chunks: Vec<&[u8]> = payload.as_bytes().chunks(frame).collect();
    let last = chunks.len() - 1;
    for (i, c) in chunks.into_iter().enumerate() {
        let op = if i == 0 { Data::Text } else { Data::Continue };
        ws.send(Message::Frame(Frame::message(
            c.to_vec(),
            OpCode::Data(op),
            i == last,
        )))
        .await?;
    }
    Ok(())
}

/// What came back: the first `error` frame's code, or the close code.
async fn outcome(ws: &mut Ws) -> Result<String> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .context("no answer in 10 s")?;
        match next {
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(&t)?;
                if v["type"] == "error" {
                    return Ok(format!("error frame {}", v["code"]));
                }
            }
            Some(Ok(Message::Close(c))) => {
                return Ok(format!("closed {}", c.map_or(1005, |c| u16::from(c.code))));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Ok(format!("dropped ({e})")),
            None => return Ok("dropped".into()),
        }
    }
}

pub async fn run(protocol: Protocol, api: &Api) -> Result<()> {
    if protocol != Protocol::Chitter {
        bail!("limits are chitter-local's");
    }
    let (users, _) = api.users("limits", 1).await?;
    let token = &users[0].1;
    let cases: [(&str, usize, usize, &str); 3] = [
        (
            "100 KB message in 25 KB frames",
            100_000,
            25_000,
            "error frame \"text_too_long\"",
        ),
        ("33 KB message in one frame", 33_000, 33_000, "closed 1009"),
        (
            "140 KB message in 28 KB frames",
            140_000,
            28_000,
            "closed 1009",
        ),
    ];
    for (case, size, frame, expected) in cases {
        let mut ws = api.open(protocol, token, &[]).await?;
        send_in_frames(&mut ws, &frame_of(size), frame).await?;
        let got = outcome(&mut ws).await?;
        emit(
            json!({"scenario": "limits", "case": case, "outcome": got, "expected": expected, "ok": got == expected}),
        );
    }
    Ok(())
}
