//! `FriendStore` over redb: both sides of a friendship in one transaction.

use async_trait::async_trait;

use super::{BLOCKED_BY, BLOCKS, EmbeddedStore, FRIENDS, get_json2, suffixes};
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

    async fn block(&self, user: UserId, other: UserId) -> Result<(), StoreError> {
        self.write(move |tx| {
            let (u, o) = (user.to_string(), other.to_string());
            tx.open_table(BLOCKS)?
                .insert((u.as_str(), o.as_str()), ())?;
            tx.open_table(BLOCKED_BY)?
                .insert((o.as_str(), u.as_str()), ())?;
            let mut friends = tx.open_table(FRIENDS)?;
            friends.remove((u.as_str(), o.as_str()))?;
            friends.remove((o.as_str(), u.as_str()))?;
            Ok(())
        })
        .await
    }

    async fn unblock(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (u, o) = (user.to_string(), other.to_string());
            let existed = tx
                .open_table(BLOCKS)?
                .remove((u.as_str(), o.as_str()))?
                .is_some();
            tx.open_table(BLOCKED_BY)?
                .remove((o.as_str(), u.as_str()))?;
            Ok(existed)
        })
        .await
    }

    async fn blocks(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        self.read(|tx| ids(suffixes(&tx.open_table(BLOCKS)?, &user.to_string())?))
    }

    async fn blocked_by(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        self.read(|tx| ids(suffixes(&tx.open_table(BLOCKED_BY)?, &user.to_string())?))
    }

    async fn block_relations(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        self.read(|tx| {
            let me = user.to_string();
            let mut all = suffixes(&tx.open_table(BLOCKS)?, &me)?;
            all.extend(suffixes(&tx.open_table(BLOCKED_BY)?, &me)?);
            ids(all)
        })
    }

    async fn blocked_between(&self, a: UserId, b: UserId) -> Result<bool, StoreError> {
        self.read(|tx| {
            let blocks = tx.open_table(BLOCKS)?;
            let (a, b) = (a.to_string(), b.to_string());
            Ok(blocks.get((a.as_str(), b.as_str()))?.is_some()
                || blocks.get((b.as_str(), a.as_str()))?.is_some())
        })
    }
}

fn ids(raw: Vec<String>) -> crate::error::DbResult<Vec<UserId>> {
    Ok(raw.iter().filter_map(|s| UserId::parse(s).ok()).collect())
}
