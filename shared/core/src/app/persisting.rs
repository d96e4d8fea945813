//! The stream's consumer (the persist function): stores each record
//! (message, edit, delete, retention page) once under its conversation's
//! next sequence number, then acks it to its sender and delivers it.

use std::collections::HashMap;

use futures::StreamExt;

use super::error::{AppError, AppResult};
use super::fanout;
use super::messaging::append;
use super::services::Services;
use crate::domain::{
    ChangeRefused, ClientMsgId, ConnectionId, ConversationId, Seq, StoredMessage, StreamEvent,
    StreamMessage, UserId,
};
use crate::ports::{MessageLog, Metric, Persisted, PushError};
use crate::protocol::{AckStatus, ServerFrame};

/// How one conversation's run of records ended: done, or the index of its
/// first failed record (those before it are done) with the cause. The
/// batch reports the earliest failure, and the stream redelivers from it.
pub type RunResult = Result<(), (usize, AppError)>;

/// Stores and announces a stream batch, given as runs of one conversation
/// each: in stream order within a run, up to `parallel` runs at once.
/// Returns each run's result, in the order given.
///
/// Where the store can defer durability (`MessageLog::deferred`), every
/// run is committed first (the messages opening each run in one
/// `persist_all`), one `sync` makes the whole batch durable, and only then
/// is any of it acked or delivered: one flush per batch instead of one per
/// record, and still nothing announced before it is on disk. Elsewhere
/// (each write durable by itself) each record is announced as soon as it
/// is stored, so the first of a batch does not wait for the rest.
pub async fn persist_runs(
    svc: &Services,
    runs: &[&[StreamEvent]],
    parallel: usize,
) -> Vec<RunResult> {
    let Some(log) = svc.messages.deferred() else {
        return in_parallel(runs, parallel, |events| {
            persist_in_order(svc, svc.messages.as_ref(), events)
        })
        .await;
    };
    let stored = store_runs(svc, log.as_ref(), runs, parallel).await;
    if stored.iter().any(|run| !run.outcomes.is_empty())
        && let Err(e) = svc.messages.sync().await
    {
        // Nothing stored in this batch is known to be durable: every run
        // is retried from its start, which the idempotent store allows.
        AppError::from(e).log();
        for (_, e) in stored.iter().filter_map(|run| run.failed.as_ref()) {
            e.log();
        }
        return runs
            .iter()
            .map(|_| Err((0, AppError::Internal("the batch could not be made durable"))))
            .collect();
    }
    in_parallel(stored, parallel, |run| announce_run(svc, run)).await
}

/// Runs `f` over `items` up to `parallel` at once; results in input order.
async fn in_parallel<I, T, F, Fut>(items: I, parallel: usize, f: F) -> Vec<T>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    let mut done: Vec<(usize, T)> = futures::stream::iter(items.into_iter().enumerate())
        .map(|(k, item)| {
            let run = f(item);
            async move { (k, run.await) }
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    done.sort_unstable_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, out)| out).collect()
}

/// Stores and announces one conversation's records one at a time, each
/// acked and delivered once it is durable. Stops at the first failure.
async fn persist_in_order(
    svc: &Services,
    log: &dyn MessageLog,
    events: &[StreamEvent],
) -> RunResult {
    let mut announcer = Announcer::default();
    for (i, event) in events.iter().enumerate() {
        let outcome = store(svc, log, event).await.map_err(|e| (i, e))?;
        announcer.announce(svc, event, outcome).await;
    }
    Ok(())
}

/// One run's records as stored, waiting to be announced.
struct StoredRun<'a> {
    events: &'a [StreamEvent],
    /// One per record, in order, up to the first failure.
    outcomes: Vec<Outcome>,
    failed: Option<(usize, AppError)>,
}

