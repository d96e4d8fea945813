//! `MessageLog` on DynamoDB: a message item, its dedupe item and the
//! conversation's `last_seq` move in one conditional transaction, which
//! makes numbers gap-free and stores a resend once.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chitter_core::ports::ConversationStore;
use chrono::{DateTime, Utc};

use super::items::Attrs;
use super::items::{DedupeBody, VoteBody, attr, from_item, key, keys, to_item};
use super::{DynamoStore, RETRIES, cancellation, conflicted, failed_check, n, pause, s};
use chitter_core::domain::{
    ChangeRefused, ConversationId, Retention, Seq, StoredMessage, StreamChange, StreamMessage,
    UserId, Vote,
};
use chitter_core::ports::{MessageLog, Persisted, StoreError, Voted};

#[async_trait]
impl MessageLog for DynamoStore {
    async fn persist(&self, m: &StreamMessage) -> Result<Persisted, StoreError> {
        let pk = keys::conv(m.conversation_id);
        let dedupe_sk = keys::dedupe(m.sender_id, m.client_msg_id.as_str());
        for attempt in 0..=RETRIES {
            if let Some((seq, found)) = self.earlier(&pk, &dedupe_sk).await? {
                // Gone by retention since: still the same message, not stored again.
                let message = found.unwrap_or_else(|| StoredMessage::from_stream(m, seq));
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
            let mut stored = StoredMessage::from_stream(m, seq);
            stored.expires_at = c.retention.map(|r| r.expiry(stored.sent_at));
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
                    to_item(pk.clone(), &keys::message(seq), &stored, stored.expires_at)?,
                    Some("attribute_not_exists(pk)"),
                )?,
                self.put(
                    to_item(
                        pk.clone(),
                        &dedupe_sk,
                        &DedupeBody { seq },
                        stored.expires_at,
                    )?,
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

    async fn change(
        &self,
        c: &StreamChange,
    ) -> Result<Result<Persisted, ChangeRefused>, StoreError> {
        let pk = keys::conv(c.conversation_id);
        let dedupe_sk = keys::dedupe(c.sender_id, c.client_msg_id.as_str());
        for attempt in 0..=RETRIES {
            if let Some((seq, found)) = self.earlier(&pk, &dedupe_sk).await? {
                let message = found.unwrap_or_else(|| StoredMessage::from_change(c, seq));
                return Ok(Ok(Persisted {
                    message,
                    duplicate: true,
                }));
            }
            let conversation = self
                .conversation(c.conversation_id)
                .await?
                .ok_or_else(|| StoreError::backend("change for a missing conversation"))?;
            let target = match c.apply(self.entry(c.conversation_id, c.target_seq).await?) {
                Ok(t) => t,
                Err(refused) => return Ok(Err(refused)),
            };
            let seq = conversation.last_seq.next();
            let mut entry = StoredMessage::from_change(c, seq);
            entry.expires_at = conversation.retention.map(|r| r.expiry(entry.sent_at));
            let (expression, names, values) = changed_fields(&target)?;
            // Every change moves `last_seq` from the value just read, so
            // changes (and messages) to one conversation never interleave:
            // the target read above is still the target written here.
            let items = vec![
                self.update(
                    key(pk.clone(), keys::META),
                    "SET last_seq = :next",
                    Some("last_seq = :prev"),
                    HashMap::from([
                        (":next".to_owned(), n(seq.0)),
                        (":prev".to_owned(), n(conversation.last_seq.0)),
                    ]),
                )?,
                self.put(
                    to_item(pk.clone(), &keys::message(seq), &entry, entry.expires_at)?,
                    Some("attribute_not_exists(pk)"),
                )?,
                self.put(
                    to_item(
                        pk.clone(),
                        &dedupe_sk,
                        &DedupeBody { seq },
                        entry.expires_at,
                    )?,
                    Some("attribute_not_exists(pk)"),
                )?,
                // An update, not a put: it leaves the target's other
                // attributes (vote counts) as they are.
                self.update_named(
                    key(pk.clone(), &keys::message(target.seq)),
                    &expression,
                    Some("attribute_exists(pk) AND attribute_not_exists(deleted_at)"),
                    names,
                    values,
                )?,
            ];
            match self.transact(items).await {
                Ok(()) => {
                    return Ok(Ok(Persisted {
                        message: entry,
                        duplicate: false,
                    }));
                }
                Err(e) => match cancellation(&e) {
                    Some(r)
                        if failed_check(&r, 0)
                            || failed_check(&r, 2)
                            || failed_check(&r, 3)
                            || conflicted(&r) =>
                    {
                        pause(attempt).await;
                    }
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("sequence number kept conflicting"))
    }

    async fn vote(
        &self,
        id: ConversationId,
        seq: Seq,
        user: UserId,
        vote: Vote,
    ) -> Result<Result<Voted, ChangeRefused>, StoreError> {
        let pk = keys::conv(id);
        let vote_sk = keys::vote(seq, user);
        for attempt in 0..=RETRIES {
            let before = self
                .get::<VoteBody>(pk.clone(), &vote_sk)
                .await?
                .map_or(Vote::None, |v| v.ballot);
            let Some(message) = self
                .entry(id, seq)
                .await?
                .filter(StoredMessage::is_live_message)
            else {
                return Ok(Err(ChangeRefused::Missing));
            };
            if before == vote {
                return Ok(Ok(Voted {
                    tally: message.tally(),
                    changed: false,
                }));
            }
            let delta = |side: Vote| n(i64::from(vote == side) - i64::from(before == side));
            let ballot = |v: Vote| attr(&v);
            // The counts move by a difference (ADD), so voters on one message
            // do not have to agree on its counts; the ballot's condition
            // makes each voter's own moves one at a time.
            let mut items = vec![self.update_named(
                key(pk.clone(), &keys::message(seq)),
                "ADD #up :up, #down :down, #rev :one",
                Some(
                    "attribute_exists(pk) AND attribute_not_exists(deleted_at) \
                     AND attribute_not_exists(target_seq)",
                ),
                HashMap::from([
                    ("#up".to_owned(), "up".to_owned()),
                    ("#down".to_owned(), "down".to_owned()),
                    ("#rev".to_owned(), "votes_rev".to_owned()),
                ]),
                HashMap::from([
                    (":up".to_owned(), delta(Vote::Up)),
                    (":down".to_owned(), delta(Vote::Down)),
                    (":one".to_owned(), n(1)),
                ]),
            )?];
            let condition = match before {
                Vote::None => "attribute_not_exists(pk)",
                _ => "ballot = :before",
            };
            let before_values = match before {
                Vote::None => HashMap::new(),
                _ => HashMap::from([(":before".to_owned(), ballot(before)?)]),
            };
            items.push(match vote {
                Vote::None => {
                    self.delete_if(key(pk.clone(), &vote_sk), condition, before_values)?
                }
                // A ballot goes when its message does.
                _ => self.put_if(
                    to_item(
                        pk.clone(),
                        &vote_sk,
                        &VoteBody {
                            seq,
                            voter: user,
                            ballot: vote,
                        },
                        message.expires_at,
                    )?,
                    condition,
                    HashMap::new(),
                    before_values,
                )?,
            });
            match self.transact(items).await {
                Ok(()) => {
                    let tally = self
                        .entry(id, seq)
                        .await?
                        .map_or(message.tally(), |m| m.tally());
                    return Ok(Ok(Voted {
                        tally,
                        changed: true,
                    }));
                }
                Err(e) => match cancellation(&e) {
                    // Deleted meanwhile, or this voter's other vote landed
                    // first: read again and decide anew.
                    Some(r) if failed_check(&r, 0) || failed_check(&r, 1) || conflicted(&r) => {
                        pause(attempt).await;
                    }
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("vote kept conflicting"))
    }

    async fn votes_by(
        &self,
        id: ConversationId,
        user: UserId,
        seqs: &[Seq],
    ) -> Result<Vec<(Seq, Vote)>, StoreError> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let pk = keys::conv(id);
        let items = self
            .batch_get(
                seqs.iter()
                    .map(|s| key(pk.clone(), &keys::vote(*s, user)))
                    .collect(),
            )
            .await?;
        items
            .into_iter()
            .map(|item| from_item::<VoteBody>(item).map(|v| (v.seq, v.ballot)))
            .collect()
    }

    async fn apply_retention(
        &self,
        id: ConversationId,
        after: Seq,
        limit: usize,
        retention: Option<Retention>,
        now: DateTime<Utc>,
    ) -> Result<Option<Seq>, StoreError> {
        let mut page = self.after(id, after, limit + 1).await?;
        let more = page.len() > limit;
        page.truncate(limit);
        let pk = keys::conv(id);
        let mut gone = Vec::new();
        for m in &page {
            let expires_at = retention.map(|r| r.expiry(m.sent_at));
            // Past its time already (TTL lags): gone, whatever the new setting.
            if m.expired(now) || expires_at.is_some_and(|t| t <= now) {
                gone.push(key(pk.clone(), &keys::message(m.seq)));
                gone.push(key(
                    pk.clone(),
                    &keys::dedupe(m.sender_id, m.client_msg_id.as_str()),
                ));
                // Who voted on it goes with it (only messages with votes
                // have ballots to look for).
                if m.up + m.down > 0 {
                    let ballots: Vec<VoteBody> = self
                        .query_prefix(pk.clone(), &keys::votes_of(m.seq))
                        .await?;
                    gone.extend(
                        ballots
                            .into_iter()
                            .map(|b| key(pk.clone(), &keys::vote(b.seq, b.voter))),
                    );
                }
                continue;
            }
            // The entry and its idempotency key carry the same `ttl`.
            let names = || Some(HashMap::from([("#ttl".to_owned(), "ttl".to_owned())]));
            let dedupe = key(
                pk.clone(),
                &keys::dedupe(m.sender_id, m.client_msg_id.as_str()),
            );
            let entry = key(pk.clone(), &keys::message(m.seq));
            let ballots: Vec<VoteBody> = if m.up + m.down > 0 {
                self.query_prefix(pk.clone(), &keys::votes_of(m.seq))
                    .await?
            } else {
                Vec::new()
            };
            // Ballots carry their message's `ttl`, so they go with it.
            for b in &ballots {
                let ballot = key(pk.clone(), &keys::vote(b.seq, b.voter));
                let (expression, values) = match expires_at {
                    Some(t) => (
                        "SET #ttl = :ttl",
                        HashMap::from([(":ttl".to_owned(), n(t.timestamp()))]),
                    ),
                    None => ("REMOVE #ttl", HashMap::new()),
                };
                self.update_if(ballot, expression, "attribute_exists(pk)", names(), values)
                    .await?;
            }
            match expires_at {
                Some(t) => {
                    let ttl = (":ttl".to_owned(), n(t.timestamp()));
                    let values = HashMap::from([(":at".to_owned(), attr(&t)?), ttl.clone()]);
                    let set = "SET expires_at = :at, #ttl = :ttl";
                    self.update_if(entry, set, "attribute_exists(pk)", names(), values)
                        .await?;
                    let values = HashMap::from([ttl]);
                    self.update_if(
                        dedupe,
                        "SET #ttl = :ttl",
                        "attribute_exists(pk)",
                        names(),
                        values,
                    )
                    .await?;
                }
                None => {
                    let remove = "REMOVE expires_at, #ttl";
                    self.update_if(
                        entry,
                        remove,
                        "attribute_exists(pk)",
                        names(),
                        HashMap::new(),
                    )
                    .await?;
                    self.update_if(
                        dedupe,
                        "REMOVE #ttl",
                        "attribute_exists(pk)",
                        names(),
                        HashMap::new(),
                    )
                    .await?;
                }
            }
        }
        self.batch_delete(gone).await?;
        Ok(more.then(|| page.last().map(|m| m.seq)).flatten())
    }

    async fn entry(
        &self,
        id: ConversationId,
        seq: Seq,
    ) -> Result<Option<StoredMessage>, StoreError> {
        self.get(keys::conv(id), &keys::message(seq)).await
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
    /// What an idempotency key already names: its seq, and its entry
    /// unless retention has removed that since.
    async fn earlier(
        &self,
        pk: &str,
        dedupe_sk: &str,
    ) -> Result<Option<(Seq, Option<StoredMessage>)>, StoreError> {
        match self.get::<DedupeBody>(pk.to_owned(), dedupe_sk).await? {
            Some(d) => {
                let entry = self.get(pk.to_owned(), &keys::message(d.seq)).await?;
                Ok(Some((d.seq, entry)))
            }
            None => Ok(None),
        }
    }

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

/// The update expression that makes a stored message's changeable fields
/// those of `target`: present ones set, absent ones removed.
fn changed_fields(
    target: &StoredMessage,
) -> Result<(String, HashMap<String, String>, Attrs), StoreError> {
    let fields: [(&str, Option<AttributeValue>); 6] = [
        ("text", target.text.as_ref().map(attr).transpose()?),
        (
            "emoji",
            (!target.emoji.is_empty())
                .then(|| attr(&target.emoji))
                .transpose()?,
        ),
        (
            "attachments",
            (!target.attachments.is_empty())
                .then(|| attr(&target.attachments))
                .transpose()?,
        ),
        (
            "edited_at",
            target.edited_at.as_ref().map(attr).transpose()?,
        ),
        (
            "deleted_at",
            target.deleted_at.as_ref().map(attr).transpose()?,
        ),
        (
            "deleted_by",
            target.deleted_by.as_ref().map(attr).transpose()?,
        ),
    ];
    let mut set = Vec::new();
    let mut remove = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    for (field, v) in fields {
        names.insert(format!("#{field}"), field.to_owned());
        match v {
            Some(v) => {
                set.push(format!("#{field} = :{field}"));
                values.insert(format!(":{field}"), v);
            }
            None => remove.push(format!("#{field}")),
        }
    }
    let mut expression = String::new();
    if !set.is_empty() {
        expression.push_str(&format!("SET {}", set.join(", ")));
    }
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    Ok((expression.trim().to_owned(), names, values))
}
