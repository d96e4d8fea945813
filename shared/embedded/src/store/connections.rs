//! `ConnectionStore` over redb: a connection and the user's index of
//! connections change together, and presence is read from them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::ReadableTable;

use super::{CONNECTIONS, EmbeddedStore, Json, USER_CONNECTIONS, get_json, suffixes};
use crate::error::{DbResult, from_json, to_json};
use chitter_core::domain::{ConnectionId, ConnectionRecord, UserId};
use chitter_core::ports::{ConnectionStore, PresenceChange, StoreError};

/// Whether the user has a connection still open at `now` (one past its
/// maximum lifetime cannot be, whatever became of its `$disconnect`).
fn has_live_connection(
    by_user: &impl ReadableTable<(&'static str, &'static str), ()>,
    conns: &impl ReadableTable<&'static str, Json>,
    user: &str,
    now: DateTime<Utc>,
) -> DbResult<bool> {
    for id in suffixes(by_user, user)? {
        if let Some(c) = get_json::<ConnectionRecord>(conns, &id)?
            && c.expires_at > now
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[async_trait]
impl ConnectionStore for EmbeddedStore {
    async fn add_connection(&self, c: &ConnectionRecord) -> Result<PresenceChange, StoreError> {
        let c = c.clone();
        self.write(move |tx| {
            let (user, id) = (c.user_id.to_string(), c.connection_id.to_string());
            let mut by_user = tx.open_table(USER_CONNECTIONS)?;
            let mut conns = tx.open_table(CONNECTIONS)?;
            let first = !has_live_connection(&by_user, &conns, &user, c.connected_at)?;
            by_user.insert((user.as_str(), id.as_str()), ())?;
            conns.insert(id.as_str(), to_json(&c)?.as_slice())?;
            Ok(if first {
                PresenceChange::CameOnline
            } else {
                PresenceChange::Unchanged
            })
        })
        .await
    }

    async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(ConnectionRecord, PresenceChange)>, StoreError> {
        let id = id.to_string();
        self.write(move |tx| {
            let mut conns = tx.open_table(CONNECTIONS)?;
            let Some(record) = conns
                .remove(id.as_str())?
                .map(|v| from_json::<ConnectionRecord>(v.value()))
                .transpose()?
            else {
                return Ok(None);
            };
            let user = record.user_id.to_string();
            let mut by_user = tx.open_table(USER_CONNECTIONS)?;
            by_user.remove((user.as_str(), id.as_str()))?;
            let change = if has_live_connection(&by_user, &conns, &user, Utc::now())? {
                PresenceChange::Unchanged
            } else {
                PresenceChange::WentOffline
            };
            Ok(Some((record, change)))
        })
        .await
    }

    async fn connection(&self, id: &ConnectionId) -> Result<Option<ConnectionRecord>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(CONNECTIONS)?, id.as_str()))
    }

    async fn connections_of(&self, users: &[UserId]) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.read(|tx| {
            let by_user = tx.open_table(USER_CONNECTIONS)?;
            let conns = tx.open_table(CONNECTIONS)?;
            let mut out = Vec::new();
            for user in users {
                for id in suffixes(&by_user, &user.to_string())? {
                    if let Some(c) = get_json(&conns, &id)? {
                        out.push(c);
                    }
                }
            }
            Ok(out)
        })
    }

    async fn count_online(&self, users: &[UserId]) -> Result<u32, StoreError> {
        self.read(|tx| {
            let by_user = tx.open_table(USER_CONNECTIONS)?;
            let conns = tx.open_table(CONNECTIONS)?;
            let now = Utc::now();
            let mut n = 0;
            for user in users {
                if has_live_connection(&by_user, &conns, &user.to_string(), now)? {
                    n += 1;
                }
            }
            Ok(n)
        })
    }
}
