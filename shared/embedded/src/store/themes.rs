//! `ThemeStore` over redb: a theme, its owner's index and its market keys
//! change in one transaction; the market is one table ordered by the same
//! sort keys as DynamoDB's, so cursors mean the same on both.

use async_trait::async_trait;
use redb::{ReadableTable, Table};

use super::{
    CONV_THEMES, EmbeddedStore, Json, MARKET, THEME_CHOICES, THEME_COPIERS, THEMES, USER_THEMES,
    get_json,
};
use crate::error::{DbResult, to_json};
use chitter_core::domain::{ConversationId, Theme, ThemeId, UserId};
use chitter_core::ports::{
    AppliedTheme, Copied, MarketOrder, MarketPage, StoreError, ThemeScope, ThemeStore, market_keys,
};

fn scope_key(scope: ThemeScope) -> String {
    match scope {
        ThemeScope::Default => "default".to_owned(),
        ThemeScope::Conversation(c) => c.to_string(),
    }
}

/// Whether two versions are the same write (what DynamoDB's condition checks).
fn same_version(a: &Theme, b: &Theme) -> bool {
    a.updated_at == b.updated_at && a.copies == b.copies && a.published_at == b.published_at
}

fn set_market(
    market: &mut Table<&str, &str>,
    old: Option<&Theme>,
    new: Option<&Theme>,
) -> DbResult<()> {
    for key in old.and_then(market_keys::of).into_iter().flatten() {
        market.remove(key.as_str())?;
    }
    if let Some(theme) = new {
        let id = theme.theme_id.to_string();
        for key in market_keys::of(theme).into_iter().flatten() {
            market.insert(key.as_str(), id.as_str())?;
        }
    }
    Ok(())
}

fn put(themes: &mut Table<&str, Json>, theme: &Theme) -> DbResult<()> {
    let id = theme.theme_id.to_string();
    themes.insert(id.as_str(), to_json(theme)?.as_slice())?;
    Ok(())
}

#[async_trait]
impl ThemeStore for EmbeddedStore {
    async fn put_theme(&self, theme: &Theme, previous: Option<&Theme>) -> Result<bool, StoreError> {
        let (theme, previous) = (theme.clone(), previous.cloned());
        self.write(move |tx| {
            let mut themes = tx.open_table(THEMES)?;
            let id = theme.theme_id.to_string();
            let current: Option<Theme> = get_json(&themes, &id)?;
            let unchanged = match (&current, &previous) {
                (None, None) => true,
                (Some(c), Some(p)) => same_version(c, p),
                _ => false,
            };
            if !unchanged {
                return Ok(false);
            }
            put(&mut themes, &theme)?;
            let owner = theme.owner.to_string();
            tx.open_table(USER_THEMES)?
                .insert((owner.as_str(), id.as_str()), ())?;
            set_market(&mut tx.open_table(MARKET)?, current.as_ref(), Some(&theme))?;
            Ok(true)
        })
        .await
    }

    async fn theme(&self, id: ThemeId) -> Result<Option<Theme>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(THEMES)?, &id.to_string()))
    }

    async fn themes(&self, owner: UserId) -> Result<Vec<Theme>, StoreError> {
        self.read(|tx| {
            let owner = owner.to_string();
            let (index, themes) = (tx.open_table(USER_THEMES)?, tx.open_table(THEMES)?);
            let mut out = Vec::new();
            for entry in index.range((owner.as_str(), "")..)? {
                let (k, _) = entry?;
                let (o, id) = k.value();
                if o != owner {
                    break;
                }
                if let Some(t) = get_json(&themes, id)? {
                    out.push(t);
                }
            }
            Ok(out)
        })
    }

    async fn delete_theme(&self, owner: UserId, id: ThemeId) -> Result<Option<Theme>, StoreError> {
        self.write(move |tx| {
            let mut themes = tx.open_table(THEMES)?;
            let key = id.to_string();
            let Some(theme) = get_json::<Theme>(&themes, &key)?.filter(|t| t.owner == owner) else {
                return Ok(None);
            };
            themes.remove(key.as_str())?;
            let owner = owner.to_string();
            tx.open_table(USER_THEMES)?
                .remove((owner.as_str(), key.as_str()))?;
            set_market(&mut tx.open_table(MARKET)?, Some(&theme), None)?;
            Ok(Some(theme))
        })
        .await
    }

    async fn count_copy(&self, id: ThemeId, user: UserId) -> Result<Copied, StoreError> {
        self.write(move |tx| {
            let mut themes = tx.open_table(THEMES)?;
            let key = id.to_string();
            let Some(theme) =
                get_json::<Theme>(&themes, &key)?.filter(|t| t.published_at.is_some())
            else {
                return Ok(Copied::NotPublished);
            };
            let user = user.to_string();
            let mut copiers = tx.open_table(THEME_COPIERS)?;
            if copiers.get((key.as_str(), user.as_str()))?.is_some() {
                return Ok(Copied::Again);
            }
            copiers.insert((key.as_str(), user.as_str()), ())?;
            let counted = Theme {
                copies: theme.copies + 1,
                ..theme.clone()
            };
            put(&mut themes, &counted)?;
            set_market(&mut tx.open_table(MARKET)?, Some(&theme), Some(&counted))?;
            Ok(Copied::Counted(counted.copies))
        })
        .await
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
        let prefix = market_keys::prefix(order);
        let cursor = cursor.map(str::to_owned);
        self.read(|tx| {
            let (market, themes) = (tx.open_table(MARKET)?, tx.open_table(THEMES)?);
            // Keys of this order sort after `prefix` and before its successor.
            let upper = cursor.unwrap_or_else(|| format!("{}\u{7f}", &prefix[..prefix.len() - 1]));
            let mut out = Vec::new();
            let mut last = None;
            for entry in market.range(prefix..upper.as_str())?.rev() {
                if out.len() == limit {
                    break;
                }
                let (k, id) = entry?;
                if let Some(theme) = get_json::<Theme>(&themes, id.value())? {
                    out.push(theme);
                }
                last = Some(k.value().to_owned());
            }
            let next = if out.len() == limit { last } else { None };
            Ok(Some(MarketPage { themes: out, next }))
        })
    }

    async fn conversation_theme(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<AppliedTheme>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(CONV_THEMES)?, &conversation.to_string()))
    }

    async fn set_conversation_theme(
        &self,
        conversation: ConversationId,
        theme: Option<&AppliedTheme>,
    ) -> Result<(), StoreError> {
        let value = theme.map(to_json).transpose()?;
        self.write(move |tx| {
            let mut table = tx.open_table(CONV_THEMES)?;
            let key = conversation.to_string();
            match value {
                Some(v) => {
                    table.insert(key.as_str(), v.as_slice())?;
                }
                None => {
                    table.remove(key.as_str())?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
    ) -> Result<Option<ThemeId>, StoreError> {
        self.read(|tx| {
            let (user, scope) = (user.to_string(), scope_key(scope));
            let table = tx.open_table(THEME_CHOICES)?;
            let found = table.get((user.as_str(), scope.as_str()))?;
            Ok(found.and_then(|v| ThemeId::parse(v.value()).ok()))
        })
    }

    async fn set_theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
        theme: Option<ThemeId>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let (user, scope) = (user.to_string(), scope_key(scope));
            let mut table = tx.open_table(THEME_CHOICES)?;
            match theme {
                Some(id) => {
                    let id = id.to_string();
                    table.insert((user.as_str(), scope.as_str()), id.as_str())?;
                }
                None => {
                    table.remove((user.as_str(), scope.as_str()))?;
                }
            }
            Ok(())
        })
        .await
    }
}
