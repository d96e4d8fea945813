//! `RoomStore` over redb: the directory in room-id order (ids grow with
//! time, so newest last), each room's subscribed connections, and the
//! online count last announced. A subscription checks the membership and
//! the connection in the same transaction that writes it, and is indexed
//! under the connection as well.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::conversations::{count_prefix, insert_conversation};
use super::{
    CONNECTION_ROOMS, CONNECTIONS, CONVERSATIONS, EmbeddedStore, MEMBERS, ROOM_CONNECTIONS,
    ROOM_ONLINE, ROOMS, USER_CONVERSATIONS, get_json, read_conversation, suffixes,
};
use crate::error::{DbResult, from_json, to_json};
use chitter_core::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, Member, UserId,
};
use chitter_core::ports::{RoomConnection, RoomListing, RoomStore, StoreError};

/// The count a room last announced, and when.
#[derive(Serialize, Deserialize)]
struct Online {
    online: u32,
    at: DateTime<Utc>,
}

fn listing(tx: &redb::ReadTransaction, id: &str) -> DbResult<Option<RoomListing>> {
    let Some(room) = read_conversation(&tx.open_table(CONVERSATIONS)?, id)? else {
        return Ok(None);
    };
    let members = count_prefix(&tx.open_table(MEMBERS)?, id)? as u64;
    let online = get_json::<Online>(&tx.open_table(ROOM_ONLINE)?, id)?.map_or(0, |o| o.online);
    Ok(Some(RoomListing {
        room,
        members,
        online,
    }))
}

#[async_trait]
impl RoomStore for EmbeddedStore {
    async fn create_room(&self, room: &Conversation, creator: &Member) -> Result<(), StoreError> {
        let (room, creator) = (room.clone(), creator.clone());
        self.write(move |tx| {
            let id = room.conversation_id.to_string();
            if tx.open_table(CONVERSATIONS)?.get(id.as_str())?.is_some() {
                return Err(StoreError::AlreadyExists.into());
            }
            insert_conversation(tx, &room, &[creator])?;
            tx.open_table(ROOMS)?.insert(id.as_str(), ())?;
            Ok(())
        })
        .await
    }

    async fn room(&self, id: ConversationId) -> Result<Option<RoomListing>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            if tx.open_table(ROOMS)?.get(id.as_str())?.is_none() {
                return Ok(None);
            }
            listing(tx, &id)
        })
    }

    async fn rooms(
        &self,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<RoomListing>, StoreError> {
        self.read(|tx| {
            let rooms = tx.open_table(ROOMS)?;
            let before = after.map(|a| a.to_string());
            let range = match before.as_deref() {
                Some(b) => rooms.range(..b)?,
                None => rooms.range::<&str>(..)?,
            };
            let mut out = Vec::new();
            for entry in range.rev() {
                if out.len() >= limit {
                    break;
                }
                let (k, _) = entry?;
                if let Some(l) = listing(tx, k.value())? {
                    out.push(l);
                }
            }
            Ok(out)
        })
    }

    async fn rooms_of(&self, user: UserId) -> Result<Vec<ConversationId>, StoreError> {
        self.read(|tx| {
            let rooms = tx.open_table(ROOMS)?;
            let mut out = Vec::new();
            for id in suffixes(&tx.open_table(USER_CONVERSATIONS)?, &user.to_string())? {
                if rooms.get(id.as_str())?.is_some()
                    && let Ok(id) = ConversationId::parse(&id)
                {
                    out.push(id);
                }
            }
            Ok(out)
        })
    }

    async fn subscribe(
        &self,
        room: ConversationId,
        c: &ConnectionRecord,
    ) -> Result<bool, StoreError> {
        let c = c.clone();
        self.write(move |tx| {
            let (room, user, id) = (
                room.to_string(),
                c.user_id.to_string(),
                c.connection_id.to_string(),
            );
            let member = tx
                .open_table(MEMBERS)?
                .get((room.as_str(), user.as_str()))?
                .is_some();
            let open = tx.open_table(CONNECTIONS)?.get(id.as_str())?.is_some();
            if !member || !open {
                return Ok(false);
            }
            let sub = RoomConnection {
                connection_id: c.connection_id,
                user_id: c.user_id,
                expires_at: c.expires_at,
            };
            tx.open_table(ROOM_CONNECTIONS)?
                .insert((room.as_str(), id.as_str()), to_json(&sub)?.as_slice())?;
            tx.open_table(CONNECTION_ROOMS)?
                .insert((id.as_str(), room.as_str()), ())?;
            Ok(true)
        })
        .await
    }

    async fn unsubscribe(
        &self,
        room: ConversationId,
        connection: &ConnectionId,
    ) -> Result<(), StoreError> {
        let (room, id) = (room.to_string(), connection.to_string());
        self.write(move |tx| {
            tx.open_table(ROOM_CONNECTIONS)?
                .remove((room.as_str(), id.as_str()))?;
            tx.open_table(CONNECTION_ROOMS)?
                .remove((id.as_str(), room.as_str()))?;
            Ok(())
        })
        .await
    }

    async fn subscriptions_of(
        &self,
        connection: &ConnectionId,
    ) -> Result<Vec<ConversationId>, StoreError> {
        self.read(|tx| {
            let rooms = suffixes(&tx.open_table(CONNECTION_ROOMS)?, connection.as_str())?;
            Ok(rooms
                .iter()
                .filter_map(|r| ConversationId::parse(r).ok())
                .collect())
        })
    }

    async fn subscribers(
        &self,
        room: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoomConnection>, StoreError> {
        self.read(|tx| {
            let room = room.to_string();
            let subs = tx.open_table(ROOM_CONNECTIONS)?;
            let members = tx.open_table(MEMBERS)?;
            let mut out = Vec::new();
            for entry in subs.range((room.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != room {
                    break;
                }
                let sub: RoomConnection = from_json(v.value())?;
                let member = members
                    .get((room.as_str(), sub.user_id.to_string().as_str()))?
                    .is_some();
                if sub.expires_at > now && member {
                    out.push(sub);
                }
            }
            Ok(out)
        })
    }

    async fn set_online(
        &self,
        room: ConversationId,
        online: u32,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let id = room.to_string();
            let mut table = tx.open_table(ROOM_ONLINE)?;
            let newer = get_json::<Online>(&table, &id)?.is_none_or(|o| o.at <= at);
            if newer {
                table.insert(id.as_str(), to_json(&Online { online, at })?.as_slice())?;
            }
            Ok(())
        })
        .await
    }
}
