//! `MessageLog` over redb: a message, its dedupe key and its conversation's
//! `last_seq` commit in one transaction, which makes numbers gap-free and
//! stores a resend once.

use async_trait::async_trait;
use redb::ReadableTable;

use super::{CONVERSATIONS, DEDUPE, EmbeddedStore, MESSAGES, get_json};
use crate::error::{from_json, to_json};
use chitter_core::domain::{Conversation, ConversationId, Seq, StoredMessage, StreamMessage};
use chitter_core::ports::{MessageLog, Persisted, StoreError};

#[async_trait]
impl MessageLog for EmbeddedStore {
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError> {
        let m = m.clone();
        self.write(move |tx| {
            let conv = m.conversation_id.to_string();
            let sender = m.sender_id.to_string();
            let mut dedupe = tx.open_table(DEDUPE)?;
            let mut messages = tx.open_table(MESSAGES)?;
            let key = (conv.as_str(), sender.as_str(), m.client_msg_id.as_str());
            let earlier = dedupe.get(key)?.map(|v| v.value());
            if let Some(seq) = earlier {
                let message = messages
                    .get((conv.as_str(), seq))?
                    .map(|v| from_json(v.value()))
                    .transpose()?
                    .ok_or_else(|| StoreError::backend("dedupe entry without message"))?;
                return Ok(Persisted {
                    message,
                    duplicate: true,
                });
            }
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let mut c: Conversation = get_json(&convs, &conv)?
                .ok_or_else(|| StoreError::backend("message for a missing conversation"))?;
            let seq = c.last_seq.next();
            let stored = StoredMessage::from_stream(&m, seq);
            messages.insert((conv.as_str(), seq.0), to_json(&stored)?.as_slice())?;
            dedupe.insert(key, seq.0)?;
            c.last_seq = seq;
            c.last_message_at = Some(m.sent_at);
            convs.insert(conv.as_str(), to_json(&c)?.as_slice())?;
            Ok(Persisted {
                message: stored,
                duplicate: false,
            })
        })
        .await
    }

    async fn history(
        &self,
        id: ConversationId,
        before: Option<Seq>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let end = before.map_or(u64::MAX, |s| s.0);
            let messages = tx.open_table(MESSAGES)?;
            let mut out = Vec::new();
            for entry in messages.range((id.as_str(), 0)..(id.as_str(), end))?.rev() {
                if out.len() >= limit {
                    break;
                }
                out.push(from_json(entry?.1.value())?);
            }
            Ok(out)
        })
    }

    async fn after(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let messages = tx.open_table(MESSAGES)?;
            let mut out = Vec::new();
            let start = after.0.saturating_add(1);
            for entry in messages.range((id.as_str(), start)..=(id.as_str(), u64::MAX))? {
                if out.len() >= limit {
                    break;
                }
                out.push(from_json(entry?.1.value())?);
            }
            Ok(out)
        })
    }
}
