//! Every store port over one DynamoDB table (see `docs/data-model.md`).
//! Uniqueness, single use and gap-free sequence numbers come from
//! conditional writes and transactions; items are mapped with serde_dynamo.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, KeysAndAttributes, Put, PutRequest, ReturnValue, TransactWriteItem,
    Update, WriteRequest,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::{
    ConnectionId, ConnectionRecord, Conversation, ConversationId, FriendLink, Handle, Member, Seq,
    StoredMessage, StreamMessage, Title, UserId, UserProfile, UserRecord,
};
use crate::ports::{
    AddMember, ConnectionStore, ConversationStore, FriendStore, MessageLog, Persisted,
    PresenceChange, StoreError, TokenGrant, TokenKind, TokenStore, UserStore,
};

type Attrs = HashMap<String, AttributeValue>;

/// DynamoDB's limits on one request.
const BATCH_GET_MAX: usize = 100;
const BATCH_WRITE_MAX: usize = 25;
const TRANSACT_MAX: usize = 100;
/// Rounds of retrying unprocessed batch items or conflicting transactions.
const RETRIES: u32 = 8;

/// An item: its key, its body, and the TTL attribute when it expires.
#[derive(Serialize, Deserialize)]
struct Item<T> {
    pk: String,
    sk: String,
    #[serde(flatten)]
    body: T,
    /// Epoch seconds; DynamoDB's TTL deletes the item some time after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct HandleBody {
    user_id: UserId,
}

#[derive(Serialize, Deserialize)]
struct ConversationRef {
    conversation_id: ConversationId,
}

#[derive(Serialize, Deserialize)]
struct DedupeBody {
    seq: Seq,
}

#[derive(Serialize, Deserialize)]
struct ConvMeta {
    #[serde(flatten)]
    conversation: Conversation,
    member_count: u64,
}

mod keys {
    use crate::domain::{ConnectionId, ConversationId, Handle, Seq, UserId};
    use crate::ports::TokenKind;

    pub const PROFILE: &str = "PROFILE";
    pub const META: &str = "META";
    pub const PRESENCE: &str = "PRESENCE";
    pub const ONE: &str = "#";

    pub fn user(id: UserId) -> String {
        format!("USER#{id}")
    }
    pub fn handle(h: &Handle) -> String {
        format!("HANDLE#{h}")
    }
    pub fn token(kind: TokenKind, digest: &str) -> String {
        format!("TOKEN#{}#{digest}", kind.as_str())
    }
    pub fn conn(id: &ConnectionId) -> String {
        format!("CONN#{id}")
    }
    pub fn conv(id: ConversationId) -> String {
        format!("CONV#{id}")
    }
    pub fn member(user: UserId) -> String {
        format!("MEMBER#{user}")
    }
    pub fn member_of(conv: ConversationId) -> String {
        format!("MEMBEROF#{conv}")
    }
    pub fn message(seq: Seq) -> String {
        format!("MSG#{:020}", seq.0)
    }
    pub fn dedupe(sender: UserId, client_msg_id: &str) -> String {
        format!("DEDUPE#{sender}#{client_msg_id}")
    }
    pub fn friend(other: UserId) -> String {
        format!("FRIEND#{other}")
    }
    pub fn direct(a: UserId, b: UserId) -> String {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        format!("DIRECT#{lo}#{hi}")
    }
}

