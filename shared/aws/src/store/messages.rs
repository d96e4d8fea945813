//! `MessageLog` on DynamoDB: a message item, its dedupe item and the
//! conversation's `last_seq` move in one conditional transaction, which
//! makes numbers gap-free and stores a resend once.

use std::collections::HashMap;

use async_trait::async_trait;
use chitter_core::ports::ConversationStore;

use super::items::{DedupeBody, key, keys, to_item};
use super::{DynamoStore, RETRIES, cancellation, conflicted, failed_check, n, pause, s};
use chitter_core::domain::{ConversationId, Seq, StoredMessage, StreamMessage};
use chitter_core::ports::{MessageLog, Persisted, StoreError};

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
