//! Use cases against the embedded adapters: given a world, when a user acts,
//! then the store and the pushes show it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chitter_core::AppError;
use chitter_core::app::{accounts, conversations, friends};
use chitter_core::domain::{FriendState, Role, Title};
use chitter_testing::World;

fn title(s: &str) -> Title {
    Title::parse(s).unwrap()
}

#[tokio::test]
async fn only_admins_manage_a_group_and_leaving_hands_admin_on() {
    let w = World::new();
    let (ada, bob, cy) = (
        w.user("ada").await,
        w.user("bob").await,
        w.user("cyd").await,
    );
    let g = conversations::create_group(&w.svc, &ada, title("Team"), &[bob.user_id])
        .await
        .unwrap();
    let id = g.conversation_id;
    assert_eq!(g.role, Role::Admin);
    assert_eq!(g.members.len(), 2);

    // Bob is a plain member.
    assert!(matches!(
        conversations::rename(&w.svc, &bob, id, title("Mine")).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        conversations::add_member(&w.svc, &bob, id, cy.user_id).await,
        Err(AppError::Forbidden(_))
    ));
    // Cy is not even a member: the group does not exist for her.
    assert!(matches!(
        conversations::view(&w.svc, &cy, id).await,
        Err(AppError::NotFound(_))
    ));

    let renamed = conversations::rename(&w.svc, &ada, id, title("Renamed"))
        .await
        .unwrap();
    assert_eq!(renamed.title.unwrap().as_str(), "Renamed");
    conversations::add_member(&w.svc, &ada, id, cy.user_id)
        .await
        .unwrap();
    // Adding twice is harmless.
    let again = conversations::add_member(&w.svc, &ada, id, cy.user_id)
        .await
        .unwrap();
    assert_eq!(again.members.len(), 3);

    // The only admin leaves: the longest-standing member becomes admin.
    conversations::remove_member(&w.svc, &ada, id, ada.user_id)
        .await
        .unwrap();
    let seen_by_bob = conversations::view(&w.svc, &bob, id).await.unwrap();
    assert_eq!(seen_by_bob.role, Role::Admin);
    assert!(conversations::list(&w.svc, &ada).await.unwrap().is_empty());

    // The new admin removes a member; members cannot remove others.
    assert!(matches!(
        conversations::remove_member(&w.svc, &cy, id, bob.user_id).await,
        Err(AppError::Forbidden(_))
    ));
    conversations::remove_member(&w.svc, &bob, id, cy.user_id)
        .await
        .unwrap();
    assert!(matches!(
        conversations::remove_member(&w.svc, &bob, id, cy.user_id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn direct_conversations_are_one_per_pair_and_fixed() {
    let w = World::new();
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let (c, created) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    assert!(created);
    let (again, created) = conversations::open_direct(&w.svc, &bob, ada.user_id)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.conversation_id, c.conversation_id);
    assert!(matches!(
        conversations::open_direct(&w.svc, &ada, ada.user_id).await,
        Err(AppError::BadRequest { .. })
    ));
    assert!(matches!(
        conversations::rename(&w.svc, &ada, c.conversation_id, title("x")).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        conversations::remove_member(&w.svc, &ada, c.conversation_id, ada.user_id).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn friend_requests_accept_decline_and_cross() {
    let w = World::new();
    let (ada, bob, cy) = (
        w.user("ada").await,
        w.user("bob").await,
        w.user("cyd").await,
    );
    assert_eq!(
        friends::request(&w.svc, &ada, bob.user_id).await.unwrap(),
        FriendState::Outgoing
    );
    assert_eq!(
        friends::request(&w.svc, &ada, bob.user_id).await.unwrap(),
        FriendState::Outgoing
    );
    let bobs = friends::list(&w.svc, &bob).await.unwrap();
    assert_eq!(bobs.incoming.len(), 1);
    // Only the receiver can accept.
    assert!(matches!(
        friends::accept(&w.svc, &ada, bob.user_id).await,
        Err(AppError::NotFound(_))
    ));
    friends::accept(&w.svc, &bob, ada.user_id).await.unwrap();
    assert_eq!(
        friends::list(&w.svc, &ada).await.unwrap().friends[0]
            .profile
            .handle
            .as_str(),
        "bob"
    );

    // Crossing requests make friends at once.
    friends::request(&w.svc, &cy, ada.user_id).await.unwrap();
    assert_eq!(
        friends::request(&w.svc, &ada, cy.user_id).await.unwrap(),
        FriendState::Friends
    );

    // Decline and remove.
    friends::request(&w.svc, &cy, bob.user_id).await.unwrap();
    friends::decline(&w.svc, &bob, cy.user_id).await.unwrap();
    assert!(
        friends::list(&w.svc, &cy)
            .await
            .unwrap()
            .outgoing
            .is_empty()
    );
    friends::remove(&w.svc, &ada, bob.user_id).await.unwrap();
    assert!(
        friends::list(&w.svc, &bob)
            .await
            .unwrap()
            .friends
            .is_empty()
    );
    assert!(matches!(
        friends::remove(&w.svc, &ada, bob.user_id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_sign_in_ends_after_ninety_days_however_often_it_is_refreshed() {
    let w = World::new();
    w.user("ada").await;
    let mut token = accounts::signin(&w.svc, "ada", "correct horse battery".into())
        .await
        .unwrap()
        .refresh_token;
    // Every 29 days, within each token's 30: fine until day 87.
    for _ in 0..3 {
        w.clock.advance(Duration::from_secs(29 * 24 * 3600));
        token = accounts::refresh(&w.svc, &token)
            .await
            .unwrap()
            .refresh_token;
    }
    // Day 116: the sign-in is over, though this token is 29 days old.
    w.clock.advance(Duration::from_secs(29 * 24 * 3600));
    assert!(matches!(
        accounts::refresh(&w.svc, &token).await,
        Err(AppError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_expire() {
    let w = World::new();
    w.user("ada").await;
    let session = accounts::signin(&w.svc, "ADA", "correct horse battery".into())
        .await
        .unwrap();
    let next = accounts::refresh(&w.svc, &session.refresh_token)
        .await
        .unwrap();
    assert_ne!(next.refresh_token, session.refresh_token);
    // The old one was spent.
    assert!(matches!(
        accounts::refresh(&w.svc, &session.refresh_token).await,
        Err(AppError::Unauthorized(_))
    ));
    accounts::signout(&w.svc, &next.refresh_token)
        .await
        .unwrap();
    assert!(
        accounts::refresh(&w.svc, &next.refresh_token)
            .await
            .is_err()
    );

    let late = accounts::signin(&w.svc, "ada", "correct horse battery".into())
        .await
        .unwrap();
    w.clock.advance(Duration::from_secs(31 * 24 * 3600));
    assert!(
        accounts::refresh(&w.svc, &late.refresh_token)
            .await
            .is_err()
    );
    // And the access token expired long ago.
    let header = format!("Bearer {}", late.access_token);
    assert!(matches!(
        accounts::authenticate(&w.svc, Some(&header)),
        Err(AppError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn sign_in_does_not_say_which_part_was_wrong() {
    let w = World::new();
    w.user("ada").await;
    for (handle, password) in [
        ("ada", "wrong password"),
        ("nobody", "correct horse battery"),
        ("x", "short"),
    ] {
        assert!(matches!(
            accounts::signin(&w.svc, handle, password.into()).await,
            Err(AppError::InvalidCredentials)
        ));
    }
}

#[tokio::test]
async fn history_pages_walk_back_to_the_first_message() {
    use chitter_core::domain::{ClientMsgId, ConnectionId, MessageId, MessageText, StreamMessage};
    let w = World::new();
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let (c, _) = conversations::open_direct(&w.svc, &ada, bob.user_id)
        .await
        .unwrap();
    for i in 0..7 {
        w.svc
            .messages
            .persist(&StreamMessage {
                message_id: MessageId::new(),
                conversation_id: c.conversation_id,
                sender_id: ada.user_id,
                client_msg_id: ClientMsgId::parse(&format!("h-{i}")).unwrap(),
                text: Some(MessageText::parse(format!("m{i}")).unwrap()),
                attachments: Vec::new(),
                emoji: Vec::new(),
                sent_at: chrono::Utc::now(),
                origin: Some(ConnectionId::parse("o").unwrap()),
            })
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = conversations::history(&w.svc, &bob, c.conversation_id, before, Some(3))
            .await
            .unwrap();
        seen.extend(page.messages.iter().map(|m| m.message.seq.0));
        match page.next_before {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1]);
}

#[tokio::test]
async fn uploads_never_finalized_are_swept_with_their_files() {
    use chitter_core::app::uploads;
    use chitter_core::domain::UploadKind;
    let w = World::new();
    let ada = w.user("ada").await;
    let ticket = uploads::create(&w.svc, &ada, UploadKind::Emoji, "image/gif", 6)
        .await
        .unwrap();
    let sent = reqwest::Client::new()
        .put(&ticket.upload.url)
        .header("content-type", "image/gif")
        .header("if-none-match", "*")
        .body("GIF89a")
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success());
    let key = uploads::incoming_key(ada.user_id, ticket.upload_id).unwrap();
    assert!(w.svc.blobs.stat(&key).await.unwrap().is_some());

    // Not yet past its time: nothing to sweep.
    assert!(
        w.store
            .expired_uploads(w.svc.clock.now())
            .unwrap()
            .is_empty()
    );
    w.clock
        .advance(w.svc.settings.upload_pending_ttl + Duration::from_secs(1));
    let expired = w.store.expired_uploads(w.svc.clock.now()).unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(uploads::sweep(&w.svc, expired).await.unwrap(), 1);
    assert!(w.svc.blobs.stat(&key).await.unwrap().is_none());
    assert!(matches!(
        uploads::get(&w.svc, &ada, ticket.upload_id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn uploads_in_flight_are_bounded() {
    use chitter_core::app::uploads;
    use chitter_core::domain::UploadKind;
    let w = World::new();
    let ada = w.user("ada").await;
    for _ in 0..uploads::MAX_PENDING {
        uploads::create(&w.svc, &ada, UploadKind::Attachment, "text/plain", 10)
            .await
            .unwrap();
    }
    let refused = uploads::create(&w.svc, &ada, UploadKind::Attachment, "text/plain", 10).await;
    assert!(
        matches!(&refused, Err(e) if e.code().as_str() == "quota_exceeded"),
        "{refused:?}"
    );
    // Once they expire, there is room again.
    w.clock
        .advance(w.svc.settings.upload_pending_ttl + Duration::from_secs(1));
    uploads::create(&w.svc, &ada, UploadKind::Attachment, "text/plain", 10)
        .await
        .unwrap();
}
