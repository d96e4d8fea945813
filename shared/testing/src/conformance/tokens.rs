//! `TokenStore`: a token is taken once, and only as its own kind.

use chrono::{Duration, Utc};

use chitter_core::domain::UserId;
use chitter_core::ports::{Store, TokenGrant, TokenKind};

pub async fn tokens_are_single_use<S: Store>(s: &S) {
    let grant = TokenGrant {
        family: None,
        family_since: None,
        spent_at: None,
        user_id: UserId::new(),
        expires_at: Utc::now() + Duration::seconds(60),
    };
    s.put_token(TokenKind::Ticket, "d1", &grant).await.unwrap();
    assert_eq!(s.take_token(TokenKind::Refresh, "d1").await.unwrap(), None);
    assert_eq!(
        s.take_token(TokenKind::Ticket, "d1").await.unwrap(),
        Some(grant)
    );
    assert_eq!(s.take_token(TokenKind::Ticket, "d1").await.unwrap(), None);
}
