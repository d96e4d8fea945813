//! Themes, where they are applied, and the market of published ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::{ConversationId, Theme, ThemeId, UserId};

/// A conversation's theme: a copy of the theme as it was when set, so that
/// later edits or deletes of the original do not change what members see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedTheme {
    pub theme: Theme,
    pub set_by: UserId,
    pub set_at: DateTime<Utc>,
}

/// Where a user's own choice of theme applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeScope {
    /// Every conversation without a closer choice.
    Default,
    /// One conversation, over its conversation theme.
    Conversation(ConversationId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketOrder {
    Newest,
    MostCopied,
}

/// One page of the market, and where the next starts.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketPage {
    pub themes: Vec<Theme>,
    pub next: Option<String>,
}

/// How counting a copy went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// The first copy by this user: the count is now this.
    Counted(u64),
    /// This user copied it before: the count stays.
    Again,
    /// It is not in the market.
    NotPublished,
}

#[async_trait]
pub trait ThemeStore: Send + Sync {
    /// Writes `theme`, new when `previous` is `None`, else only if the
    /// stored one is still `previous` (false when it changed meanwhile).
    /// Its market entries follow `published_at`.
    async fn put_theme(&self, theme: &Theme, previous: Option<&Theme>) -> Result<bool, StoreError>;
    async fn theme(&self, id: ThemeId) -> Result<Option<Theme>, StoreError>;
    /// The owner's themes, oldest first.
    async fn themes(&self, owner: UserId) -> Result<Vec<Theme>, StoreError>;
    /// Removes the owner's theme and its market entries.
    async fn delete_theme(&self, owner: UserId, id: ThemeId) -> Result<Option<Theme>, StoreError>;
    /// Counts `user`'s copy of a published theme, once per user.
    async fn count_copy(&self, id: ThemeId, user: UserId) -> Result<Copied, StoreError>;
    /// Published themes in `order`, from `cursor` (a `next` of an earlier
    /// page); `None` for a cursor this store did not make.
    async fn market(
        &self,
        order: MarketOrder,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Option<MarketPage>, StoreError>;
    async fn conversation_theme(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<AppliedTheme>, StoreError>;
    async fn set_conversation_theme(
        &self,
        conversation: ConversationId,
        theme: Option<&AppliedTheme>,
    ) -> Result<(), StoreError>;
    async fn theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
    ) -> Result<Option<ThemeId>, StoreError>;
    async fn set_theme_choice(
        &self,
        user: UserId,
        scope: ThemeScope,
        theme: Option<ThemeId>,
    ) -> Result<(), StoreError>;
}

/// The market's sort keys, shared by both stores so that a cursor means
/// the same everywhere: newest by publication time, most copied by count
/// then publication time, both read in descending order.
pub mod market_keys {
    use super::MarketOrder;
    use crate::domain::Theme;

    pub fn prefix(order: MarketOrder) -> &'static str {
        match order {
            MarketOrder::Newest => "NEW#",
            MarketOrder::MostCopied => "POP#",
        }
    }

    /// The theme's key in each order, if it is published.
    pub fn of(theme: &Theme) -> Option<[String; 2]> {
        let at = theme.published_at?.timestamp_millis().max(0);
        let id = theme.theme_id;
        Some([
            format!("NEW#{at:020}#{id}"),
            format!("POP#{:020}#{at:020}#{id}", theme.copies),
        ])
    }

    /// Whether `cursor` could be a key of `order`.
    pub fn valid_cursor(order: MarketOrder, cursor: &str) -> bool {
        cursor.starts_with(prefix(order))
            && cursor.len() <= 100
            && cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'#' || b == b'-')
    }
}
