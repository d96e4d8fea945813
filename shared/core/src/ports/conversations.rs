//! Conversations, their members and the members' read positions.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{Conversation, ConversationId, Member, Retention, Seq, Title, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    Added,
    AlreadyMember,
    /// The conversation holds its maximum number of members.
    Full,
    NoSuchConversation,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn create_conversation(
        &self,
        c: &Conversation,
        members: &[Member],
    ) -> Result<(), StoreError>;
    /// The one direct conversation of a pair: finds it, or creates `c` with
    /// both members. Returns it and whether it was created.
    async fn find_or_create_direct(
        &self,
        c: &Conversation,
        a: &Member,
        b: &Member,
    ) -> Result<(Conversation, bool), StoreError>;
    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError>;
    async fn member(&self, id: ConversationId, user: UserId) -> Result<Option<Member>, StoreError>;
    async fn members(&self, id: ConversationId) -> Result<Vec<Member>, StoreError>;
    /// The user's conversations, each with the user's own membership.
    async fn conversations_of(
        &self,
        user: UserId,
    ) -> Result<Vec<(Conversation, Member)>, StoreError>;
    /// Returns false when there is no such conversation.
    async fn set_title(&self, id: ConversationId, title: &Title) -> Result<bool, StoreError>;
    /// Sets how long messages are kept (none: forever); false when there
    /// is no such conversation.
    async fn set_retention(
        &self,
        id: ConversationId,
        retention: Option<Retention>,
    ) -> Result<bool, StoreError>;
    /// Adds a member unless the conversation already holds `limit`.
    async fn add_member(&self, m: &Member, limit: usize) -> Result<AddMember, StoreError>;
    /// Changes an existing member's role; false when not a member.
    async fn set_role(&self, m: &Member) -> Result<bool, StoreError>;
    /// Returns false when the user was not a member.
    async fn remove_member(&self, id: ConversationId, user: UserId) -> Result<bool, StoreError>;
    /// Raises the member's read position; false when it did not move forward.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: Seq,
    ) -> Result<bool, StoreError>;
}
