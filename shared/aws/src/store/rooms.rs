//! `RoomStore` on DynamoDB: a directory partition (`ROOMS`, one item per
//! room, newest last by id), one subscription item per connection under
//! the room (`RCONN#`, expiring with the connection), and the online count
//! last announced on the room's meta item.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::items::{ConversationRef, from_item, key, keys, to_item};
use super::{DynamoStore, build, cancellation, n, s};
use chitter_core::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, Member, UserId,
};
use chitter_core::ports::{RoomConnection, RoomListing, RoomStore, StoreError};

/// The room's meta item as the directory reads it.
#[derive(Deserialize)]
struct RoomMeta {
    #[serde(flatten)]
    conversation: Conversation,
    member_count: u64,
    #[serde(default)]
    online: u32,
}

impl DynamoStore {
    fn exists(&self, pk: String, sk: &str) -> Result<TransactWriteItem, StoreError> {
        let check = build(
            ConditionCheck::builder()
                .table_name(self.table())
                .set_key(Some(key(pk, sk)))
                .condition_expression("attribute_exists(pk)")
                .build(),
        )?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The listings of these rooms, in the order given.
    async fn listings(&self, ids: &[ConversationId]) -> Result<Vec<RoomListing>, StoreError> {
        let wanted = ids
            .iter()
            .map(|id| key(keys::conv(*id), keys::META))
            .collect();
        let mut found: HashMap<ConversationId, RoomListing> = HashMap::new();
        for item in self.batch_get(wanted).await? {
            let m: RoomMeta = from_item(item)?;
            found.insert(
                m.conversation.conversation_id,
                RoomListing {
                    room: m.conversation,
                    members: m.member_count,
                    online: m.online,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

#[async_trait]
impl RoomStore for DynamoStore {
    async fn create_room(&self, room: &Conversation, creator: &Member) -> Result<(), StoreError> {
        let mut items = vec![self.put(self.meta_item(room, 1)?, Some("attribute_not_exists(pk)"))?];
        for item in self.membership_items(creator)? {
            items.push(self.put(item, None)?);
        }
        items.push(self.put(
            to_item(
                keys::ROOMS.to_owned(),
                &keys::room(room.conversation_id),
                &ConversationRef {
                    conversation_id: room.conversation_id,
                },
                None,
            )?,
            None,
        )?);
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(e) if cancellation(&e).is_some_and(|r| super::failed_check(&r, 0)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn room(&self, id: ConversationId) -> Result<Option<RoomListing>, StoreError> {
        if self
            .get::<ConversationRef>(keys::ROOMS.to_owned(), &keys::room(id))
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(self.listings(&[id]).await?.pop())
    }

    async fn rooms(
        &self,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<RoomListing>, StoreError> {
        // Newest first: backwards from the end, or from just before `after`.
        let (condition, bound) = match after {
            Some(a) => ("pk = :pk AND sk BETWEEN :lo AND :hi", keys::room(a)),
            None => ("pk = :pk AND begins_with(sk, :prefix)", String::new()),
        };
        let mut values = HashMap::from([(":pk".to_owned(), s(keys::ROOMS))]);
        if after.is_some() {
            values.insert(":lo".to_owned(), s(keys::ROOM_PREFIX));
            values.insert(":hi".to_owned(), s(bound.clone()));
        } else {
            values.insert(":prefix".to_owned(), s(keys::ROOM_PREFIX));
        }
        // BETWEEN includes its bound: ask one more and drop `after` itself.
        let refs: Vec<ConversationRef> = self.query(condition, values, false, limit + 1).await?;
        let ids: Vec<ConversationId> = refs
            .into_iter()
            .map(|r| r.conversation_id)
            .filter(|id| Some(*id) != after)
            .take(limit)
            .collect();
        self.listings(&ids).await
    }

    async fn rooms_of(&self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        let refs: Vec<ConversationRef> = self.query_prefix(keys::user(user), "MEMBEROF#").await?;
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = refs
            .iter()
            .map(|r| key(keys::ROOMS.to_owned(), &keys::room(r.conversation_id)))
            .collect();
        let rooms: HashSet<ConversationId> = self
            .batch_get(wanted)
            .await?
            .into_iter()
            .map(|item| from_item::<ConversationRef>(item).map(|r| r.conversation_id))
            .collect::<Result<_, _>>()?;
        Ok(refs
            .into_iter()
            .map(|r| r.conversation_id)
            .filter(|id| rooms.contains(id))
            .collect())
    }

    async fn subscribe(
        &self,
        room: ConversationId,
        c: &ConnectionRecord,
    ) -> Result<bool, StoreError> {
        let sub = RoomConnection {
            connection_id: c.connection_id.clone(),
            user_id: c.user_id,
            expires_at: c.expires_at,
        };
        let items = vec![
            self.exists(keys::conv(room), &keys::member(c.user_id))?,
            self.exists(keys::conn(&c.connection_id), keys::ONE)?,
            self.put(
                to_item(
                    keys::conv(room),
                    &keys::room_conn(&c.connection_id),
                    &sub,
                    Some(c.expires_at),
                )?,
                None,
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(e)
                if cancellation(&e)
                    .is_some_and(|r| super::failed_check(&r, 0) || super::failed_check(&r, 1)) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn unsubscribe(
        &self,
        room: ConversationId,
        connection: &ConnectionId,
    ) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(keys::conv(room), &keys::room_conn(connection))))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn subscribers(
        &self,
        room: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoomConnection>, StoreError> {
        // TTL deletes lag, so expired subscriptions are skipped here.
        let subs: Vec<RoomConnection> = self
            .query_prefix(keys::conv(room), keys::ROOM_CONN_PREFIX)
            .await?;
        Ok(subs.into_iter().filter(|s| s.expires_at > now).collect())
    }

    async fn set_online(
        &self,
        room: ConversationId,
        online: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_if(
            key(keys::conv(room), keys::META),
            "SET #online = :n, online_at = :at",
            "attribute_exists(pk) AND (attribute_not_exists(online_at) OR online_at <= :at)",
            // `online` is a reserved word in expressions.
            Some(HashMap::from([("#online".to_owned(), "online".to_owned())])),
            HashMap::from([
                (":n".to_owned(), n(online)),
                (":at".to_owned(), n(at.timestamp_millis())),
            ]),
        )
        .await?;
        Ok(())
    }
}
