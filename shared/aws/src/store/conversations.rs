//! `ConversationStore` on DynamoDB: the conversation's meta item (with its
//! member count), one member item per member under the conversation and a
//! mirror under each user, and one pair item per direct conversation.

use std::collections::HashMap;

use async_trait::async_trait;

use super::items::{Attrs, ConvMeta, ConversationRef, from_item, key, keys, to_item};
use super::{DynamoStore, TRANSACT_MAX, cancellation, failed_check, n, s};
use chitter_core::domain::Seq;
use chitter_core::domain::{Conversation, ConversationId, Member, Retention, Title, UserId};
use chitter_core::ports::{AddMember, ConversationStore, StoreError};

impl DynamoStore {
    pub(super) fn membership_items(&self, m: &Member) -> Result<[Attrs; 2], StoreError> {
        Ok([
            to_item(
                keys::conv(m.conversation_id),
                &keys::member(m.user_id),
                m,
                None,
            )?,
            to_item(
                keys::user(m.user_id),
                &keys::member_of(m.conversation_id),
                &ConversationRef {
                    conversation_id: m.conversation_id,
                },
                None,
            )?,
        ])
    }

    pub(super) fn meta_item(
        &self,
        c: &Conversation,
        member_count: u64,
    ) -> Result<Attrs, StoreError> {
        to_item(
            keys::conv(c.conversation_id),
            keys::META,
            &ConvMeta {
                conversation: c.clone(),
                member_count,
            },
            None,
        )
    }
}

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn create_conversation(
        &self,
        c: &Conversation,
        members: &[Member],
    ) -> Result<(), StoreError> {
        // The meta item and the first members go in one transaction (at most
        // 100 actions); a larger group's other members follow in batch
        // writes, and only then join `member_count`, which so never counts a
        // member that was not written.
        let in_transaction = members.len().min((TRANSACT_MAX - 1) / 2);
        let (first, rest) = members.split_at(in_transaction);
        let mut items = vec![self.put(
            self.meta_item(c, first.len() as u64)?,
            Some("attribute_not_exists(pk)"),
        )?];
        for m in first {
            for item in self.membership_items(m)? {
                items.push(self.put(item, None)?);
            }
        }
        match self.transact(items).await {
            Ok(()) => {}
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(StoreError::backend(e)),
        }
        if rest.is_empty() {
            return Ok(());
        }
        let mut items = Vec::with_capacity(rest.len() * 2);
        for m in rest {
            items.extend(self.membership_items(m)?);
        }
        self.batch_put(items).await?;
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::conv(c.conversation_id), keys::META)))
            .update_expression("ADD member_count :n")
            .expression_attribute_values(":n", n(rest.len()))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn find_or_create_direct(
        &self,
        c: &Conversation,
        a: &Member,
        b: &Member,
    ) -> Result<(Conversation, bool), StoreError> {
        let pair_pk = keys::direct(a.user_id, b.user_id);
        let mut items = vec![
            self.put(
                to_item(
                    pair_pk.clone(),
                    keys::ONE,
                    &ConversationRef {
                        conversation_id: c.conversation_id,
                    },
                    None,
                )?,
                Some("attribute_not_exists(pk)"),
            )?,
            self.put(self.meta_item(c, 2)?, None)?,
        ];
        for m in [a, b] {
            for item in self.membership_items(m)? {
                items.push(self.put(item, None)?);
            }
        }
        match self.transact(items).await {
            Ok(()) => Ok((c.clone(), true)),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                let existing: ConversationRef = self
                    .get(pair_pk, keys::ONE)
                    .await?
                    .ok_or_else(|| StoreError::backend("direct pair vanished"))?;
                let found = self
                    .conversation(existing.conversation_id)
                    .await?
                    .ok_or_else(|| StoreError::backend("direct pair without conversation"))?;
                Ok((found, false))
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        Ok(self
            .get::<ConvMeta>(keys::conv(id), keys::META)
            .await?
            .map(|m| m.conversation))
    }

    async fn member(&self, id: ConversationId, user: UserId) -> Result<Option<Member>, StoreError> {
        self.get(keys::conv(id), &keys::member(user)).await
    }

    async fn members(&self, id: ConversationId) -> Result<Vec<Member>, StoreError> {
        self.query_prefix(keys::conv(id), "MEMBER#").await
    }

    async fn conversations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Conversation, Member)>, StoreError> {
        let refs: Vec<ConversationRef> = self.query_prefix(keys::user(user), "MEMBEROF#").await?;
        let mut wanted = Vec::with_capacity(refs.len() * 2);
        for r in &refs {
            wanted.push(key(keys::conv(r.conversation_id), keys::META));
            wanted.push(key(keys::conv(r.conversation_id), &keys::member(user)));
        }
        let mut metas = HashMap::new();
        let mut members = HashMap::new();
        for item in self.batch_get(wanted).await? {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == keys::META {
                let m: ConvMeta = from_item(item)?;
                metas.insert(m.conversation.conversation_id, m.conversation);
            } else {
                let m: Member = from_item(item)?;
                members.insert(m.conversation_id, m);
            }
        }
        Ok(refs
            .into_iter()
            .filter_map(|r| {
                Some((
                    metas.remove(&r.conversation_id)?,
                    members.remove(&r.conversation_id)?,
                ))
            })
            .collect())
    }

    async fn set_title(&self, id: ConversationId, title: &Title) -> Result<bool, StoreError> {
        self.update_if(
            key(keys::conv(id), keys::META),
            "SET title = :t",
            "attribute_exists(pk)",
            None,
            HashMap::from([(":t".to_owned(), s(title.as_str()))]),
        )
        .await
    }

    async fn set_retention(
        &self,
        id: ConversationId,
        retention: Option<Retention>,
    ) -> Result<bool, StoreError> {
        let (expression, values) = match retention {
            Some(r) => (
                "SET retention = :r",
                HashMap::from([(":r".to_owned(), n(r.as_days()))]),
            ),
            None => ("REMOVE retention", HashMap::new()),
        };
        self.update_if(
            key(keys::conv(id), keys::META),
            expression,
            "attribute_exists(pk)",
            None,
            values,
        )
        .await
    }

    async fn add_member(&self, m: &Member, limit: usize) -> Result<AddMember, StoreError> {
        let [member, member_of] = self.membership_items(m)?;
        let items = vec![
            self.update(
                key(keys::conv(m.conversation_id), keys::META),
                "ADD member_count :one",
                Some("attribute_exists(pk) AND member_count < :limit"),
                HashMap::from([(":one".to_owned(), n(1)), (":limit".to_owned(), n(limit))]),
            )?,
            self.put(member, Some("attribute_not_exists(pk)"))?,
            self.put(member_of, None)?,
        ];
        match self.transact_retrying(items).await {
            Ok(()) => Ok(AddMember::Added),
            Err(e) => match cancellation(&e) {
                Some(r) if failed_check(&r, 1) => Ok(AddMember::AlreadyMember),
                Some(r) if failed_check(&r, 0) => {
                    if self.conversation(m.conversation_id).await?.is_none() {
                        Ok(AddMember::NoSuchConversation)
                    } else if self.member(m.conversation_id, m.user_id).await?.is_some() {
                        Ok(AddMember::AlreadyMember)
                    } else {
                        Ok(AddMember::Full)
                    }
                }
                _ => Err(StoreError::backend(e)),
            },
        }
    }

    async fn set_role(&self, m: &Member) -> Result<bool, StoreError> {
        let role = serde_dynamo::to_attribute_value(m.role).map_err(StoreError::backend)?;
        self.update_if(
            key(keys::conv(m.conversation_id), &keys::member(m.user_id)),
            "SET #r = :r",
            "attribute_exists(pk)",
            // `role` is a reserved word in expressions.
            Some(HashMap::from([("#r".to_owned(), "role".to_owned())])),
            HashMap::from([(":r".to_owned(), role)]),
        )
        .await
    }

    async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError> {
        let items = vec![
            self.delete(
                key(keys::conv(id), &keys::member(user)),
                Some("attribute_exists(pk)"),
            )?,
            self.delete(key(keys::user(user), &keys::member_of(id)), None)?,
            self.update(
                key(keys::conv(id), keys::META),
                "ADD member_count :minus",
                None,
                HashMap::from([(":minus".to_owned(), n(-1))]),
            )?,
        ];
        match self.transact_retrying(items).await {
            Ok(()) => Ok(true),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => Ok(false),
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError> {
        self.update_if(
            key(keys::conv(id), &keys::member(user)),
            "SET read_seq = :s",
            "attribute_exists(pk) AND read_seq < :s",
            None,
            HashMap::from([(":s".to_owned(), n(seq.0))]),
        )
        .await
    }
}
