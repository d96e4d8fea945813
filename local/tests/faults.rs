//! Counted fault runs: several users send at least 1,000 messages through
//! chitter-local while it injects faults (`--faults`), or while it is
//! killed with SIGKILL and restarted on the same data dir. The clients act
//! as real ones do: they resend unacknowledged messages with the same id,
//! reconnect, and resume from the last contiguous sequence number. At the
//! end every accepted message must be stored once and shown once to every
//! member, in the same order everywhere. Each run prints
//! `sent / accepted / persisted / delivered / lost / duplicated / reordered`.
//! `CHITTER_FAULT_MESSAGES` sets the count (`make faults` runs 1,000 on
//! both backends).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Api, Backend, Local, User};
use futures::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const USERS: usize = 4;
/// Sends in flight per client.
const WINDOW: usize = 16;
/// A send unanswered this long is sent again (its ack may have been lost).
const RESEND_AFTER: Duration = Duration::from_secs(2);
/// How often a client re-asks for what it is missing.
const TICK: Duration = Duration::from_millis(300);
/// What the ids of a client's `resume`s start with (then the conversation).
const RESUME_ID: &str = "r:";
/// The whole run, sending and catching up, must end within a minute and
/// this much a message. The stand-ins are far slower than the embedded
/// backend: moto answers one request at a time, 5 to 50 ms each on a slow
/// machine, and a message with its deliveries and retries takes dozens;
/// the two fault runs of `make test` share one moto.
fn time_allowed(backend: &Backend, messages: usize) -> Duration {
    let per_message = match backend {
        Backend::Embedded => Duration::from_millis(150),
        Backend::Aws { .. } => Duration::from_millis(1500),
    };
    Duration::from_secs(60) + per_message * u32::try_from(messages).unwrap()
}