/// Stores every run's records, announcing none. The messages that open
/// each run (nearly every record) are stored together first, one
/// `persist_all` for the batch (one transaction where the store allows);
/// the rest of each run follows record by record.
async fn store_runs<'a>(
    svc: &Services,
    log: &dyn MessageLog,
    runs: &[&'a [StreamEvent]],
    parallel: usize,
) -> Vec<StoredRun<'a>> {
    let leads: Vec<Vec<&StreamMessage>> = runs
        .iter()
        .map(|events| {
            events
                .iter()
                .map_while(|e| match e {
                    StreamEvent::Message(m) => Some(m),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let all: Vec<&StreamMessage> = leads.iter().flatten().copied().collect();
    let stored = if all.is_empty() {
        Ok(Vec::new())
    } else {
        log.persist_all(&all).await
    };
    let stored = match stored {
        Ok(stored) if stored.len() == all.len() => stored,
        // Each run then goes record by record, so one bad message stops
        // only its own conversation's run.
        Ok(_) => {
            let e = AppError::Internal("the store answered for the wrong number of messages");
            e.log();
            Vec::new()
        }
        Err(e) => {
            AppError::from(e).log();
            Vec::new()
        }
    };
    let leads: Vec<usize> = if stored.is_empty() {
        vec![0; runs.len()]
    } else {
        leads.iter().map(Vec::len).collect()
    };
    let mut stored = stored.into_iter();
    let starts: Vec<(&[StreamEvent], Vec<Outcome>)> = runs
        .iter()
        .zip(leads)
        .map(|(events, lead)| {
            let outcomes = stored.by_ref().take(lead).map(Outcome::Entry);
            (*events, outcomes.collect())
        })
        .collect();
    in_parallel(starts, parallel, |(events, outcomes)| {
        store_run(svc, log, events, outcomes)
    })
    .await
}

/// Stores a run's records after the `outcomes` already stored, in order,
/// announcing none, up to the first failure.
async fn store_run<'a>(
    svc: &Services,
    log: &dyn MessageLog,
    events: &'a [StreamEvent],
    mut outcomes: Vec<Outcome>,
) -> StoredRun<'a> {
    let mut failed = None;
    for (i, event) in events.iter().enumerate().skip(outcomes.len()) {
        match store(svc, log, event).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => {
                failed = Some((i, e));
                break;
            }
        }
    }
    StoredRun {
        events,
        outcomes,
        failed,
    }
}

/// Announces what a run stored, then reports how it ended.
async fn announce_run(svc: &Services, run: StoredRun<'_>) -> RunResult {
    let mut announcer = Announcer::default();
    for (event, outcome) in run.events.iter().zip(run.outcomes) {
        announcer.announce(svc, event, outcome).await;
    }
    run.failed.map_or(Ok(()), Err)
}

/// What storing one record came to.
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every record is an entry; boxing would allocate for each"
)]
enum Outcome {
    /// A message, edit or delete, stored now or before (a duplicate).
    Entry(Persisted),
    /// A change decided against for good (its message was deleted
    /// meanwhile): nothing was stored.
    Refused(ChangeRefused),
    /// Nothing to announce (a retention page).
    Silent,
}

async fn store(svc: &Services, log: &dyn MessageLog, event: &StreamEvent) -> AppResult<Outcome> {
    match event {
        StreamEvent::Message(m) => Ok(Outcome::Entry(log.persist(m).await?)),
        StreamEvent::Change(c) => Ok(match log.change(c).await? {
            Ok(persisted) => Outcome::Entry(persisted),
            Err(refused) => Outcome::Refused(refused),
        }),
        StreamEvent::Retention {
            conversation_id,
            after,
        } => {
            retention_page(svc, *conversation_id, *after).await?;
            Ok(Outcome::Silent)
        }
    }
}

/// A run's lookups, made once per run (a batch of one conversation)
/// rather than once per record: a connection opened meanwhile catches up
/// with `resume`.
#[derive(Default)]
struct Announcer {
    /// The conversation's connections, with their users.
    audience: Option<Vec<(ConnectionId, UserId)>>,
    /// Who blocks each sender.
    blockers: HashMap<UserId, Vec<UserId>>,
}

