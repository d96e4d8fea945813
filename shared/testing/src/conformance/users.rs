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
