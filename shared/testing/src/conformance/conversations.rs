//! `ConversationStore`: groups keep their members, large groups are written
//! whole, and a pair has one direct conversation.

use std::collections::HashSet;
use std::sync::Arc;

use chitter_core::domain::{ConversationId, ConversationKind, Role, Seq, Title, UserId};
use chitter_core::ports::{AddMember, Store, StoreError};

use super::fixtures::{conversation, member};

pub async fn groups_keep_their_members<S: Store>(s: &S) {
    let (ada, bob, cy) = (UserId::new(), UserId::new(), UserId::new());
    let c = conversation(ConversationKind::Group, ada);
    let id = c.conversation_id;
    s.create_conversation(
        &c,
        &[member(&c, ada, Role::Admin), member(&c, bob, Role::Member)],
    )
    .await
    .unwrap();
    assert!(matches!(
        s.create_conversation(&c, &[]).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.conversation(id).await.unwrap().unwrap(), c);
    assert_eq!(s.member(id, ada).await.unwrap().unwrap().role, Role::Admin);
    assert_eq!(s.member(id, cy).await.unwrap(), None);
    assert_eq!(s.members(id).await.unwrap().len(), 2);
    let mine = s.conversations_of(bob).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].0.conversation_id, mine[0].1.user_id), (id, bob));

    assert!(
        s.set_title(id, &Title::parse("Renamed").unwrap())
            .await
            .unwrap()
    );
    assert!(
        !s.set_title(ConversationId::new(), &Title::parse("x").unwrap())
            .await
            .unwrap()
    );
    assert_eq!(
        s.conversation(id)
            .await
            .unwrap()
            .unwrap()
            .title
            .unwrap()
            .as_str(),
        "Renamed"
    );

    assert_eq!(
        s.add_member(&member(&c, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Added
    );
    assert_eq!(
        s.add_member(&member(&c, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::AlreadyMember
    );
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Full
    );
    let elsewhere = conversation(ConversationKind::Group, ada);
    assert_eq!(
        s.add_member(&member(&elsewhere, cy, Role::Member), 3)
            .await
            .unwrap(),
        AddMember::NoSuchConversation
    );
    assert!(s.set_role(&member(&c, cy, Role::Admin)).await.unwrap());
    assert!(
        !s.set_role(&member(&c, UserId::new(), Role::Admin))
            .await
            .unwrap()
    );
    assert_eq!(s.member(id, cy).await.unwrap().unwrap().role, Role::Admin);

    assert!(s.remove_member(id, bob).await.unwrap());
    assert!(!s.remove_member(id, bob).await.unwrap());
    assert!(s.conversations_of(bob).await.unwrap().is_empty());
    // Room again after a removal.
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 3)
            .await
            .unwrap(),
        AddMember::Added
    );

    assert!(s.mark_read(id, ada, Seq(3)).await.unwrap());
    assert!(!s.mark_read(id, ada, Seq(2)).await.unwrap());
    assert!(!s.mark_read(id, bob, Seq(5)).await.unwrap());
    assert_eq!(s.member(id, ada).await.unwrap().unwrap().read_seq, Seq(3));
}

pub async fn large_groups_are_written_whole<S: Store>(s: &S) {
    let admin = UserId::new();
    let c = conversation(ConversationKind::Group, admin);
    let mut members = vec![member(&c, admin, Role::Admin)];
    members.extend((0..119).map(|_| member(&c, UserId::new(), Role::Member)));
    s.create_conversation(&c, &members).await.unwrap();
    assert_eq!(s.members(c.conversation_id).await.unwrap().len(), 120);
    let last = members.last().unwrap().user_id;
    assert_eq!(s.conversations_of(last).await.unwrap().len(), 1);
    assert_eq!(
        s.add_member(&member(&c, UserId::new(), Role::Member), 120)
            .await
            .unwrap(),
        AddMember::Full
    );
}

pub async fn a_pair_has_one_direct_conversation<S: Store + 'static>(s: Arc<S>) {
    let (ada, bob) = (UserId::new(), UserId::new());
    let attempts = (0..4).map(|i| {
        let s = s.clone();
        async move {
            let (a, b) = if i % 2 == 0 { (ada, bob) } else { (bob, ada) };
            let c = conversation(ConversationKind::Direct, a);
            s.find_or_create_direct(
                &c,
                &member(&c, a, Role::Member),
                &member(&c, b, Role::Member),
            )
            .await
            .unwrap()
        }
    });
    let results = futures::future::join_all(attempts).await;
    let ids: HashSet<ConversationId> = results.iter().map(|(c, _)| c.conversation_id).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert_eq!(s.conversations_of(ada).await.unwrap().len(), 1);
    assert_eq!(s.conversations_of(bob).await.unwrap().len(), 1);
}
