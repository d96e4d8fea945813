//! `FriendStore`: a friendship has two sides, written and removed together.

use chrono::Utc;

use chitter_core::domain::{FriendLink, FriendState, UserId};
use chitter_core::ports::Store;

pub async fn friendships_have_two_sides<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let link = FriendLink {
        user_id: ada,
        other_id: bob,
        state: FriendState::Outgoing,
        since: Utc::now(),
    };
    s.put_friend_link(&link).await.unwrap();
    assert_eq!(
        s.friend_link(ada, bob).await.unwrap().unwrap().state,
        FriendState::Outgoing
    );
    assert_eq!(
        s.friend_link(bob, ada).await.unwrap().unwrap().state,
        FriendState::Incoming
    );
    s.put_friend_link(&FriendLink {
        state: FriendState::Friends,
        ..link.mirror()
    })
    .await
    .unwrap();
    assert_eq!(
        s.friend_link(ada, bob).await.unwrap().unwrap().state,
        FriendState::Friends
    );
    assert_eq!(s.friend_links(ada).await.unwrap().len(), 1);
    assert!(s.remove_friend_link(bob, ada).await.unwrap());
    assert!(!s.remove_friend_link(bob, ada).await.unwrap());
    assert!(s.friend_links(ada).await.unwrap().is_empty());
}
