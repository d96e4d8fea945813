//! `UserStore`: handles are unique; profiles are read in bulk.

use std::collections::HashSet;

use chitter_core::domain::{Handle, UserId, UserRecord};
use chitter_core::ports::{Store, StoreError};

use super::fixtures::user;

pub async fn handles_are_unique<S: Store>(s: &S) {
    let ada = user("ada");
    s.create_user(&ada).await.unwrap();
    let again = UserRecord {
        user_id: UserId::new(),
        ..ada.clone()
    };
    assert!(matches!(
        s.create_user(&again).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.user(ada.user_id).await.unwrap(), Some(ada.clone()));
    assert_eq!(s.user(again.user_id).await.unwrap(), None);
    assert_eq!(
        s.user_by_handle(&ada.handle).await.unwrap(),
        Some(ada.clone())
    );
    assert_eq!(
        s.user_by_handle(&Handle::parse("nobody").unwrap())
            .await
            .unwrap(),
        None
    );
}

pub async fn profiles_are_read_in_bulk<S: Store>(s: &S) {
    // More than one BatchGetItem's worth, plus ids that do not exist.
    let mut ids = Vec::new();
    for i in 0..105 {
        let u = user(&format!("user{i}"));
        s.create_user(&u).await.unwrap();
        ids.push(u.user_id);
    }
    ids.push(UserId::new());
    ids.push(ids[0]);
    let profiles = s.profiles(&ids).await.unwrap();
    let found: HashSet<UserId> = profiles.iter().map(|p| p.user_id).collect();
    assert_eq!(found.len(), 105);
}

pub async fn handles_are_searched_by_prefix_in_order<S: Store>(s: &S) {
    for h in ["qqa_b", "qqa_a", "qqa_c", "qqb", "qqq"] {
        s.create_user(&user(h)).await.unwrap();
    }
    let handles = |page: Vec<chitter_core::domain::UserProfile>| -> Vec<String> {
        page.into_iter()
            .map(|p| p.handle.as_str().to_owned())
            .collect()
    };
    assert_eq!(
        handles(s.search_handles("qqa", None, 10).await.unwrap()),
        ["qqa_a", "qqa_b", "qqa_c"]
    );
    assert_eq!(
        handles(s.search_handles("qqa", None, 2).await.unwrap()),
        ["qqa_a", "qqa_b"]
    );
    assert_eq!(
        handles(s.search_handles("qqa", Some("qqa_b"), 10).await.unwrap()),
        ["qqa_c"]
    );
    assert_eq!(
        handles(s.search_handles("qq", Some("qqa_c"), 10).await.unwrap()),
        ["qqb", "qqq"]
    );
    assert!(s.search_handles("qqz", None, 10).await.unwrap().is_empty());
}

/// An outside identity links to one account, made with it in one write:
/// a taken handle writes nothing, and a second account for the same
/// identity is refused whatever its handle.
pub async fn identities_link_one_account_each<S: Store>(s: &S) {
    use chitter_core::domain::ExternalIdentity;
    use chitter_core::ports::NewIdentity;
    let identity = ExternalIdentity::new("https://idp.example", "subject-1");
    assert!(s.user_by_identity(&identity).await.unwrap().is_none());
    let taken = user("idtaken");
    s.create_user(&taken).await.unwrap();
    let mut clash = user("idother");
    clash.handle = taken.handle.clone();
    assert_eq!(
        s.create_user_with_identity(&clash, &identity)
            .await
            .unwrap(),
        NewIdentity::HandleTaken
    );
    assert!(
        s.user_by_identity(&identity).await.unwrap().is_none(),
        "nothing linked"
    );
    assert!(
        s.user(clash.user_id).await.unwrap().is_none(),
        "nothing created"
    );

    let first = user("idfirst");
    assert_eq!(
        s.create_user_with_identity(&first, &identity)
            .await
            .unwrap(),
        NewIdentity::Created
    );
    assert_eq!(
        s.user_by_identity(&identity).await.unwrap(),
        Some(first.clone())
    );
    let second = user("idsecond");
    assert_eq!(
        s.create_user_with_identity(&second, &identity)
            .await
            .unwrap(),
        NewIdentity::IdentityTaken
    );
    assert!(s.user(second.user_id).await.unwrap().is_none());
    assert!(
        s.user_by_handle(&second.handle).await.unwrap().is_none(),
        "the handle was not claimed"
    );
    let other = ExternalIdentity::new("https://idp.example", "subject-2");
    assert!(s.user_by_identity(&other).await.unwrap().is_none());
}