/// 1,000 messages a run on the embedded backend; on the stand-ins (one
/// Python process serving DynamoDB and Kinesis), 200 in `make test` and
/// 1,000 in `make faults`.
fn message_count(backend: &Backend) -> usize {
    let default = match backend {
        Backend::Embedded => 1_000,
        Backend::Aws { .. } => 200,
    };
    std::env::var("CHITTER_FAULT_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
        .max(USERS)
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    sent: HashSet<String>,
    /// When each message was first sent, and where to.
    first_sent: HashMap<String, (String, Instant)>,
    /// When the first `accepted` ack for each arrived.
    accepted: HashMap<String, Instant>,
    persisted_acks: HashSet<String>,
    /// The (conversation, seq) each `persisted` ack gave its message: the
    /// seq it is stored under in the end, even after a crash.
    acked_at: Vec<(String, u64, String)>,
    /// conversation -> seq -> client message id, as shown.
    shown: HashMap<String, BTreeMap<u64, String>>,
    /// A seq shown again with another message: two orders.
    conflicts: u64,
    /// Conversations with a `resume` in flight on this connection, and
    /// since when: as the web client does, one at a time, so a gap seen
    /// by every later message asks for it once, not once a message. A
    /// `resumed` or an `error` answering it (a push of the page failed)
    /// ends it; one with no answer and no message of its conversation for
    /// `RESEND_AFTER` is asked again (a slow page is still coming).
    resuming: HashMap<String, Instant>,
}

impl Tally {
    fn contiguous(&self, conversation: &str) -> u64 {
        let mut n = 0;
        if let Some(shown) = self.shown.get(conversation) {
            for seq in shown.keys() {
                if *seq != n + 1 {
                    break;
                }
                n = *seq;
            }
        }
        n
    }

    /// A `resume` from the last contiguous seq, now in flight. Its id
    /// names the conversation, so an `error` answering it can end it.
    fn resume(&mut self, conversation: &str) -> Value {
        let last = self.contiguous(conversation);
        self.resuming
            .insert(conversation.to_owned(), Instant::now());
        json!({"action": "resume", "id": format!("{RESUME_ID}{conversation}"), "conversation_id": conversation, "last_seq": last})
    }
}

/// HTTP without panics: the server may be down for a moment.
async fn call(api: &Api, method: &str, path: &str, token: &str) -> Option<Value> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = api
        .http
        .request(method, format!("{}{path}", api.base))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.json().await.ok()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(api: &Api, me: &User) -> Option<Socket> {
    let ticket = call(api, "POST", "/api/auth/ticket", &me.token).await?;
    let url = format!("{}?ticket={}", api.ws, ticket["ticket"].as_str()?);
    tokio::time::timeout(Duration::from_secs(10), connect_async(url))
        .await
        .ok()?
        .ok()
        .map(|(ws, _)| ws)
}

async fn send(ws: &mut Socket, frame: Value) -> bool {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .is_ok()
}

/// One user's client: sends `plan` in order with up to `WINDOW` in flight,
/// then keeps resuming until it has every entry up to the targets.
async fn client(
    me: User,
    plan: Vec<(String, String)>,
    conversations: Vec<String>,
    run: Run,
) -> Tally {
    let Run {
        mut server,
        mut targets,
        done_sending,
        progress,
        deadline,
    } = run;
    let mut tally = Tally::default();
    let mut pending: VecDeque<(String, String)> = plan.into();
    // id -> (conversation, last sent)
    let mut outstanding: BTreeMap<String, (String, Instant)> = BTreeMap::new();
    let mut reported = false;
    let mut backoff = Duration::from_millis(50);
    'connection: loop {
        if Instant::now() > deadline {
            return tally;
        }
        let api = server.borrow_and_update().clone();
        let Some(mut ws) = connect(&api, &me).await else {
            // Down (being restarted): wait for the new server or a while.
            tokio::select! {
                _ = server.changed() => {}
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(1));
            continue;
        };
        backoff = Duration::from_millis(50);
        // What was in flight is sent again, in its order, with its id.
        for (id, (conversation, _)) in std::mem::take(&mut outstanding).into_iter().rev() {
            pending.push_front((conversation, id));
        }
        tally.resuming.clear();
        for c in &conversations {
            let frame = tally.resume(c);
            if !send(&mut ws, frame).await {
                continue 'connection;
            }
        }
        let mut tick = tokio::time::interval(TICK);
        loop {
            while outstanding.len() < WINDOW {
                let Some((conversation, id)) = pending.pop_front() else {
                    break;
                };
                let frame = json!({"action": "send", "id": id, "conversation_id": conversation, "text": id});
                let now = Instant::now();
                if !send(&mut ws, frame).await {
                    pending.push_front((conversation, id));
                    continue 'connection;
                }
                tally.sent.insert(id.clone());
                tally
                    .first_sent
                    .entry(id.clone())
                    .or_insert((conversation.clone(), now));
                outstanding.insert(id, (conversation, now));
            }
            if !reported && pending.is_empty() && outstanding.is_empty() {
                reported = true;
                let _ = done_sending.send(()).await;
            }
            if let Some(t) = targets.borrow().as_ref()
                && conversations
                    .iter()
                    .all(|c| tally.contiguous(c) >= t.get(c).copied().unwrap_or(0))
            {
                return tally;
            }
            if Instant::now() > deadline {
                return tally;
            }
            tokio::select! {
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                        let accepted = tally.accepted.len();
                        let resume = on_frame(&mut tally, &mut outstanding, &mut pending, &frame);
                        if tally.accepted.len() > accepted {
                            progress.accepted.fetch_add(1, Ordering::SeqCst);
                            progress.changed.notify_one();
                        }
                        if let Some(resume) = resume
                            && !send(&mut ws, resume).await
                        {
                            continue 'connection;
                        }
                    }
                    Some(Ok(_)) => {}
                    // Closed (a gone connection, or the server died).
                    Some(Err(_)) | None => continue 'connection,
                },
                _ = tick.tick() => {
                    let now = Instant::now();
                    let stale: Vec<String> = outstanding
                        .iter()
                        .filter(|(_, (_, at))| now.duration_since(*at) > RESEND_AFTER)
                        .map(|(id, _)| id.clone())
                        .collect();
                    for id in stale.into_iter().rev() {
                        let (conversation, _) = outstanding.remove(&id).unwrap();
                        pending.push_front((conversation, id));
                    }
                    let wanted = targets.borrow().clone();
                    for c in &conversations {
                        let have = tally.contiguous(c);
                        let seen = tally.shown.get(c).and_then(|s| s.keys().next_back().copied()).unwrap_or(0);
                        let want = wanted.as_ref().and_then(|t| t.get(c).copied()).unwrap_or(seen);
                        // Asked again if its answer is overdue (lost with a crash).
                        let in_flight = tally.resuming.get(c).is_some_and(|at| now.duration_since(*at) < RESEND_AFTER);
                        if have < want && !in_flight {
                            let frame = tally.resume(c);
                            if !send(&mut ws, frame).await {
                                continue 'connection;
                            }
                        }
                    }
                }
                _ = targets.changed() => {}
                _ = server.changed() => continue 'connection,
            }
        }
    }
}

