//! `ThemeStore` on DynamoDB. A theme is one item (`THEME#<id>`); its
//! owner's partition and the `MARKET` partition hold references to it under
//! sort keys that order them (`chitter_core::ports::market_keys`), so a
//! market page is one Query and one BatchGetItem, never a Scan. Writes that
//! move a theme between keys are transactions conditioned on the version
//! that was read.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::items::{Attrs, from_item, key, keys, to_item};
use super::{DynamoStore, build, cancellation, conflicted, failed_check, n, pause, s};
use chitter_core::domain::{ConversationId, Theme, ThemeId, UserId};
use chitter_core::ports::{
    AppliedTheme, Copied, MarketOrder, MarketPage, StoreError, ThemeScope, ThemeStore, market_keys,
};

#[derive(Serialize, Deserialize)]
struct ThemeRef {
    theme_id: ThemeId,
}

#[derive(Serialize, Deserialize)]
struct Marker {}

fn scope_key(scope: ThemeScope) -> String {
    match scope {
        ThemeScope::Default => "THEMECHOICE#default".to_owned(),
        ThemeScope::Conversation(c) => format!("THEMECHOICE#{c}"),
    }
}

/// The condition that the stored theme is still `previous`.
fn version_condition(previous: &Theme) -> (String, Attrs) {
    let mut values = HashMap::from([
        (
            ":updated".to_owned(),
            s(previous
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        ),
        (":copies".to_owned(), n(previous.copies)),
    ]);
    let published = match previous.published_at {
        Some(at) => {
            values.insert(
                ":published".to_owned(),
                s(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            );
            "published_at = :published"
        }
        None => "attribute_not_exists(published_at)",
    };
    (
        format!("updated_at = :updated AND copies = :copies AND {published}"),
        values,
    )
}

impl DynamoStore {
    fn theme_put(
        &self,
        theme: &Theme,
        previous: Option<&Theme>,
    ) -> Result<TransactWriteItem, StoreError> {
        let (condition, values) = match previous {
            None => ("attribute_not_exists(pk)".to_owned(), None),
            Some(p) => {
                let (c, v) = version_condition(p);
                (c, Some(v))
            }
        };
        let put = build(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(
                    keys::theme(theme.theme_id),
                    keys::ONE,
                    theme,
                    None,
                )?))
                .condition_expression(condition)
                .set_expression_attribute_values(values)
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Puts for the new market keys, deletes for the old ones that differ.
    fn market_moves(
        &self,
        old: Option<&Theme>,
        new: Option<&Theme>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let keys_of = |t: Option<&Theme>| -> Vec<String> {
            t.and_then(market_keys::of)
                .map(Vec::from)
                .unwrap_or_default()
        };
        let (old_keys, new_keys) = (keys_of(old), keys_of(new));
        let mut out = Vec::new();
        for k in old_keys.iter().filter(|k| !new_keys.contains(k)) {
            out.push(self.delete(key(keys::MARKET.to_owned(), k), None)?);
        }
        if let Some(theme) = new {
            for k in new_keys.iter().filter(|k| !old_keys.contains(k)) {
                out.push(self.put(
                    to_item(
                        keys::MARKET.to_owned(),
                        k,
                        &ThemeRef {
                            theme_id: theme.theme_id,
                        },
                        None,
                    )?,
                    None,
                )?);
            }
        }
        Ok(out)
    }

    /// Writes `value` at the key, or removes the item when there is none.
    async fn put_or_delete<T: Serialize + Sync>(
        &self,
        pk: String,
        sk: &str,
        value: Option<&T>,
    ) -> Result<(), StoreError> {
        match value {
            Some(v) => {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(to_item(pk, sk, v, None)?))
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
            }
        }
        Ok(())
    }

    /// Themes by id, in the order of `ids` (missing ones left out).
    async fn themes_by_id(&self, ids: &[ThemeId]) -> Result<Vec<Theme>, StoreError> {
        let found: Vec<Theme> = self
            .batch_get(
                ids.iter()
                    .map(|id| key(keys::theme(*id), keys::ONE))
                    .collect(),
            )
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.iter().find(|t| t.theme_id == *id).cloned())
            .collect())
    }
}

