//! `Pusher`: pushes reach an open connection; a closed one is `Gone`.

use async_trait::async_trait;

use chitter_core::domain::ConnectionId;

/// The client end of a connection, for the pusher conformance body.
#[async_trait]
pub trait ClientEnd: Send {
    /// The next text frame, or `None` once the server has closed.
    async fn next_text(&mut self) -> Option<String>;
}

/// Pushes reach an open connection, and a closed one is `Gone`.
pub async fn pushers_deliver_and_report_gone(
    pusher: &dyn chitter_core::ports::Pusher,
    connection: &ConnectionId,
    client: &mut dyn ClientEnd,
) {
    use chitter_core::ports::PushError;
    pusher
        .push(connection, br#"{"type":"pong","id":"p-1"}"#)
        .await
        .unwrap();
    assert_eq!(
        client.next_text().await.as_deref(),
        Some(r#"{"type":"pong","id":"p-1"}"#)
    );
    let unknown = ConnectionId::parse("no-such-connection=").unwrap();
    assert!(matches!(
        pusher.push(&unknown, b"{}").await,
        Err(PushError::Gone)
    ));
    pusher.disconnect(connection).await.unwrap();
    // From the moment it is closed the connection is gone for pushes, as on
    // API Gateway, while the client is still being told.
    assert!(
        matches!(pusher.push(connection, b"{}").await, Err(PushError::Gone)),
        "a closed connection must answer Gone"
    );
    assert_eq!(client.next_text().await, None, "the client sees the close");
}
