//! `MessageLog` over redb: a message, its dedupe key and its conversation's
//! `last_seq` commit in one transaction, which makes numbers gap-free and
//! stores a resend once.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};

use super::{CONVERSATIONS, DEDUPE, EmbeddedStore, MESSAGES, VOTES, get_json};
use crate::error::{DbResult, from_json, to_json};
use chitter_core::domain::{
    ChangeRefused, Conversation, ConversationId, Retention, Seq, StoredMessage, StreamChange,
    StreamMessage, UserId, Vote,
};
use chitter_core::ports::{MessageLog, Persisted, StoreError, Voted};

#[async_trait]
impl MessageLog for EmbeddedStore {
    fn deferred(&self) -> Option<Arc<dyn MessageLog>> {
        Some(Arc::new(self.deferring()))
    }

    async fn sync(&self) -> Result<(), StoreError> {
        self.durable().await
    }

    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError> {
        let m = m.clone();
        self.write(move |tx| persist_in(tx, &m)).await
    }

    /// One transaction for the lot: persist's batch costs one commit, not
    /// one per message.
    async fn persist_all(&self, messages: &[&StreamMessage]) -> Result<Vec<Persisted>, StoreError> {
        let messages: Vec<StreamMessage> = messages.iter().map(|m| (*m).clone()).collect();
        self.write(move |tx| messages.iter().map(|m| persist_in(tx, m)).collect())
            .await
    }

    async fn change(
        &self,
        c: &StreamChange,
    ) -> Result<Result<Persisted, ChangeRefused>, StoreError> {
        let c = c.clone();
        self.write(move |tx| {
            let conv = c.conversation_id.to_string();
            let sender = c.sender_id.to_string();
            let mut dedupe = tx.open_table(DEDUPE)?;
            let mut messages = tx.open_table(MESSAGES)?;
            let key = (conv.as_str(), sender.as_str(), c.client_msg_id.as_str());
            let earlier = dedupe.get(key)?.map(|v| v.value());
            if let Some(seq) = earlier {
                let message = entry_at(&messages, &conv, seq)?
                    .unwrap_or_else(|| StoredMessage::from_change(&c, Seq(seq)));
                return Ok(Ok(Persisted {
                    message,
                    duplicate: true,
                }));
            }
            let target: Option<StoredMessage> = entry_at(&messages, &conv, c.target_seq.0)?;
            let target = match c.apply(target) {
                Ok(t) => t,
                Err(refused) => return Ok(Err(refused)),
            };
            let mut convs = tx.open_table(CONVERSATIONS)?;
            let mut conversation: Conversation = get_json(&convs, &conv)?
                .ok_or_else(|| StoreError::backend("change for a missing conversation"))?;
            let seq = conversation.last_seq.next();
            let mut entry = StoredMessage::from_change(&c, seq);
            entry.expires_at = conversation.retention.map(|r| r.expiry(entry.sent_at));
            messages.insert((conv.as_str(), target.seq.0), to_json(&target)?.as_slice())?;
            messages.insert((conv.as_str(), seq.0), to_json(&entry)?.as_slice())?;
            dedupe.insert(key, seq.0)?;
            conversation.last_seq = seq;
            convs.insert(conv.as_str(), to_json(&conversation)?.as_slice())?;
            Ok(Ok(Persisted {
                message: entry,
                duplicate: false,
            }))
        })
        .await
    }

    async fn vote(
        &self,
        id: ConversationId,
        seq: Seq,
        user: UserId,
        vote: Vote,
    ) -> Result<Result<Voted, ChangeRefused>, StoreError> {
        self.write(move |tx| {
            let conv = id.to_string();
            let voter = user.to_string();
            let mut messages = tx.open_table(MESSAGES)?;
            let mut votes = tx.open_table(VOTES)?;
            let message: Option<StoredMessage> = entry_at(&messages, &conv, seq.0)?;
            let Some(mut message) = message.filter(StoredMessage::is_live_message) else {
                return Ok(Err(ChangeRefused::Missing));
            };
            let key = (conv.as_str(), seq.0, voter.as_str());
            let before: Vote = votes
                .get(key)?
                .map(|v| from_json(v.value()))
                .transpose()?
                .unwrap_or_default();
            if before == vote {
                return Ok(Ok(Voted {
                    tally: message.tally(),
                    changed: false,
                }));
            }
            let tally = message.tally().moved(before, vote);
            (message.up, message.down, message.votes_rev) = (tally.up, tally.down, tally.rev);
            messages.insert((conv.as_str(), seq.0), to_json(&message)?.as_slice())?;
            match vote {
                Vote::None => {
                    votes.remove(key)?;
                }
                _ => {
                    votes.insert(key, to_json(&vote)?.as_slice())?;
                }
            }
            Ok(Ok(Voted {
                tally,
                changed: true,
            }))
        })
        .await
    }

    async fn votes_by(
        &self,
        id: ConversationId,
        user: UserId,
        seqs: &[Seq],
    ) -> Result<Vec<(Seq, Vote)>, StoreError> {
        self.read(|tx| {
            let conv = id.to_string();
            let voter = user.to_string();
            let votes = tx.open_table(VOTES)?;
            let mut out = Vec::new();
            for seq in seqs {
                if let Some(v) = votes.get((conv.as_str(), seq.0, voter.as_str()))? {
                    out.push((*seq, from_json(v.value())?));
                }
            }
            Ok(out)
        })
    }

