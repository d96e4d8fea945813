//! Each user's emoji library: unique shortcodes per owner, a bounded count,
//! and lookups by id (for any reader) and by shortcodes (for a sender).

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{Emoji, EmojiId, Shortcode, UserId};

/// How a create or a rename went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmojiWrite {
    Done,
    /// The owner already has an emoji with that shortcode.
    ShortcodeTaken,
    /// The owner has `max` emoji already (create only).
    Full,
    /// An emoji with this id exists (create), or none does (rename).
    IdConflict,
    /// Its upload is not (or no longer) a ready upload of the owner's
    /// (create only).
    UploadNotReady,
}

#[async_trait]
pub trait EmojiStore: Send + Sync {
    /// Adds an emoji, if its shortcode is free for its owner, its id is new,
    /// its upload (the same id, the same owner) is ready, and the owner has
    /// fewer than `max`, all checked in the one write.
    async fn create_emoji(&self, emoji: &Emoji, max: u64) -> Result<EmojiWrite, StoreError>;
    /// Any owner's emoji, by id.
    async fn emoji(&self, id: EmojiId) -> Result<Option<Emoji>, StoreError>;
    /// The owner's emoji with these shortcodes (those that exist).
    async fn emoji_by_shortcodes(
        &self,
        owner: UserId,
        codes: &[Shortcode],
    ) -> Result<Vec<Emoji>, StoreError>;
    /// The owner's library, by shortcode.
    async fn emojis(&self, owner: UserId) -> Result<Vec<Emoji>, StoreError>;
    /// Gives the owner's emoji `id` the shortcode `to`.
    async fn rename_emoji(
        &self,
        owner: UserId,
        id: EmojiId,
        to: &Shortcode,
    ) -> Result<EmojiWrite, StoreError>;
    /// Removes it; the removed emoji, or `None` if the owner had none such.
    async fn delete_emoji(&self, owner: UserId, id: EmojiId) -> Result<Option<Emoji>, StoreError>;
}
