//! The two protocols the generator speaks: Chitter's JSON frames and
//! Socket.IO 4 (Engine.IO v4 over a WebSocket, no polling). Each turns a
//! send into a frame and an incoming frame into what the schedule counts.

use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    Chitter,
    Socketio,
}

/// What an incoming frame means to the measurement.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// The sender's message was accepted (Chitter: in the durable stream;
    /// the peer: received).
    Accepted(String),
    /// The sender's message is durable where it will be read from.
    Persisted(String),
    /// A recipient got a message.
    Delivered(String),
    /// The server refused something.
    Error(String),
    /// Engine.IO ping: answer with a pong.
    Ping,
    Other,
}

/// A send frame carrying `id` to `target` (a conversation id, or the
/// peer's room name) with `text`.
pub fn send_frame(protocol: Protocol, ack: u64, target: &str, id: &str, text: &str) -> String {
    match protocol {
        Protocol::Chitter => {
            json!({"action": "send", "id": id, "conversation_id": target, "text": text}).to_string()
        }
        Protocol::Socketio => {
            let body = json!(["send", {"room": target, "id": id, "text": text}]);
            format!("42{ack}{body}")
        }
    }
}

#[derive(Deserialize)]
struct ChitterFrame {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    status: Option<String>,
    client_msg_id: Option<String>,
    code: Option<String>,
}

pub fn parse(protocol: Protocol, text: &str) -> Event {
    match protocol {
        Protocol::Chitter => parse_chitter(text),
        Protocol::Socketio => parse_socketio(text),
    }
}

fn parse_chitter(text: &str) -> Event {
    let Ok(f) = serde_json::from_str::<ChitterFrame>(text) else {
        return Event::Other;
    };
    match (f.kind.as_str(), f.status.as_deref()) {
        ("ack", Some("accepted")) => f.id.map_or(Event::Other, Event::Accepted),
        ("ack", Some("persisted")) => f.id.map_or(Event::Other, Event::Persisted),
        ("message", _) => f.client_msg_id.map_or(Event::Other, Event::Delivered),
        ("error", _) => Event::Error(f.code.unwrap_or_default()),
        _ => Event::Other,
    }
}

fn parse_socketio(text: &str) -> Event {
    if text == "2" {
        return Event::Ping;
    }
    // An ack: `43<n>[{"id": ...}]`.
    if let Some(rest) = text.strip_prefix("43") {
        let body = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        return match serde_json::from_str::<Value>(body) {
            Ok(v) => v[0]["id"]
                .as_str()
                .map_or(Event::Other, |id| Event::Accepted(id.to_owned())),
            Err(_) => Event::Other,
        };
    }
    // An event: `42["name", data]`.
    if let Some(body) = text.strip_prefix("42") {
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            return Event::Other;
        };
        let id = v[1]["id"].as_str().map(str::to_owned);
        return match (v[0].as_str(), id) {
            (Some("persisted"), Some(id)) => Event::Persisted(id),
            (Some("message"), Some(id)) => Event::Delivered(id),
            (Some("error"), _) => Event::Error(v[1].to_string()),
            _ => Event::Other,
        };
    }
    if text.starts_with("44") {
        return Event::Error(text.to_owned());
    }
    Event::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chitter_frames_are_read() {
        let p = Protocol::Chitter;
        assert_eq!(
            parse(p, r#"{"type":"ack","id":"a","status":"accepted"}"#),
            Event::Accepted("a".into())
        );
        assert_eq!(
            parse(p, r#"{"type":"ack","id":"a","status":"persisted","seq":3}"#),
            Event::Persisted("a".into())
        );
        assert_eq!(
            parse(p, r#"{"type":"message","client_msg_id":"a","text":"x"}"#),
            Event::Delivered("a".into())
        );
        assert_eq!(parse(p, r#"{"type":"presence"}"#), Event::Other);
    }

    #[test]
    fn socketio_frames_are_read() {
        let p = Protocol::Socketio;
        assert_eq!(parse(p, "2"), Event::Ping);
        assert_eq!(parse(p, r#"4317[{"id":"a"}]"#), Event::Accepted("a".into()));
        assert_eq!(
            parse(p, r#"42["persisted",{"id":"a"}]"#),
            Event::Persisted("a".into())
        );
        assert_eq!(
            parse(p, r#"42["message",{"room":"r","id":"a","text":"x"}]"#),
            Event::Delivered("a".into())
        );
        assert_eq!(
            send_frame(p, 5, "r", "a", "x"),
            r#"425["send",{"id":"a","room":"r","text":"x"}]"#
        );
    }
}
