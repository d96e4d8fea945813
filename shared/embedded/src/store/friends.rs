//! `FriendStore` over redb: both sides of a friendship in one transaction.

use async_trait::async_trait;

use super::{EmbeddedStore, FRIENDS, get_json2};
use crate::error::{from_json, to_json};
use chitter_core::domain::{FriendLink, UserId};
use chitter_core::ports::{FriendStore, StoreError};

#[async_trait]
impl FriendStore for EmbeddedStore {
    async fn friend_link(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<FriendLink>, StoreError> {
        self.read(|tx| {
            get_json2(
                &tx.open_table(FRIENDS)?,
                &user.to_string(),
                &other.to_string(),
            )
        })
    }

    async fn put_friend_link(&self, link: &FriendLink) -> Result<(), StoreError> {
        let link = link.clone();
        self.write(move |tx| {
            let mut friends = tx.open_table(FRIENDS)?;
            for side in [link.clone(), link.mirror()] {
                let (a, b) = (side.user_id.to_string(), side.other_id.to_string());
                friends.insert((a.as_str(), b.as_str()), to_json(&side)?.as_slice())?;
            }
            Ok(())
        })
        .await
    }

    async fn remove_friend_link(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (a, b) = (user.to_string(), other.to_string());
            let mut friends = tx.open_table(FRIENDS)?;
            let mine = friends.remove((a.as_str(), b.as_str()))?.is_some();
            let theirs = friends.remove((b.as_str(), a.as_str()))?.is_some();
            Ok(mine || theirs)
        })
        .await
    }

    async fn friend_links(&self, user: UserId) -> Result<Vec<FriendLink>, StoreError> {
        self.read(|tx| {
            let user = user.to_string();
            let friends = tx.open_table(FRIENDS)?;
            let mut out = Vec::new();
            for entry in friends.range((user.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != user {
                    break;
                }
                out.push(from_json(v.value())?);
            }
            Ok(out)
        })
    }
}
