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

pub async fn blocks_have_two_sides_and_end_friendships<S: Store>(s: &S) {
    let (ada, bob, cy) = (UserId::new(), UserId::new(), UserId::new());
    s.put_friend_link(&FriendLink {
        user_id: ada,
        other_id: bob,
        state: FriendState::Friends,
        since: Utc::now(),
    })
    .await
    .unwrap();
    assert!(s.block_relations(ada).await.unwrap().is_empty());
    s.block(ada, bob).await.unwrap();
    s.block(cy, ada).await.unwrap();
    assert_eq!(s.friend_link(ada, bob).await.unwrap(), None);
    assert_eq!(s.friend_link(bob, ada).await.unwrap(), None);
    assert_eq!(s.blocks(ada).await.unwrap(), [bob]);
    assert_eq!(s.blocked_by(bob).await.unwrap(), [ada]);
    assert_eq!(s.blocked_by(ada).await.unwrap(), [cy]);
    let mut related = s.block_relations(ada).await.unwrap();
    related.sort();
    let mut expected = vec![bob, cy];
    expected.sort();
    assert_eq!(related, expected);
    assert!(s.blocked_between(bob, ada).await.unwrap());
    assert!(!s.blocked_between(bob, cy).await.unwrap());
    assert!(s.unblock(ada, bob).await.unwrap());
    assert!(!s.unblock(ada, bob).await.unwrap());
    assert!(s.blocked_by(bob).await.unwrap().is_empty());
    assert!(!s.blocked_between(ada, bob).await.unwrap());
}