/// What a client shares with the run.
#[derive(Clone)]
struct Run {
    /// Where chitter-local is now (it moves when restarted).
    server: watch::Receiver<Api>,
    /// Each conversation's last seq, once everything is stored.
    targets: watch::Receiver<Option<HashMap<String, u64>>>,
    done_sending: mpsc::Sender<()>,
    progress: Arc<Progress>,
    deadline: Instant,
}

/// Messages accepted so far, all clients together.
#[derive(Default)]
struct Progress {
    accepted: AtomicUsize,
    changed: Notify,
}

/// Takes in one frame; returns a `resume` to send when it showed a gap.
fn on_frame(
    tally: &mut Tally,
    outstanding: &mut BTreeMap<String, (String, Instant)>,
    pending: &mut VecDeque<(String, String)>,
    frame: &Value,
) -> Option<Value> {
    let id = frame["id"].as_str().unwrap_or_default().to_owned();
    match frame["type"].as_str()? {
        "ack" => match frame["status"].as_str()? {
            "accepted" => {
                outstanding.remove(&id);
                tally.accepted.entry(id).or_insert_with(Instant::now);
            }
            "persisted" => {
                if let (Some(conversation), Some(seq)) =
                    (frame["conversation_id"].as_str(), frame["seq"].as_u64())
                {
                    tally
                        .acked_at
                        .push((conversation.to_owned(), seq, id.clone()));
                }
                tally.persisted_acks.insert(id);
            }
            _ => {}
        },
        // A refused or failed send is sent again, with its id; a failed
        // resume, at the next tick.
        "error" => {
            if let Some(conversation) = id.strip_prefix(RESUME_ID) {
                tally.resuming.remove(conversation);
            } else if let Some((conversation, _)) = outstanding.remove(&id) {
                pending.push_front((conversation, id));
            }
        }
        "message" => {
            let conversation = frame["conversation_id"].as_str()?.to_owned();
            let seq = frame["seq"].as_u64()?;
            let cmid = frame["client_msg_id"].as_str()?.to_owned();
            let before = tally.contiguous(&conversation);
            // The next in order, as a resumed page brings them: its answer is coming.
            if seq == before + 1
                && let Some(at) = tally.resuming.get_mut(&conversation)
            {
                *at = Instant::now();
            }
            let shown = tally.shown.entry(conversation.clone()).or_default();
            match shown.get(&seq) {
                Some(existing) if *existing != cmid => tally.conflicts += 1,
                Some(_) => {}
                None => {
                    shown.insert(seq, cmid);
                }
            }
            if seq > before + 1 && !tally.resuming.contains_key(&conversation) {
                return Some(tally.resume(&conversation));
            }
        }
        "resumed" => {
            let conversation = frame["conversation_id"].as_str()?;
            if frame["more"] == true {
                return Some(tally.resume(conversation));
            }
            tally.resuming.remove(conversation);
        }
        _ => {}
    }
    None
}

