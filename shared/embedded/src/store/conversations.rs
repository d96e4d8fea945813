//! `ConversationStore` over redb: conversations, members and each user's
//! index of conversations, written in single transactions.

use async_trait::async_trait;
use redb::{ReadableTable, WriteTransaction};

use super::{
    CONVERSATIONS, DIRECT_PAIRS, EmbeddedStore, MEMBERS, USER_CONVERSATIONS, get_json, get_json2,
    read_conversation, suffixes,
};
use crate::error::{DbResult, from_json, to_json};
use chitter_core::domain::{Conversation, ConversationId, Member, Retention, Seq, Title, UserId};
use chitter_core::ports::{AddMember, ConversationStore, StoreError};

pub(super) fn count_prefix<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    prefix: &str,
) -> DbResult<usize> {
    let mut n = 0;
    for entry in table.range((prefix, "")..)? {
        if entry?.0.value().0 != prefix {
            break;
        }
        n += 1;
    }
    Ok(n)
}

pub(super) fn insert_conversation(
    tx: &WriteTransaction,
    c: &Conversation,
    members: &[Member],
) -> DbResult<()> {
    let id = c.conversation_id.to_string();
    tx.open_table(CONVERSATIONS)?
        .insert(id.as_str(), to_json(c)?.as_slice())?;
    let mut by_conv = tx.open_table(MEMBERS)?;
    let mut by_user = tx.open_table(USER_CONVERSATIONS)?;
    for m in members {
        let user = m.user_id.to_string();
        by_conv.insert((id.as_str(), user.as_str()), to_json(m)?.as_slice())?;
        by_user.insert((user.as_str(), id.as_str()), ())?;
    }
    Ok(())
}

#[async_trait]
impl ConversationStore for EmbeddedStore {
    async fn create_conversation(
        &self,
        c: &Conversation,
        members: &[Member],
    ) -> Result<(), StoreError> {
        let (c, members) = (c.clone(), members.to_vec());
        self.write(move |tx| {
            if tx
                .open_table(CONVERSATIONS)?
                .get(c.conversation_id.to_string().as_str())?
                .is_some()
            {
                return Err(StoreError::AlreadyExists.into());
            }
            insert_conversation(tx, &c, &members)
        })
        .await
    }

    async fn find_or_create_direct(
        &self,
        c: &Conversation,
        a: &Member,
        b: &Member,
    ) -> Result<(Conversation, bool), StoreError> {
        let (c, a, b) = (c.clone(), a.clone(), b.clone());
        self.write(move |tx| {
            let (lo, hi) = pair(a.user_id, b.user_id);
            let mut pairs = tx.open_table(DIRECT_PAIRS)?;
            let existing = pairs
                .get((lo.as_str(), hi.as_str()))?
                .map(|v| v.value().to_owned());
            if let Some(id) = existing {
                let found = get_json(&tx.open_table(CONVERSATIONS)?, &id)?
                    .ok_or_else(|| StoreError::backend("direct pair without conversation"))?;
                return Ok((found, false));
            }
            let id = c.conversation_id.to_string();
            pairs.insert((lo.as_str(), hi.as_str()), id.as_str())?;
            insert_conversation(tx, &c, &[a, b])?;
            Ok((c, true))
        })
        .await
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        self.read(|tx| read_conversation(&tx.open_table(CONVERSATIONS)?, &id.to_string()))
    }

    async fn member(&self, id: ConversationId, user: UserId) -> Result<Option<Member>, StoreError> {
        self.read(|tx| get_json2(&tx.open_table(MEMBERS)?, &id.to_string(), &user.to_string()))
    }

    async fn members(&self, id: ConversationId) -> Result<Vec<Member>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let members = tx.open_table(MEMBERS)?;
            let mut out = Vec::new();
            for entry in members.range((id.as_str(), "")..)? {
                let (k, v) = entry?;
                if k.value().0 != id {
                    break;
                }
                out.push(from_json(v.value())?);
            }
            Ok(out)
        })
    }

    async fn conversations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Conversation, Member)>, StoreError> {
        self.read(|tx| {
            let user = user.to_string();
            let convs = tx.open_table(CONVERSATIONS)?;
            let members = tx.open_table(MEMBERS)?;
            let mut out = Vec::new();
            for id in suffixes(&tx.open_table(USER_CONVERSATIONS)?, &user)? {
                if let (Some(c), Some(m)) = (
                    read_conversation(&convs, &id)?,
                    get_json2(&members, &id, &user)?,
                ) {
                    out.push((c, m));
                }
            }
            Ok(out)
        })
    }

    async fn set_title(&self, id: ConversationId, title: &Title) -> Result<bool, StoreError> {
        let title = title.clone();
        self.write(move |tx| {
            let id = id.to_string();
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let Some(mut c) = get_json::<Conversation>(&convs, &id)? else {
                return Ok(false);
            };
            c.title = Some(title);
            convs.insert(id.as_str(), to_json(&c)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    async fn set_retention(
        &self,
        id: ConversationId,
        retention: Option<Retention>,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let id = id.to_string();
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let Some(mut c) = get_json::<Conversation>(&convs, &id)? else {
                return Ok(false);
            };
            c.retention = retention;
            convs.insert(id.as_str(), to_json(&c)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    async fn add_member(&self, m: &Member, limit: usize) -> Result<AddMember, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let (id, user) = (m.conversation_id.to_string(), m.user_id.to_string());
            if tx.open_table(CONVERSATIONS)?.get(id.as_str())?.is_none() {
                return Ok(AddMember::NoSuchConversation);
            }
            let mut members = tx.open_table(MEMBERS)?;
            if members.get((id.as_str(), user.as_str()))?.is_some() {
                return Ok(AddMember::AlreadyMember);
            }
            if count_prefix(&members, &id)? >= limit {
                return Ok(AddMember::Full);
            }
            members.insert((id.as_str(), user.as_str()), to_json(&m)?.as_slice())?;
            tx.open_table(USER_CONVERSATIONS)?
                .insert((user.as_str(), id.as_str()), ())?;
            Ok(AddMember::Added)
        })
        .await
    }

    async fn set_role(&self, m: &Member) -> Result<bool, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let (id, user) = (m.conversation_id.to_string(), m.user_id.to_string());
            let mut members = tx.open_table(MEMBERS)?;
            let Some(mut current) = get_json2::<Member>(&members, &id, &user)? else {
                return Ok(false);
            };
            current.role = m.role;
            members.insert((id.as_str(), user.as_str()), to_json(&current)?.as_slice())?;
            Ok(true)
        })
        .await
    }

    async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (id, user) = (id.to_string(), user.to_string());
            let removed = tx
                .open_table(MEMBERS)?
                .remove((id.as_str(), user.as_str()))?
                .is_some();
            tx.open_table(USER_CONVERSATIONS)?
                .remove((user.as_str(), id.as_str()))?;
            Ok(removed)
        })
        .await
    }

    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let (id, user) = (id.to_string(), user.to_string());
            let mut members = tx.open_table(MEMBERS)?;
            let Some(mut m) = get_json2::<Member>(&members, &id, &user)? else {
                return Ok(false);
            };
            if seq <= m.read_seq {
                return Ok(false);
            }
            m.read_seq = seq;
            members.insert((id.as_str(), user.as_str()), to_json(&m)?.as_slice())?;
            Ok(true)
        })
        .await
    }
}

fn pair(a: UserId, b: UserId) -> (String, String) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (lo.to_string(), hi.to_string())
}
