//! `RoomStore` on DynamoDB: a directory partition (`ROOMS`, one item per
//! room, newest last by id, with the online count last announced), and one
//! subscription item per connection under the room (`RCONN#`) with its
//! index entry under the connection (`RSUB#`), both expiring with the
//! connection.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::items::{ConversationRef, from_item, key, keys, to_item};
use super::{DynamoStore, build, cancellation, failed_check, n, s};
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
}

/// A room's directory entry.
#[derive(Deserialize)]
struct DirectoryEntry {
    conversation_id: ConversationId,
    /// Kept here, not on the meta item that every message updates.
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

    /// The listings of these directory entries, in the order given.
    async fn listings(&self, entries: &[DirectoryEntry]) -> Result<Vec<RoomListing>, StoreError> {
        let wanted = entries
            .iter()
            .map(|e| key(keys::conv(e.conversation_id), keys::META))
            .collect();
        let mut found: HashMap<ConversationId, RoomMeta> = HashMap::new();
        for item in self.batch_get(wanted).await? {
            let m: RoomMeta = from_item(item)?;
            found.insert(m.conversation.conversation_id, m);
        }
        Ok(entries
            .iter()
            .filter_map(|e| {
                found.remove(&e.conversation_id).map(|m| RoomListing {
                    room: m.conversation,
                    members: m.member_count,
                    online: e.online,
                })
            })
            .collect())
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
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn room(&self, id: ConversationId) -> Result<Option<RoomListing>, StoreError> {
        let Some(entry) = self
            .get::<DirectoryEntry>(keys::ROOMS.to_owned(), &keys::room(id))
            .await?
        else {
            return Ok(None);
        };
        Ok(self.listings(&[entry]).await?.pop())
    }

    async fn rooms(
        &self,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<RoomListing>, StoreError> {
        // Newest first: backwards from the end, or from just before `after`
        // (BETWEEN includes its bound: ask one more and drop `after`).
        let mut values = HashMap::from([(":pk".to_owned(), s(keys::ROOMS))]);
        let condition = match after {
            Some(a) => {
                values.insert(":lo".to_owned(), s(keys::ROOM_PREFIX));
                values.insert(":hi".to_owned(), s(keys::room(a)));
                "pk = :pk AND sk BETWEEN :lo AND :hi"
            }
            None => {
                values.insert(":prefix".to_owned(), s(keys::ROOM_PREFIX));
                "pk = :pk AND begins_with(sk, :prefix)"
            }
        };
        let entries: Vec<DirectoryEntry> = self
            .query(condition, values, false, limit + 1)
            .await?
            .into_iter()
            .filter(|e: &DirectoryEntry| Some(e.conversation_id) != after)
            .take(limit)
            .collect();
        self.listings(&entries).await
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
            self.put(
                to_item(
                    keys::conn(&c.connection_id),
                    &keys::subscribed(room),
                    &ConversationRef {
                        conversation_id: room,
                    },
                    Some(c.expires_at),
                )?,
                None,
            )?,
        ];
        // The checks read items that read positions and presence touch: a
        // conflict is retried, a failed check is the answer.
        match self.transact_retrying(items).await {
            Ok(()) => Ok(true),
            Err(e)
                if cancellation(&e).is_some_and(|r| failed_check(&r, 0) || failed_check(&r, 1)) =>
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
        self.batch_delete(vec![
            key(keys::conv(room), &keys::room_conn(connection)),
            key(keys::conn(connection), &keys::subscribed(room)),
        ])
        .await
    }

    async fn subscriptions_of(
        &self,
        connection: &ConnectionId,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let refs: Vec<ConversationRef> = self
            .query_prefix(keys::conn(connection), keys::SUBSCRIBED_PREFIX)
            .await?;
        Ok(refs.into_iter().map(|r| r.conversation_id).collect())
    }

    async fn subscribers(
        &self,
        room: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoomConnection>, StoreError> {
        // TTL deletes lag, so expired subscriptions are skipped here.
        let subs: Vec<RoomConnection> = self
            .query_prefix(keys::conv(room), keys::ROOM_CONN_PREFIX)
            .await?
            .into_iter()
            .filter(|s: &RoomConnection| s.expires_at > now)
            .collect();
        if subs.is_empty() {
            return Ok(subs);
        }
        // Only members: one BatchGetItem per 100 online users.
        let users: HashSet<UserId> = subs.iter().map(|s| s.user_id).collect();
        let wanted = users
            .iter()
            .map(|u| key(keys::conv(room), &keys::member(*u)))
            .collect();
        let members: HashSet<UserId> = self
            .batch_get(wanted)
            .await?
            .into_iter()
            .map(|item| from_item::<Member>(item).map(|m| m.user_id))
            .collect::<Result<_, _>>()?;
        Ok(subs
            .into_iter()
            .filter(|s| members.contains(&s.user_id))
            .collect())
    }

    async fn set_online(
        &self,
        room: ConversationId,
        online: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.update_if(
            key(keys::ROOMS.to_owned(), &keys::room(room)),
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