/// Every stored entry of a conversation, oldest first: (seq, client id).
async fn stored(api: &Api, reader: &User, conversation: &str) -> Vec<(u64, String)> {
    let mut all = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/conversations/{conversation}/messages?limit=100&before={b}"),
            None => format!("/api/conversations/{conversation}/messages?limit=100"),
        };
        let page = call(api, "GET", &path, &reader.token)
            .await
            .expect("history readable");
        for m in page["messages"].as_array().unwrap() {
            all.push((
                m["seq"].as_u64().unwrap(),
                m["client_msg_id"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_before"].as_u64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    all.sort();
    all
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    sent: usize,
    accepted: usize,
    persisted: usize,
    delivered: usize,
    lost: usize,
    duplicated: usize,
    reordered: usize,
}

/// How the run goes wrong, if it does.
enum Chaos {
    /// Flags for chitter-local's `--faults`.
    Faults(&'static str),
    /// SIGKILL at random moments while clients send, then restart.
    Kills(usize),
}

async fn counted_run(backend: Backend, name: &str, chaos: Chaos) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--rate-limits", "false", "--stream-batch-size", "10"];
    if let Chaos::Faults(spec) = chaos {
        args.extend(["--faults", spec]);
    }
    let mut local = Local::start(dir.path(), &backend, &args).await;
    let api = local.api();
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(api.signup(&format!("{name}{i}")).await);
    }
    let members: Vec<&User> = users[1..].iter().collect();
    let group = api.group(&users[0], "Faults", &members).await;
    let direct = api.direct(&users[0], &users[1]).await;

    // Everyone writes to the group; the first two also to their direct.
    let per_user = message_count(&backend) / USERS;
    let (server_tx, server_rx) = watch::channel(api.clone());
    let (targets_tx, targets_rx) = watch::channel(None);
    let (done_tx, mut done_rx) = mpsc::channel(USERS);
    let deadline = Instant::now() + time_allowed(&backend, per_user * USERS);
    let progress = Arc::new(Progress::default());
    let mut clients = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let mut conversations = vec![group.clone()];
        if i < 2 {
            conversations.push(direct.clone());
        }
        let plan: Vec<(String, String)> = (0..per_user)
            .map(|n| {
                let to = if i < 2 && n % 5 == 4 { &direct } else { &group };
                (to.clone(), format!("u{i}-{n:05}"))
            })
            .collect();
        let run = Run {
            server: server_rx.clone(),
            targets: targets_rx.clone(),
            done_sending: done_tx.clone(),
            progress: progress.clone(),
            deadline,
        };
        clients.push(tokio::spawn(client(user.clone(), plan, conversations, run)));
    }

    // Until every client has sent everything (all accepted): the kills,
    // each once a random share of the messages is accepted (the k-th of n
    // between k/(n+1) and (k+½)/(n+1) of them), so they land mid-run
    // however fast the backend is.
    let mut finished = 0;
    let mut kills = 0;
    let planned_kills = match chaos {
        Chaos::Kills(n) => n,
        Chaos::Faults(_) => 0,
    };
    let total = per_user * USERS;
    let slice = total / (planned_kills + 1);
    let at: Vec<usize> = (1..=planned_kills)
        .map(|k| k * slice + rand::rng().random_range(0..=slice / 2))
        .collect();
    while finished < USERS && Instant::now() < deadline {
        tokio::select! {
            Some(()) = done_rx.recv() => finished += 1,
            () = progress.changed.notified(), if kills < planned_kills => {
                if progress.accepted.load(Ordering::SeqCst) >= at[kills] {
                    local.kill().await;
                    kills += 1;
                    local = Local::start(dir.path(), &backend, &args).await;
                    server_tx.send_replace(local.api());
                }
            }
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
    assert_eq!(
        finished, USERS,
        "{name}: clients did not finish sending in time"
    );
    let api = local.api();
    // Everything accepted is in the stream: wait for it to be consumed.
    loop {
        let status = call(&api, "GET", "/_local/stream", "").await;
        if status.as_ref().is_some_and(|s| {
            s["pending"]
                .as_array()
                .is_some_and(|p| p.iter().all(|n| n == 0))
        }) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: the stream did not drain in time; still to do, by shard: {}",
            status.map_or_else(|| "unknown".to_owned(), |s| s["pending"].to_string())
        );
        // Each look reads the whole backlog from the stand-in: not too often.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let history = HashMap::from([
        (group.clone(), stored(&api, &users[0], &group).await),
        (direct.clone(), stored(&api, &users[0], &direct).await),
    ]);
    targets_tx.send_replace(Some(
        history
            .iter()
            .map(|(c, entries)| (c.clone(), entries.last().map_or(0, |e| e.0)))
            .collect(),
    ));
    let mut tallies = Vec::new();
    for c in clients {
        tallies.push(c.await.unwrap());
    }
    let counts = count(&tallies, &history);
    // What an operator would see (since the last restart), and proof that
    // every fault asked for happened.
    let metrics = call(&api, "GET", "/_local/metrics", "").await.unwrap();
    let injected = call(&api, "GET", "/_local/faults", "").await.unwrap();
    println!("{name} ({backend:?}) metrics: {metrics}; faults injected: {injected}");
    if let Chaos::Faults(spec) = chaos {
        for kind in spec
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(k, _)| k)
        {
            assert!(
                injected[kind].as_u64().unwrap() > 0,
                "{name}: no {kind} fault struck"
            );
        }
        if spec.contains("store=") {
            assert!(metrics["BatchItemFailures"].as_u64().unwrap() > 0);
        }
    }
    let expected = history[&group].len() * USERS + history[&direct].len() * 2;
    println!(
        "{name} ({backend:?}, {}): sent {} / accepted {} / persisted {} / delivered {} / lost {} / duplicated {} / reordered {}{}",
        match chaos {
            Chaos::Faults(spec) => format!("faults {spec}"),
            Chaos::Kills(_) => format!("{kills} kills"),
        },
        counts.sent,
        counts.accepted,
        counts.persisted,
        counts.delivered,
        counts.lost,
        counts.duplicated,
        counts.reordered,
        if counts.delivered == expected {
            ""
        } else {
            " (deliveries short)"
        },
    );
    assert_eq!(counts.sent, per_user * USERS);
    assert_eq!(
        counts.accepted, counts.sent,
        "every send is accepted at last"
    );
    assert_eq!(counts.persisted, counts.accepted);
    assert_eq!(counts.delivered, expected, "every member has every entry");
    assert_eq!(
        (counts.lost, counts.duplicated, counts.reordered),
        (0, 0, 0),
        "{name}: {counts:?}"
    );
    if let Chaos::Kills(n) = chaos {
        assert_eq!(kills, n, "every planned kill happened while sending");
    }
}

