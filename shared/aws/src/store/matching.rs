//! `MatchStore` on DynamoDB: each user's state is `USER#<u>/MATCH`, the
//! queue is the `MATCHQ` partition sorted by time waited. A pairing is one
//! transaction whose conditions require both users to be in the very wait
//! that was read, so two pairings can never share a user.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::items::{UserRef, attr, from_item, key, keys, to_item};
use super::{DynamoStore, RETRIES, cancellation, conflicted, failed_check, pause, s};
use chitter_core::domain::{ConversationId, MatchState, UserId};
use chitter_core::ports::{MatchStore, Paired, StoreError};

fn state_key(user: UserId) -> super::items::Attrs {
    key(keys::user(user), keys::MATCH)
}

fn queue_key(user: UserId, since: DateTime<Utc>) -> super::items::Attrs {
    key(
        keys::MATCH_QUEUE.to_owned(),
        &keys::waiting(since.timestamp_millis(), user),
    )
}

fn waiting_since(state: Option<&MatchState>) -> Option<DateTime<Utc>> {
    match state {
        Some(MatchState::Waiting { since }) => Some(*since),
        _ => None,
    }
}

#[async_trait]
impl MatchStore for DynamoStore {
    async fn match_state(&self, user: UserId) -> Result<Option<MatchState>, StoreError> {
        self.get(keys::user(user), keys::MATCH).await
    }

    async fn enqueue(&self, user: UserId, since: DateTime<Utc>) -> Result<bool, StoreError> {
        // Both items lapse with the wait; TTL removes them some time after.
        let ttl = Some(since + MatchState::WAIT);
        let items = vec![
            self.put(
                to_item(
                    keys::user(user),
                    keys::MATCH,
                    &MatchState::Waiting { since },
                    ttl,
                )?,
                Some("attribute_not_exists(pk)"),
            )?,
            self.put(
                to_item(
                    keys::MATCH_QUEUE.to_owned(),
                    &keys::waiting(since.timestamp_millis(), user),
                    &UserRef { user_id: user },
                    ttl,
                )?,
                None,
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(e) => match cancellation(&e) {
                Some(r) if failed_check(&r, 0) => Ok(false),
                _ => Err(StoreError::backend(e)),
            },
        }
    }

    async fn waiting(&self, after: DateTime<Utc>, limit: usize) -> Result<Vec<UserId>, StoreError> {
        let queued: Vec<UserRef> = self
            .query(
                "pk = :pk AND sk BETWEEN :lo AND :hi",
                HashMap::from([
                    (":pk".to_owned(), s(keys::MATCH_QUEUE)),
                    (
                        ":lo".to_owned(),
                        s(format!("WAIT#{:020}", after.timestamp_millis())),
                    ),
                    (":hi".to_owned(), s("WAIT#~")),
                ]),
                true,
                limit,
            )
            .await?;
        Ok(queued.into_iter().map(|q| q.user_id).collect())
    }

    async fn pair(&self, a: UserId, b: UserId, at: DateTime<Utc>) -> Result<Paired, StoreError> {
        for attempt in 0..=RETRIES {
            let Some(since_a) = waiting_since(self.match_state(a).await?.as_ref()) else {
                return Ok(Paired::FirstTaken);
            };
            let Some(since_b) = waiting_since(self.match_state(b).await?.as_ref()) else {
                return Ok(Paired::SecondTaken);
            };
            let mut items = Vec::new();
            for (me, other, since) in [(a, b, since_a), (b, a, since_b)] {
                let state = MatchState::Matched {
                    with: other,
                    at,
                    conversation_id: None,
                };
                items.push(self.put_if(
                    to_item(keys::user(me), keys::MATCH, &state, None)?,
                    "#state = :waiting AND #since = :since",
                    HashMap::from([
                        ("#state".to_owned(), "state".to_owned()),
                        ("#since".to_owned(), "since".to_owned()),
                    ]),
                    HashMap::from([
                        (":waiting".to_owned(), s("waiting")),
                        (":since".to_owned(), attr(&since)?),
                    ]),
                )?);
            }
            items.push(self.delete(queue_key(a, since_a), None)?);
            items.push(self.delete(queue_key(b, since_b), None)?);
            match self.transact(items).await {
                Ok(()) => return Ok(Paired::Done),
                Err(e) => match cancellation(&e) {
                    Some(r) if failed_check(&r, 0) => return Ok(Paired::FirstTaken),
                    Some(r) if failed_check(&r, 1) => return Ok(Paired::SecondTaken),
                    Some(r) if conflicted(&r) => pause(attempt).await,
                    _ => return Err(StoreError::backend(e)),
                },
            }
        }
        Err(StoreError::backend("pairing kept conflicting"))
    }

    async fn set_match_conversation(
        &self,
        a: UserId,
        b: UserId,
        conversation: ConversationId,
    ) -> Result<(), StoreError> {
        for (me, other) in [(a, b), (b, a)] {
            // A side that left the match (or was matched anew) keeps its state.
            self.update_if(
                state_key(me),
                "SET conversation_id = :c",
                "#state = :matched AND #with = :other",
                Some(HashMap::from([
                    ("#state".to_owned(), "state".to_owned()),
                    ("#with".to_owned(), "with".to_owned()),
                ])),
                HashMap::from([
                    (":c".to_owned(), s(conversation.to_string())),
                    (":matched".to_owned(), s("matched")),
                    (":other".to_owned(), s(other.to_string())),
                ]),
            )
            .await?;
        }
        Ok(())
    }

    async fn leave_matching(&self, user: UserId) -> Result<Option<MatchState>, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(state_key(user)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::backend)?;
        let state: Option<MatchState> = out
            .attributes
            .filter(|a| !a.is_empty())
            .map(from_item)
            .transpose()?;
        // A crash here leaves a queue entry without a state: pairing skips
        // it (the state is what counts) and TTL removes it.
        if let Some(since) = waiting_since(state.as_ref()) {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(queue_key(user, since)))
                .send()
                .await
                .map_err(StoreError::backend)?;
        }
        Ok(state)
    }
}