    async fn apply_retention(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
        retention: Option<Retention>,
        now: DateTime<Utc>,
    ) -> Result<Option<Seq>, StoreError> {
        self.write(move |tx| {
            let conv = id.to_string();
            let mut messages = tx.open_table(MESSAGES)?;
            let mut dedupe = tx.open_table(DEDUPE)?;
            let mut votes = tx.open_table(VOTES)?;
            let start = after.0.saturating_add(1);
            let page: Vec<StoredMessage> = messages
                .range((conv.as_str(), start)..=(conv.as_str(), u64::MAX))?
                .take(limit + 1)
                .map(|e| {
                    e.map_err(Into::into)
                        .and_then(|(_, v)| from_json(v.value()))
                })
                .collect::<crate::error::DbResult<_>>()?;
            let more = page.len() > limit;
            let mut last = after;
            for mut m in page.into_iter().take(limit) {
                last = m.seq;
                // Past its time already: gone, whatever the new setting.
                let was_expired = m.expired(now);
                m.expires_at = retention.map(|r| r.expiry(m.sent_at));
                if was_expired || m.expired(now) {
                    messages.remove((conv.as_str(), m.seq.0))?;
                    let sender = m.sender_id.to_string();
                    dedupe.remove((conv.as_str(), sender.as_str(), m.client_msg_id.as_str()))?;
                    remove_ballots(&mut votes, &conv, m.seq.0)?;
                } else {
                    messages.insert((conv.as_str(), m.seq.0), to_json(&m)?.as_slice())?;
                }
            }
            Ok(more.then_some(last))
        })
        .await
    }

    async fn entry(
        &self,
        id: ConversationId,
        seq: Seq,
    ) -> Result<Option<StoredMessage>, StoreError> {
        self.read(|tx| {
            let id = id.to_string();
            let messages = tx.open_table(MESSAGES)?;
            entry_at(&messages, &id, seq.0)
        })
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

impl EmbeddedStore {
    /// Removes the entries whose retention has passed, with their
    /// idempotency keys: the work DynamoDB's TTL does on AWS.
    pub async fn purge_expired_messages(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |tx| {
            let mut messages = tx.open_table(MESSAGES)?;
            let mut expired = Vec::new();
            for entry in messages.iter()? {
                let (key, value) = entry?;
                let m: StoredMessage = from_json(value.value())?;
                if m.expired(now) {
                    let (conv, seq) = key.value();
                    expired.push((
                        conv.to_owned(),
                        seq,
                        m.sender_id.to_string(),
                        m.client_msg_id,
                    ));
                }
            }
            let mut dedupe = tx.open_table(DEDUPE)?;
            let mut votes = tx.open_table(VOTES)?;
            for (conv, seq, sender, client) in &expired {
                messages.remove((conv.as_str(), *seq))?;
                dedupe.remove((conv.as_str(), sender.as_str(), client.as_str()))?;
                remove_ballots(&mut votes, conv, *seq)?;
            }
            Ok(expired.len())
        })
        .await
    }
}

/// Stores one message in `tx` (see `MessageLog::persist`).
fn persist_in(tx: &WriteTransaction, m: &StreamMessage) -> DbResult<Persisted> {
    let conv = m.conversation_id.to_string();
    let sender = m.sender_id.to_string();
    let mut dedupe = tx.open_table(DEDUPE)?;
    let mut messages = tx.open_table(MESSAGES)?;
    let key = (conv.as_str(), sender.as_str(), m.client_msg_id.as_str());
    let earlier = dedupe.get(key)?.map(|v| v.value());
    if let Some(seq) = earlier {
        // Gone by retention since: still the same message, not stored again.
        let message = entry_at(&messages, &conv, seq)?
            .unwrap_or_else(|| StoredMessage::from_stream(m, Seq(seq)));
        return Ok(Persisted {
            message,
            duplicate: true,
        });
    }
    let mut convs = tx.open_table(CONVERSATIONS)?;
    let mut c: Conversation = get_json(&convs, &conv)?
        .ok_or_else(|| StoreError::backend("message for a missing conversation"))?;
    let seq = c.last_seq.next();
    let mut stored = StoredMessage::from_stream(m, seq);
    stored.expires_at = c.retention.map(|r| r.expiry(stored.sent_at));
    messages.insert((conv.as_str(), seq.0), to_json(&stored)?.as_slice())?;
    dedupe.insert(key, seq.0)?;
    c.last_seq = seq;
    c.last_message_at = Some(m.sent_at);
    convs.insert(conv.as_str(), to_json(&c)?.as_slice())?;
    Ok(Persisted {
        message: stored,
        duplicate: false,
    })
}

/// Who voted on a message, removed with it.
fn remove_ballots(
    votes: &mut redb::Table<(&str, u64, &str), &[u8]>,
    conv: &str,
    seq: u64,
) -> crate::error::DbResult<()> {
    let voters: Vec<String> = votes
        .range((conv, seq, "")..(conv, seq.saturating_add(1), ""))?
        .map(|e| e.map(|(k, _)| k.value().2.to_owned()))
        .collect::<Result<_, _>>()?;
    for voter in voters {
        votes.remove((conv, seq, voter.as_str()))?;
    }
    Ok(())
}

/// The entry at `seq` of a conversation, from an open messages table.
fn entry_at(
    messages: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    conv: &str,
    seq: u64,
) -> crate::error::DbResult<Option<StoredMessage>> {
    messages
        .get((conv, seq))?
        .map(|v| from_json(v.value()))
        .transpose()
}
