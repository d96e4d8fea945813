//! `ConnectionStore` on DynamoDB: a connection item, the user's copy of it
//! and a presence counter per user, kept consistent by transactions and
//! bounded by each connection's TTL.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;

use super::items::{from_item, key, keys, to_item};
use super::{DynamoStore, cancellation, failed_check, n};
use chitter_core::domain::{ConnectionId, ConnectionRecord, UserId};
use chitter_core::ports::{ConnectionStore, PresenceChange, StoreError};

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn add_connection(&self, c: &ConnectionRecord) -> Result<PresenceChange, StoreError> {
        let items = vec![
            self.put(
                to_item(
                    keys::conn(&c.connection_id),
                    keys::ONE,
                    c,
                    Some(c.expires_at),
                )?,
                None,
            )?,
            self.put(
                to_item(
                    keys::user(c.user_id),
                    &keys::conn(&c.connection_id),
                    c,
                    Some(c.expires_at),
                )?,
                None,
            )?,
        ];
        self.transact(items).await.map_err(StoreError::backend)?;
        // A fresh count when no earlier connection can still be open (even one
        // whose `$disconnect` was lost and whose items TTL removed): this is
        // the user coming online. Of two racing first connections, one
        // resets and the other adds.
        let presence = || key(keys::user(c.user_id), keys::PRESENCE);
        let until = n(c.expires_at.timestamp());
        let fresh = self
            .update_if(
                presence(),
                "SET connections = :one, online_until = :until",
                "attribute_not_exists(connections) OR connections <= :zero OR online_until < :now",
                None,
                HashMap::from([
                    (":one".to_owned(), n(1)),
                    (":zero".to_owned(), n(0)),
                    (":until".to_owned(), until.clone()),
                    (":now".to_owned(), n(c.connected_at.timestamp())),
                ]),
            )
            .await?;
        if fresh {
            return Ok(PresenceChange::CameOnline);
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(presence()))
            .update_expression("ADD connections :one SET online_until = :until")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":until", until)
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(PresenceChange::Unchanged)
    }

    async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(ConnectionRecord, PresenceChange)>, StoreError> {
        let Some(record) = self
            .get::<ConnectionRecord>(keys::conn(id), keys::ONE)
            .await?
        else {
            return Ok(None);
        };
        // Both items and the count move together; the condition makes a
        // second, racing removal a no-op instead of a second decrement.
        let items = vec![
            self.delete(key(keys::conn(id), keys::ONE), Some("attribute_exists(pk)"))?,
            self.delete(key(keys::user(record.user_id), &keys::conn(id)), None)?,
            self.update(
                key(keys::user(record.user_id), keys::PRESENCE),
                "ADD connections :minus",
                None,
                HashMap::from([(":minus".to_owned(), n(-1))]),
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => {}
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => return Ok(None),
            Err(e) => return Err(StoreError::backend(e)),
        }
        let online = self.online(&[record.user_id]).await? > 0;
        let change = if online {
            PresenceChange::Unchanged
        } else {
            PresenceChange::WentOffline
        };
        Ok(Some((record, change)))
    }

    async fn connection(&self, id: &ConnectionId) -> Result<Option<ConnectionRecord>, StoreError> {
        self.get(keys::conn(id), keys::ONE).await
    }

    async fn connections_of(&self, users: &[UserId]) -> Result<Vec<ConnectionRecord>, StoreError> {
        let queries = users
            .iter()
            .map(|u| self.query_prefix::<ConnectionRecord>(keys::user(*u), "CONN#"));
        let mut out = Vec::new();
        for found in futures::future::try_join_all(queries).await? {
            out.extend(found);
        }
        Ok(out)
    }

    async fn count_online(&self, users: &[UserId]) -> Result<u32, StoreError> {
        self.online(users).await
    }
}

impl DynamoStore {
    /// How many of these users have a connection that may still be open.
    async fn online(&self, users: &[UserId]) -> Result<u32, StoreError> {
        #[derive(Deserialize)]
        struct Presence {
            #[serde(default)]
            connections: i64,
            #[serde(default)]
            online_until: i64,
        }
        let now = Utc::now().timestamp();
        let keys = users
            .iter()
            .map(|u| key(keys::user(*u), keys::PRESENCE))
            .collect();
        let mut online = 0;
        for item in self.batch_get(keys).await? {
            let p: Presence = from_item(item)?;
            if p.connections > 0 && p.online_until > now {
                online += 1;
            }
        }
        Ok(online)
    }
}
