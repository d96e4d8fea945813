//! `MatchStore` over redb: a pairing reads and rewrites both users' states
//! in one serialisable transaction, so nobody is paired twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, Table};

use super::{EmbeddedStore, Json, MATCH_QUEUE, MATCH_STATES, get_json};
use crate::error::{DbResult, to_json};
use chitter_core::domain::{ConversationId, MatchState, UserId};
use chitter_core::ports::{MatchStore, Paired, StoreError};

fn waiting_since(state: Option<&MatchState>) -> Option<DateTime<Utc>> {
    match state {
        Some(MatchState::Waiting { since }) => Some(*since),
        _ => None,
    }
}

fn dequeue(queue: &mut Table<(i64, &str), ()>, user: &str, since: DateTime<Utc>) -> DbResult<()> {
    queue.remove((since.timestamp_millis(), user))?;
    Ok(())
}

fn put_state(states: &mut Table<&str, Json>, user: &str, state: &MatchState) -> DbResult<()> {
    states.insert(user, to_json(state)?.as_slice())?;
    Ok(())
}

#[async_trait]
impl MatchStore for EmbeddedStore {
    async fn match_state(&self, user: UserId) -> Result<Option<MatchState>, StoreError> {
        self.read(|tx| get_json(&tx.open_table(MATCH_STATES)?, &user.to_string()))
    }

    async fn enqueue(&self, user: UserId, since: DateTime<Utc>) -> Result<bool, StoreError> {
        self.write(move |tx| {
            let id = user.to_string();
            let mut states = tx.open_table(MATCH_STATES)?;
            if states.get(id.as_str())?.is_some() {
                return Ok(false);
            }
            put_state(&mut states, &id, &MatchState::Waiting { since })?;
            tx.open_table(MATCH_QUEUE)?
                .insert((since.timestamp_millis(), id.as_str()), ())?;
            Ok(true)
        })
        .await
    }

    async fn waiting(&self, after: DateTime<Utc>, limit: usize) -> Result<Vec<UserId>, StoreError> {
        self.read(|tx| {
            let queue = tx.open_table(MATCH_QUEUE)?;
            let mut out = Vec::new();
            for entry in queue.range((after.timestamp_millis(), "")..)?.take(limit) {
                let (key, _) = entry?;
                if let Ok(user) = UserId::parse(key.value().1) {
                    out.push(user);
                }
            }
            Ok(out)
        })
    }

    async fn pair(&self, a: UserId, b: UserId, at: DateTime<Utc>) -> Result<Paired, StoreError> {
        self.write(move |tx| {
            let (ida, idb) = (a.to_string(), b.to_string());
            let mut states = tx.open_table(MATCH_STATES)?;
            let Some(since_a) = waiting_since(get_json(&states, &ida)?.as_ref()) else {
                return Ok(Paired::FirstTaken);
            };
            let Some(since_b) = waiting_since(get_json(&states, &idb)?.as_ref()) else {
                return Ok(Paired::SecondTaken);
            };
            let mut queue = tx.open_table(MATCH_QUEUE)?;
            dequeue(&mut queue, &ida, since_a)?;
            dequeue(&mut queue, &idb, since_b)?;
            for (me, other) in [(&ida, b), (&idb, a)] {
                let state = MatchState::Matched {
                    with: other,
                    at,
                    conversation_id: None,
                };
                put_state(&mut states, me, &state)?;
            }
            Ok(Paired::Done)
        })
        .await
    }

    async fn set_match_conversation(
        &self,
        a: UserId,
        b: UserId,
        conversation: ConversationId,
    ) -> Result<(), StoreError> {
        self.write(move |tx| {
            let mut states = tx.open_table(MATCH_STATES)?;
            for (me, other) in [(a, b), (b, a)] {
                let id = me.to_string();
                if let Some(MatchState::Matched { with, at, .. }) = get_json(&states, &id)?
                    && with == other
                {
                    let state = MatchState::Matched {
                        with,
                        at,
                        conversation_id: Some(conversation),
                    };
                    put_state(&mut states, &id, &state)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn leave_matching(&self, user: UserId) -> Result<Option<MatchState>, StoreError> {
        self.write(move |tx| {
            let id = user.to_string();
            let mut states = tx.open_table(MATCH_STATES)?;
            let state: Option<MatchState> = get_json(&states, &id)?;
            if let Some(since) = waiting_since(state.as_ref()) {
                dequeue(&mut tx.open_table(MATCH_QUEUE)?, &id, since)?;
            }
            states.remove(id.as_str())?;
            Ok(state)
        })
        .await
    }
}