#[async_trait]
impl ThemeStore for DynamoStore {
    async fn put_theme(&self, theme: &Theme, previous: Option<&Theme>) -> Result<bool, StoreError> {
        let mut items = vec![self.theme_put(theme, previous)?];
        if previous.is_none() {
            items.push(self.put(
                to_item(
                    keys::user(theme.owner),
                    &keys::theme(theme.theme_id),
                    &ThemeRef {
                        theme_id: theme.theme_id,
                    },
                    None,
                )?,
                None,
            )?);
        }
        items.extend(self.market_moves(previous, Some(theme))?);
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(e) => match cancellation(&e) {
                Some(r) if failed_check(&r, 0) || conflicted(&r) => Ok(false),
                _ => Err(StoreError::backend(e)),
            },
        }
    }

    async fn theme(&self, id: ThemeId) -> Result<Option<Theme>, StoreError> {
        self.get(keys::theme(id), keys::ONE).await
    }

    async fn themes(&self, owner: UserId) -> Result<Vec<Theme>, StoreError> {
        let refs: Vec<ThemeRef> = self
            .query_prefix(keys::user(owner), keys::THEME_PREFIX)
            .await?;
        let ids: Vec<ThemeId> = refs.into_iter().map(|r| r.theme_id).collect();
        self.themes_by_id(&ids).await
    }

    async fn delete_theme(&self, owner: UserId, id: ThemeId) -> Result<Option<Theme>, StoreError> {
        for attempt in 0..8 {
            let Some(theme) = self.theme(id).await?.filter(|t| t.owner == owner) else {
                return Ok(None);
            };
            let (condition, values) = version_condition(&theme);
            let delete = build(
                aws_sdk_dynamodb::types::Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::theme(id), keys::ONE)))
                    .condition_expression(condition)
                    .set_expression_attribute_values(Some(values))
                    .build(),
            )?;
            let mut items = vec![
                TransactWriteItem::builder().delete(delete).build(),
                self.delete(key(keys::user(owner), &keys::theme(id)), None)?,
            ];
            items.extend(self.market_moves(Some(&theme), None)?);
            match self.transact(items).await {
                Ok(()) => return Ok(Some(theme)),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) || conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("theme delete kept conflicting"))
    }

    async fn count_copy(&self, id: ThemeId, user: UserId) -> Result<Copied, StoreError> {
        for attempt in 0..8 {
            let Some(theme) = self.theme(id).await?.filter(|t| t.published_at.is_some()) else {
                return Ok(Copied::NotPublished);
            };
            let counted = Theme {
                copies: theme.copies + 1,
                ..theme.clone()
            };
            let mut items = vec![
                self.put(
                    to_item(keys::theme(id), &keys::copier(user), &Marker {}, None)?,
                    Some("attribute_not_exists(pk)"),
                )?,
                self.theme_put(&counted, Some(&theme))?,
            ];
            items.extend(self.market_moves(Some(&theme), Some(&counted))?);
            match self.transact(items).await {
                Ok(()) => return Ok(Copied::Counted(counted.copies)),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) => return Ok(Copied::Again),
                    Some(r) if failed_check(&r, 1) || conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("counting a copy kept conflicting"))
    }

    async fn market(
        &self,
        order: MarketOrder,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Option<MarketPage>, StoreError> {
        if cursor.is_some_and(|c| !market_keys::valid_cursor(order, c)) {
            return Ok(None);
        }
        let start = cursor.map(|c| key(keys::MARKET.to_owned(), c));
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::MARKET.to_owned()))
            .expression_attribute_values(":prefix", s(market_keys::prefix(order)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::backend)?;
        let items = page.items.unwrap_or_default();
        let mut last = None;
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            if let Some(AttributeValue::S(sk)) = item.get("sk") {
                last = Some(sk.clone());
            }
            ids.push(from_item::<ThemeRef>(item)?.theme_id);
        }
        let full = ids.len() == limit;
        Ok(Some(MarketPage {
            themes: self.themes_by_id(&ids).await?,
            next: if full { last } else { None },
        }))
    }

    async fn conversation_theme(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<AppliedTheme>, StoreError> {
        self.get(keys::conv(conversation), keys::THEME).await
    }

    async fn set_conversation_theme(
        &self,
        conversation: ConversationId,
        theme: Option<&AppliedTheme>,
    ) -> Result<(), StoreError> {
        self.put_or_delete(keys::conv(conversation), keys::THEME, theme)
            .await
    }

    async fn theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
    ) -> Result<Option<ThemeId>, StoreError> {
        Ok(self
            .get::<ThemeRef>(keys::user(user), &scope_key(scope))
            .await?
            .map(|r| r.theme_id))
    }

    async fn set_theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
        theme: Option<ThemeId>,
    ) -> Result<(), StoreError> {
        let value = theme.map(|theme_id| ThemeRef { theme_id });
        self.put_or_delete(keys::user(user), &scope_key(scope), value.as_ref())
            .await
    }
}