fn key(pk: String, sk: &str) -> Attrs {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

fn to_item<T: Serialize>(
    pk: String,
    sk: &str,
    body: &T,
    ttl: Option<DateTime<Utc>>,
) -> Result<Attrs, StoreError> {
    serde_dynamo::to_item(Item {
        pk,
        sk: sk.to_owned(),
        body,
        ttl: ttl.map(|t| t.timestamp()),
    })
    .map_err(StoreError::backend)
}

fn from_item<T: DeserializeOwned>(item: Attrs) -> Result<T, StoreError> {
    serde_dynamo::from_item::<_, Item<T>>(item)
        .map(|i| i.body)
        .map_err(StoreError::backend)
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn build<T, E: std::error::Error + Send + Sync + 'static>(
    r: Result<T, E>,
) -> Result<T, StoreError> {
    r.map_err(StoreError::backend)
}

/// Why each action of a cancelled transaction failed (`None` if it did
/// not), or `None` when the error was not a cancellation.
fn cancellation<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<Option<String>>> {
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

fn failed_check(reasons: &[Option<String>], index: usize) -> bool {
    reasons
        .get(index)
        .and_then(|r| r.as_deref())
        .is_some_and(|c| c == "ConditionalCheckFailed")
}

fn conflicted(reasons: &[Option<String>]) -> bool {
    reasons.iter().flatten().any(|c| c == "TransactionConflict")
}

async fn pause(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(25 << attempt.min(6))).await;
}

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Opens the connection (DNS, TLS) during init with a cheap read, so the
    /// first invocation does not pay for it. The answer does not matter.
    pub async fn warm(&self) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key("WARMUP".into(), "WARMUP")))
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default()
                    .retry_config(super::warm_up_retries())
                    .timeout_config(super::warm_up_timeouts()),
            )
            .send()
            .await;
    }

    fn put(&self, item: Attrs, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_owned))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(&self, key: Attrs, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let delete = build(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .set_condition_expression(condition.map(str::to_owned))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn update(
        &self,
        key: Attrs,
        expression: &str,
        condition: Option<&str>,
        values: Attrs,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression(expression)
                .set_condition_expression(condition.map(str::to_owned))
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>>
    {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
    }

    async fn get<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        out.item.map(from_item).transpose()
    }

    /// Every item of a partition whose sort key starts with `prefix`.
    async fn query_prefix<T: DeserializeOwned>(
        &self,
        pk: String,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.query(
            "pk = :pk AND begins_with(sk, :prefix)",
            HashMap::from([(":pk".to_owned(), s(pk)), (":prefix".to_owned(), s(prefix))]),
            true,
            usize::MAX,
        )
        .await
    }

    /// A strongly consistent Query, in either direction, up to `limit`
    /// items, following pagination.
    async fn query<T: DeserializeOwned>(
        &self,
        key_condition: &str,
        values: Attrs,
        forward: bool,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Attrs> = None;
        while out.len() < limit {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(forward)
                .set_limit(i32::try_from(limit - out.len()).ok())
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::backend)?;
            for item in page.items.unwrap_or_default() {
                out.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Reads many items, 100 keys a request, retrying unprocessed keys.
    async fn batch_get(&self, keys: Vec<Attrs>) -> Result<Vec<Attrs>, StoreError> {
        let mut seen = HashSet::new();
        let keys: Vec<Attrs> = keys
            .into_iter()
            .filter(|k| seen.insert(format!("{:?}{:?}", k.get("pk"), k.get("sk"))))
            .collect();
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending = build(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build(),
            )?;
            for attempt in 0.. {
                let resp = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
                if let Some(items) = resp.responses.and_then(|mut r| r.remove(&self.table)) {
                    out.extend(items);
                }
                match resp
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                {
                    Some(rest) if !rest.keys.is_empty() => {
                        if attempt >= RETRIES {
                            return Err(StoreError::backend(
                                "batch read kept leaving keys unprocessed",
                            ));
                        }
                        pending = rest;
                        pause(attempt).await;
                    }
                    _ => break,
                }
            }
        }
        Ok(out)
    }

    /// Writes many items, 25 a request, retrying unprocessed items.
    async fn batch_put(&self, items: Vec<Attrs>) -> Result<(), StoreError> {
        for chunk in items.chunks(BATCH_WRITE_MAX) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    build(PutRequest::builder().set_item(Some(item.clone())).build())
                        .map(|p| WriteRequest::builder().put_request(p).build())
                })
                .collect::<Result<_, _>>()?;
            for attempt in 0.. {
                let resp = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
                match resp
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                {
                    Some(rest) if !rest.is_empty() => {
                        if attempt >= RETRIES {
                            return Err(StoreError::backend(
                                "batch write kept leaving items unprocessed",
                            ));
                        }
                        pending = rest;
                        pause(attempt).await;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// A conditional UpdateItem: false when the condition did not hold.
    async fn update_if(
        &self,
        key: Attrs,
        expression: &str,
        condition: &str,
        names: Option<HashMap<String, String>>,
        values: Attrs,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    fn membership_items(&self, m: &Member) -> Result<[Attrs; 2], StoreError> {
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

    fn meta_item(&self, c: &Conversation, member_count: u64) -> Result<Attrs, StoreError> {
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
impl UserStore for DynamoStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let items = vec![
            self.put(
                to_item(
                    keys::handle(&user.handle),
                    keys::ONE,
                    &HandleBody {
                        user_id: user.user_id,
                    },
                    None,
                )?,
                Some("attribute_not_exists(pk)"),
            )?,
            self.put(
                to_item(keys::user(user.user_id), keys::PROFILE, user, None)?,
                Some("attribute_not_exists(pk)"),
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(e) if cancellation(&e).is_some_and(|r| failed_check(&r, 0)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        self.get(keys::user(id), keys::PROFILE).await
    }

    async fn user_by_handle(&self, handle: &Handle) -> Result<Option<UserRecord>, StoreError> {
        match self
            .get::<HandleBody>(keys::handle(handle), keys::ONE)
            .await?
        {
            Some(h) => self.user(h.user_id).await,
            None => Ok(None),
        }
    }

    async fn profiles(&self, ids: &[UserId]) -> Result<Vec<UserProfile>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| key(keys::user(*id), keys::PROFILE))
            .collect();
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(|item| from_item::<UserRecord>(item).map(|u| u.profile()))
            .collect()
    }
}

#[async_trait]
impl TokenStore for DynamoStore {
    async fn put_token(
        &self,
        kind: TokenKind,
        digest: &str,
        grant: &TokenGrant,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(
                keys::token(kind, digest),
                keys::ONE,
                grant,
                Some(grant.expires_at),
            )?))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn take_token(
        &self,
        kind: TokenKind,
        digest: &str,
    ) -> Result<Option<TokenGrant>, StoreError> {
        // One delete returning the old item: of two racing takes, one wins.
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::token(kind, digest), keys::ONE)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::backend)?;
        out.attributes
            .filter(|a| !a.is_empty())
            .map(from_item)
            .transpose()
    }
}

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
        match self.transact(items).await {
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
        match self.transact(items).await {
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

#[async_trait]
impl MessageLog for DynamoStore {
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError> {
        let pk = keys::conv(m.conversation_id);
        let dedupe_sk = keys::dedupe(m.sender_id, m.client_msg_id.as_str());
        for attempt in 0..=RETRIES {
            if let Some(d) = self.get::<DedupeBody>(pk.clone(), &dedupe_sk).await? {
                let message = self
                    .get(pk.clone(), &keys::message(d.seq))
                    .await?
                    .ok_or_else(|| StoreError::backend("dedupe entry without message"))?;
                return Ok(Persisted {
                    message,
                    duplicate: true,
                });
            }
            let c = self
                .conversation(m.conversation_id)
                .await?
                .ok_or_else(|| StoreError::backend("message for a missing conversation"))?;
            let seq = c.last_seq.next();
            let stored = StoredMessage::from_stream(m, seq);
            // The counter moves only from the value just read, the message
            // slot and the dedupe key must be new: all or nothing.
            let items = vec![
                self.update(
                    key(pk.clone(), keys::META),
                    "SET last_seq = :next, last_message_at = :at",
                    Some("last_seq = :prev"),
                    HashMap::from([
                        (":next".to_owned(), n(seq.0)),
                        (":prev".to_owned(), n(c.last_seq.0)),
                        (
                            ":at".to_owned(),
                            serde_dynamo::to_attribute_value(m.sent_at)
                                .map_err(StoreError::backend)?,
                        ),
                    ]),
                )?,
                self.put(
                    to_item(pk.clone(), &keys::message(seq), &stored, None)?,
                    Some("attribute_not_exists(pk)"),
                )?,
                self.put(
                    to_item(pk.clone(), &dedupe_sk, &DedupeBody { seq }, None)?,
                    Some("attribute_not_exists(pk)"),
                )?,
            ];
            match self.transact(items).await {
                Ok(()) => {
                    return Ok(Persisted {
                        message: stored,
                        duplicate: false,
                    });
                }
                Err(e) => match cancellation(&e) {
                    // Another writer moved the counter, or stored this very
                    // message, or the transaction collided: read again.
                    Some(r) if failed_check(&r, 0) || failed_check(&r, 2) || conflicted(&r) => {
                        pause(attempt).await;
                    }
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("sequence number kept conflicting"))
    }

    async fn history(
        &self,
        id: ConversationId,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let upper = match before {
            // Nothing comes before the first message (and DynamoDB refuses a
            // BETWEEN whose bounds are reversed).
            Some(b) if b.0 <= 1 => return Ok(Vec::new()),
            Some(b) => keys::message(Seq(b.0 - 1)),
            None => keys::message(Seq(u64::MAX)),
        };
        self.range(id, keys::message(Seq(1)), upper, limit, false)
            .await
    }

    async fn after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        if after.0 == u64::MAX {
            return Ok(Vec::new());
        }
        self.range(
            id,
            keys::message(after.next()),
            keys::message(Seq(u64::MAX)),
            limit,
            true,
        )
        .await
    }
}

impl DynamoStore {
    /// Messages with sort keys in `[lo, hi]`, in either direction.
    async fn range(
        &self,
        id: ConversationId,
        lo: String,
        hi: String,
        limit: usize,
        forward: bool,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.query(
            "pk = :pk AND sk BETWEEN :lo AND :hi",
            HashMap::from([
                (":pk".to_owned(), s(keys::conv(id))),
                (":lo".to_owned(), s(lo)),
                (":hi".to_owned(), s(hi)),
            ]),
            forward,
            limit,
        )
        .await
    }
}

#[async_trait]
impl FriendStore for DynamoStore {
    async fn friend_link(
        &self,
        user: UserId,
        other: UserId,
    ) -> Result<Option<FriendLink>, StoreError> {
        self.get(keys::user(user), &keys::friend(other)).await
    }

    async fn put_friend_link(&self, link: &FriendLink) -> Result<(), StoreError> {
        let mirror = link.mirror();
        let items = vec![
            self.put(
                to_item(
                    keys::user(link.user_id),
                    &keys::friend(link.other_id),
                    link,
                    None,
                )?,
                None,
            )?,
            self.put(
                to_item(
                    keys::user(mirror.user_id),
                    &keys::friend(mirror.other_id),
                    &mirror,
                    None,
                )?,
                None,
            )?,
        ];
        self.transact(items).await.map_err(StoreError::backend)
    }

    async fn remove_friend_link(&self, user: UserId, other: UserId) -> Result<bool, StoreError> {
        let mut existed = false;
        for (a, b) in [(user, other), (other, user)] {
            let out = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(keys::user(a), &keys::friend(b))))
                .return_values(ReturnValue::AllOld)
                .send()
                .await
                .map_err(StoreError::backend)?;
            existed |= out.attributes.is_some_and(|a| !a.is_empty());
        }
        Ok(existed)
    }

    async fn friend_links(&self, user: UserId) -> Result<Vec<FriendLink>, StoreError> {
        self.query_prefix(keys::user(user), "FRIEND#").await
    }
}