impl Announcer {
    /// Acks a stored record to the connection it came from and delivers it
    /// to the conversation. Delivery failures are not persist failures: the
    /// entry is stored, and a member who missed it fills the gap with
    /// `resume`.
    async fn announce(&mut self, svc: &Services, event: &StreamEvent, outcome: Outcome) {
        let (client_msg_id, message_id) = match event {
            StreamEvent::Message(m) => (&m.client_msg_id, m.message_id),
            StreamEvent::Change(c) => (&c.client_msg_id, c.message_id),
            StreamEvent::Retention { .. } => return,
        };
        let persisted = match outcome {
            Outcome::Entry(persisted) => persisted,
            Outcome::Refused(refused) => {
                // The requester hears why.
                if let StreamEvent::Change(c) = event {
                    tracing::info!(target_seq = c.target_seq.0, %refused, "change refused");
                }
                if let Some(origin) = event.origin() {
                    let frame = AppError::from(refused).frame(Some(client_msg_id.to_string()));
                    fanout::reply(svc, origin, &frame).await;
                }
                return;
            }
            Outcome::Silent => return,
        };
        if !persisted.duplicate {
            svc.metrics.count(Metric::Persisted, 1);
        }
        let stored = &persisted.message;
        if let Some(origin) = event.origin() {
            let ack = ack(event, client_msg_id, stored, AckStatus::Persisted);
            fanout::reply(svc, origin, &ack).await;
        }
        // A client's resend (a new message id for a stored client message id)
        // is not shown again. The stream redelivering this very record (same
        // message id) may mean an earlier run stored it but died before
        // delivering: deliver again; clients drop a seq they already have.
        if persisted.duplicate && stored.message_id != message_id {
            tracing::info!(message_id = %stored.message_id, "resend not delivered again");
            return;
        }
        let sender = stored.sender_id;
        let blocking = match self.blockers.get(&sender) {
            Some(b) => b,
            None => match svc.friends.blocked_by(sender).await {
                Ok(b) => self.blockers.entry(sender).or_insert(b),
                Err(e) => {
                    AppError::from(e).log();
                    return;
                }
            },
        };
        match deliver(svc, &mut self.audience, stored, blocking, event.origin()).await {
            // At least one other member's device has it.
            Ok(true) => {
                if let Some(origin) = event.origin() {
                    let delivered = ack(event, client_msg_id, stored, AckStatus::Delivered);
                    fanout::reply(svc, origin, &delivered).await;
                }
            }
            Ok(false) => {}
            Err(e) => e.log(),
        }
    }
}

fn ack(
    event: &StreamEvent,
    id: &ClientMsgId,
    stored: &StoredMessage,
    status: AckStatus,
) -> ServerFrame {
    ServerFrame::Ack {
        id: id.clone(),
        conversation_id: event.conversation_id(),
        message_id: stored.message_id,
        seq: Some(stored.seq),
        // The custom emoji it uses go with the first ack only.
        emoji: match status {
            AckStatus::Persisted => stored.emoji.clone(),
            _ => Vec::new(),
        },
        status,
    }
}

/// Entries applied per retention page; each page is one stream record, so
/// a long conversation is worked through in bounded steps.
const RETENTION_PAGE: usize = 200;

/// Applies the conversation's retention to a page of its stored entries
/// (stamps when each disappears; removes those already past it) and, if
/// more remain, appends the next page's record.
async fn retention_page(svc: &Services, id: ConversationId, after: Seq) -> AppResult<()> {
    let Some(c) = svc.conversations.conversation(id).await? else {
        return Ok(());
    };
    let next = svc
        .messages
        .apply_retention(id, after, RETENTION_PAGE, c.retention, svc.clock.now())
        .await?;
    if let Some(after) = next {
        append(
            svc,
            &StreamEvent::Retention {
                conversation_id: id,
                after,
            },
        )
        .await?;
    }
    Ok(())
}

/// Pushes a stored entry to every member's connections (a room's
/// subscribed connections) but the one it was sent from, which has its `persisted` ack (a message sent over HTTP
/// reaches the sender's connections too). The members' connections are
/// looked up once per run (a batch of one conversation), not once per
/// message: a connection opened meanwhile catches up with `resume`.
/// Returns whether a connection of another member took it: delivered.
async fn deliver(
    svc: &Services,
    audience: &mut Option<Vec<(ConnectionId, UserId)>>,
    stored: &StoredMessage,
    blockers: &[UserId],
    origin: Option<&ConnectionId>,
) -> AppResult<bool> {
    let connections = match audience {
        Some(connections) => connections,
        None => audience.insert(fanout::audience(svc, stored.conversation_id).await?),
    };
    let targets: Vec<&(ConnectionId, UserId)> = connections
        .iter()
        .filter(|(c, _)| Some(c) != origin)
        .collect();
    // Members who block the sender get the entry with its content withheld.
    let (withheld, full): (Vec<_>, Vec<_>) = targets
        .into_iter()
        .partition(|(_, user)| blockers.contains(user));
    let ids = |list: &[&(ConnectionId, UserId)]| -> Vec<ConnectionId> {
        list.iter().map(|(c, _)| c.clone()).collect()
    };
    let mut failures = Vec::new();
    if !withheld.is_empty() {
        let frame = ServerFrame::message(&stored.withheld());
        failures.extend(fanout::push(svc, &ids(&withheld), &frame).await);
    }
    failures.extend(fanout::push(svc, &ids(&full), &ServerFrame::message(stored)).await);
    let delivered = full
        .iter()
        .chain(withheld.iter())
        .any(|(c, user)| *user != stored.sender_id && !failures.iter().any(|(f, _)| f == c));
    connections.retain(|(c, _)| {
        !failures
            .iter()
            .any(|(id, e)| id == c && matches!(e, PushError::Gone))
    });
    Ok(delivered)
}
