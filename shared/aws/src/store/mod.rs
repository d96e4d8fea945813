//! Every store port over one DynamoDB table (see `docs/data-model.md`),
//! one file per port. Uniqueness, single use and gap-free sequence numbers
//! come from conditional writes and transactions; items are mapped with
//! serde_dynamo (`items`). This file holds the request helpers the ports
//! share.

mod connections;
mod conversations;
mod emoji;
mod friends;
mod items;
mod limits;
mod matching;
mod messages;
mod rooms;
mod themes;
mod tokens;
mod uploads;
mod users;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, DeleteRequest, KeysAndAttributes, Put, PutRequest, TransactWriteItem,
    Update, WriteRequest,
};
use serde::de::DeserializeOwned;

use chitter_core::ports::StoreError;
use items::{Attrs, from_item, key};

/// DynamoDB's limits on one request.
const BATCH_GET_MAX: usize = 100;
const BATCH_WRITE_MAX: usize = 25;
const TRANSACT_MAX: usize = 100;
/// Rounds of retrying unprocessed batch items or conflicting transactions.
const RETRIES: u32 = 8;

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

/// Exponential backoff with jitter: writers that collided must not wake
/// together and collide again, round after round.
async fn pause(attempt: u32) {
    let base: u64 = 25 << attempt.min(6);
    let jittered = base / 2 + rand::random_range(0..=base / 2);
    tokio::time::sleep(Duration::from_millis(jittered)).await;
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

    /// Opens the connection (DNS, TLS) during a cold start with a cheap
    /// read (see `warm`). The answer does not matter.
    pub fn warm(&self) -> crate::Warm {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key("WARMUP".into(), "WARMUP")))
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default()
                    .retry_config(crate::warm::retries())
                    .timeout_config(crate::warm::timeouts()),
            );
        Box::pin(async move {
            let _ = request.send().await;
        })
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

    /// `put` whose condition compares with values (`:name`), naming
    /// attributes (`#name`) where DynamoDB reserves the word.
    fn put_if(
        &self,
        item: Attrs,
        condition: &str,
        names: HashMap<String, String>,
        values: Attrs,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                .set_expression_attribute_names((!names.is_empty()).then_some(names))
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
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

    /// `delete` whose condition compares with values (`:name`).
    fn delete_if(
        &self,
        key: Attrs,
        condition: &str,
        values: Attrs,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = build(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression(condition)
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
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
        self.update_named(key, expression, condition, HashMap::new(), values)
    }

    /// `update` with attribute names (`#name`), for names DynamoDB reserves.
    fn update_named(
        &self,
        key: Attrs,
        expression: &str,
        condition: Option<&str>,
        names: HashMap<String, String>,
        values: Attrs,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = build(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression(expression)
                .set_condition_expression(condition.map(str::to_owned))
                .set_expression_attribute_names((!names.is_empty()).then_some(names))
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

    /// `transact`, retried (with backoff) while DynamoDB cancels it only
    /// because another transaction held one of its items.
    async fn transact_retrying(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>>
    {
        let mut attempt = 0;
        loop {
            match self.transact(items.clone()).await {
                Err(e)
                    if attempt < RETRIES
                        && cancellation(&e).is_some_and(|r| {
                            conflicted(&r)
                                && !r.iter().flatten().any(|c| c == "ConditionalCheckFailed")
                        }) =>
                {
                    pause(attempt).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
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
        let requests = items
            .into_iter()
            .map(|item| {
                build(PutRequest::builder().set_item(Some(item)).build())
                    .map(|p| WriteRequest::builder().put_request(p).build())
            })
            .collect::<Result<_, _>>()?;
        self.batch_write(requests).await
    }

    /// Deletes many items by key, 25 a request, retrying unprocessed ones.
    async fn batch_delete(&self, keys: Vec<Attrs>) -> Result<(), StoreError> {
        let requests = keys
            .into_iter()
            .map(|key| {
                build(DeleteRequest::builder().set_key(Some(key)).build())
                    .map(|d| WriteRequest::builder().delete_request(d).build())
            })
            .collect::<Result<_, _>>()?;
        self.batch_write(requests).await
    }

    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(BATCH_WRITE_MAX) {
            let mut pending: Vec<WriteRequest> = chunk.to_vec();
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
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
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
}