fn count(tallies: &[Tally], history: &HashMap<String, Vec<(u64, String)>>) -> Counts {
    let mut c = Counts::default();
    let mut stored_ids: HashMap<&str, u64> = HashMap::new();
    for entries in history.values() {
        // Sequence numbers are 1, 2, 3...: a hole is an order broken.
        for (i, (seq, id)) in entries.iter().enumerate() {
            if *seq != i as u64 + 1 {
                c.reordered += 1;
            }
            *stored_ids.entry(id.as_str()).or_default() += 1;
        }
    }
    c.persisted = stored_ids.len();
    // (conversation, seq) -> the client id stored there.
    let stored_at: HashMap<(&str, u64), &String> = history
        .iter()
        .flat_map(|(conversation, entries)| {
            entries
                .iter()
                .map(move |(seq, id)| ((conversation.as_str(), *seq), id))
        })
        .collect();
    c.duplicated += stored_ids.values().filter(|n| **n > 1).count();
    for tally in tallies {
        c.sent += tally.sent.len();
        c.accepted += tally.accepted.len();
        c.lost += tally
            .accepted
            .keys()
            .filter(|id| !stored_ids.contains_key(id.as_str()))
            .count();
        c.reordered += tally.conflicts as usize;
        c.reordered += tally
            .acked_at
            .iter()
            .filter(|(conversation, seq, id)| {
                stored_at
                    .get(&(conversation.as_str(), *seq))
                    .is_none_or(|stored| *stored != id)
            })
            .count();
        for (conversation, entries) in history {
            let Some(shown) = tally.shown.get(conversation) else {
                continue;
            };
            // Shown as stored: the same message at each seq.
            let order: BTreeMap<u64, &String> = entries.iter().map(|(s, id)| (*s, id)).collect();
            c.delivered += shown.len();
            c.reordered += shown
                .iter()
                .filter(|(seq, id)| order.get(seq).is_some_and(|o| *o != *id))
                .count();
            let mut seen = HashSet::new();
            c.duplicated += shown.values().filter(|id| !seen.insert(*id)).count();
            c.lost += entries
                .iter()
                .filter(|(seq, _)| !shown.contains_key(seq))
                .count();
        }
        // A message accepted before another was first sent is stored
        // before it (per conversation, per sender).
        let seq_of: HashMap<&str, u64> = history
            .values()
            .flatten()
            .map(|(s, id)| (id.as_str(), *s))
            .collect();
        for (a, accepted_at) in &tally.accepted {
            let (conv_a, _) = &tally.first_sent[a];
            for (b, (conv_b, sent_b)) in &tally.first_sent {
                if conv_a == conv_b
                    && accepted_at < sent_b
                    && let (Some(sa), Some(sb)) = (seq_of.get(a.as_str()), seq_of.get(b.as_str()))
                    && sa > sb
                {
                    c.reordered += 1;
                }
            }
        }
    }
    c
}

async fn persist_crashes_redeliveries_and_store_failures_lose_nothing(backend: Backend) {
    counted_run(
        backend,
        "persist",
        Chaos::Faults("persist-crash=0.1,redeliver=1,store=0.03"),
    )
    .await;
}

async fn gone_and_throttled_pushes_lose_nothing(backend: Backend) {
    counted_run(
        backend,
        "pushes",
        Chaos::Faults("push-gone=0.01,push-throttle=0.05"),
    )
    .await;
}

async fn sigkill_under_load_loses_nothing(backend: Backend) {
    counted_run(backend, "kills", Chaos::Kills(3)).await;
}

both_backends!(
    persist_crashes_redeliveries_and_store_failures_lose_nothing,
    gone_and_throttled_pushes_lose_nothing,
    sigkill_under_load_loses_nothing,
);
