// Chitter's browser client: sign-in, conversations, and a socket that
// reconnects by itself and resumes every conversation from the last message
// it has, so nothing is missed or shown twice.

const $ = (sel) => document.querySelector(sel);
const store = window.localStorage;

const state = {
  session: JSON.parse(store.getItem("chitter.session") || "null"),
  conversations: new Map(), // id -> view from the API
  messages: new Map(), // id -> Map(seq -> message)
  active: null,
  outbox: [], // {id, conversation_id, text, status}
  inFlight: null, // id of the send awaiting its `accepted`
  socket: null,
  backoff: 1000,
  typingSent: 0,
  typingTimers: new Map(),
  readSent: new Map(),
};

// ---------------------------------------------------------------- HTTP

async function call(method, path, body, retry = true) {
  const headers = { "content-type": "application/json" };
  if (state.session) headers.authorization = `Bearer ${state.session.access_token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  if (res.status === 401 && retry && state.session?.refresh_token) {
    if (await refresh()) return call(method, path, body, false);
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(data?.message || res.statusText), { code: data?.code, status: res.status });
  return data;
}

async function refresh() {
  try {
    const res = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: state.session.refresh_token }),
    });
    if (!res.ok) throw new Error("refresh failed");
    saveSession(await res.json());
    return true;
  } catch {
    signOut();
    return false;
  }
}

function saveSession(session) {
  state.session = session;
  store.setItem("chitter.session", JSON.stringify(session));
}

// ------------------------------------------------------------- socket

async function connect() {
  if (!state.session) return;
  setStatus("connecting…");
  let ticket;
  try {
    ({ ticket } = await call("POST", "/api/auth/ticket"));
  } catch {
    return reconnectLater();
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`);
  state.socket = ws;
  ws.onopen = () => {
    state.backoff = 1000;
    setStatus("online");
    // Catch up on everything missed while away, then resend what was not
    // yet accepted: resends keep their ids, so nothing is stored twice.
    for (const id of state.conversations.keys()) resume(id);
    state.inFlight = null;
    pump();
  };
  ws.onmessage = (event) => {
    try {
      onFrame(JSON.parse(event.data));
    } catch (e) {
      console.warn("bad frame", e);
    }
  };
  ws.onclose = () => {
    if (state.socket === ws) {
      state.socket = null;
      setStatus("offline");
      reconnectLater();
    }
  };
}

function reconnectLater() {
  const delay = state.backoff * (0.5 + Math.random());
  state.backoff = Math.min(state.backoff * 2, 30000);
  setTimeout(connect, delay);
}

function send(frame) {
  if (state.socket?.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

// The newest sequence number this client has seen in a conversation: live
// messages raise it; for a conversation not opened yet it starts at the
// `last_seq` the list reported (its history loads on demand).
function lastSeq(conversationId) {
  return state.conversations.get(conversationId)?.seen ?? 0;
}

function resume(conversationId) {
  send({ action: "resume", id: `r-${Date.now()}`, conversation_id: conversationId, last_seq: lastSeq(conversationId) });
}

setInterval(() => send({ action: "ping" }), 4 * 60 * 1000);

// --------------------------------------------------------- frames in

function onFrame(f) {
  switch (f.type) {
    case "message":
      return addMessage(f);
    case "ack":
      return onAck(f);
    case "resumed":
      if (f.more) send({ action: "resume", conversation_id: f.conversation_id, last_seq: f.last_seq });
      return;
    case "typing":
      return showTyping(f);
    case "read":
      return onRead(f);
    case "presence": {
      const c = state.conversations.get(f.conversation_id);
      if (c) {
        c.online = f.online;
        renderList();
      }
      return;
    }
    case "error":
      return onError(f);
    case "pong":
      return;
    default:
      console.info("frame", f);
  }
}

function addMessage(m) {
  const conv = state.conversations.get(m.conversation_id);
  if (!conv) {
    // A conversation someone else just started with us.
    loadConversations();
    return;
  }
  let msgs = state.messages.get(m.conversation_id);
  if (!msgs) state.messages.set(m.conversation_id, (msgs = new Map()));
  const known = lastSeq(m.conversation_id);
  if (msgs.has(m.seq)) return; // already shown
  msgs.set(m.seq, m);
  conv.seen = Math.max(conv.seen ?? 0, m.seq);
  if (m.seq > known + 1) resume(m.conversation_id); // a gap: fill it
  conv.last_seq = Math.max(conv.last_seq, m.seq);
  conv.last_active = m.sent_at;
  if (m.conversation_id === state.active) {
    renderMessages();
    markRead();
  }
  renderList();
}

function onAck(a) {
  const item = state.outbox.find((o) => o.id === a.id);
  if (a.status === "accepted") {
    if (item) item.status = "accepted";
    if (state.inFlight === a.id) {
      state.inFlight = null;
      pump();
    }
  } else if (a.status === "persisted") {
    if (item) {
      state.outbox = state.outbox.filter((o) => o !== item);
      addMessage({
        conversation_id: a.conversation_id,
        seq: a.seq,
        message_id: a.message_id,
        sender_id: state.session.user.user_id,
        client_msg_id: a.id,
        text: item.text,
        sent_at: new Date().toISOString(),
      });
    }
    if (state.inFlight === a.id) {
      state.inFlight = null;
      pump();
    }
  }
  if (a.conversation_id === state.active) renderMessages();
}

function onError(e) {
  const item = e.id && state.outbox.find((o) => o.id === e.id);
  if (item) {
    item.status = "failed";
    item.error = e.message;
    if (state.inFlight === e.id) {
      state.inFlight = null;
      pump();
    }
    renderMessages();
  } else {
    console.warn(`server error ${e.code}: ${e.message}`);
  }
}

function onRead(r) {
  const c = state.conversations.get(r.conversation_id);
  if (c && r.user_id === state.session.user.user_id) {
    c.read_seq = Math.max(c.read_seq, r.seq);
    renderList();
  }
}

function showTyping(t) {
  if (t.conversation_id !== state.active) return;
  const c = state.conversations.get(t.conversation_id);
  const who = c?.members.find((m) => m.user_id === t.user_id);
  $("#typing").textContent = `${who?.display_name ?? "Someone"} is typing…`;
  clearTimeout(state.typingTimers.get(t.user_id));
  state.typingTimers.set(t.user_id, setTimeout(() => ($("#typing").textContent = ""), 4000));
}

// -------------------------------------------------------- frames out

// One send in flight at a time: the server may handle concurrent frames in
// any order, and a person's messages should arrive in the order typed.
function pump() {
  if (state.inFlight) return;
  const next = state.outbox.find((o) => o.status === "queued" || o.status === "sending");
  if (!next) return;
  if (send({ action: "send", id: next.id, conversation_id: next.conversation_id, text: next.text })) {
    next.status = "sending";
    state.inFlight = next.id;
  }
}

function queueMessage(text) {
  const id = `m-${crypto.randomUUID()}`;
  state.outbox.push({ id, conversation_id: state.active, text, status: "queued" });
  pump();
  renderMessages();
}

function markRead() {
  if (!state.active || document.hidden) return;
  const seq = lastSeq(state.active);
  const c = state.conversations.get(state.active);
  if (seq > (state.readSent.get(state.active) ?? 0) && seq > (c?.read_seq ?? 0)) {
    if (send({ action: "read", conversation_id: state.active, seq })) state.readSent.set(state.active, seq);
    if (c) c.read_seq = seq;
    renderList();
  }
}
document.addEventListener("visibilitychange", markRead);

// ----------------------------------------------------------- views

function setStatus(text) {
  const el = $("#status");
  el.textContent = text;
  el.classList.toggle("online", text === "online");
}

function titleOf(c) {
  if (c.kind === "group") return c.title;
  const other = c.members.find((m) => m.user_id !== state.session.user.user_id);
  return other ? `${other.display_name} (@${other.handle})` : "Direct";
}

function renderList() {
  const ul = $("#conversations");
  ul.replaceChildren();
  const list = [...state.conversations.values()].sort((a, b) => (b.last_active > a.last_active ? 1 : -1));
  for (const c of list) {
    const li = document.createElement("li");
    li.dataset.id = c.conversation_id;
    li.classList.toggle("active", c.conversation_id === state.active);
    const name = document.createElement("span");
    name.textContent = titleOf(c);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${c.online} online`;
    const unread = c.last_seq - c.read_seq;
    if (unread > 0 && c.conversation_id !== state.active) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = unread;
      meta.append(" ", badge);
    }
    li.append(name, meta);
    li.onclick = () => openConversation(c.conversation_id);
    ul.append(li);
  }
}

function renderMessages() {
  const ol = $("#messages");
  const atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 40;
  ol.replaceChildren();
  if (!state.active) return;
  const c = state.conversations.get(state.active);
  const me = state.session.user.user_id;
  const msgs = [...(state.messages.get(state.active)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  for (const m of msgs) {
    const li = document.createElement("li");
    li.className = m.sender_id === me ? "mine" : "";
    li.dataset.seq = m.seq;
    const who = document.createElement("span");
    who.className = "who";
    const sender = c?.members.find((x) => x.user_id === m.sender_id);
    who.textContent = `${sender?.display_name ?? "someone"} · ${new Date(m.sent_at).toLocaleTimeString()}`;
    li.append(who, document.createTextNode(m.text));
    if (m.sender_id === me) {
      const s = document.createElement("span");
      s.className = "state";
      s.textContent = "✓✓";
      li.append(s);
    }
    ol.append(li);
  }
  for (const o of state.outbox.filter((o) => o.conversation_id === state.active)) {
    const li = document.createElement("li");
    li.className = `mine pending ${o.status}`;
    li.append(document.createTextNode(o.text));
    const s = document.createElement("span");
    s.className = "state";
    s.textContent = o.status === "accepted" ? "✓" : o.status === "failed" ? `failed: ${o.error} (click to retry)` : "…";
    li.append(s);
    if (o.status === "failed") {
      li.onclick = () => {
        o.status = "queued";
        pump();
        renderMessages();
      };
    }
    ol.append(li);
  }
  if (atBottom) ol.scrollTop = ol.scrollHeight;
}

async function openConversation(id) {
  state.active = id;
  const c = state.conversations.get(id);
  $("#chat-header").textContent = titleOf(c);
  $("#composer").hidden = false;
  $("#typing").textContent = "";
  if (!c.historyLoaded) {
    c.historyLoaded = true;
    const page = await call("GET", `/api/conversations/${id}/messages?limit=50`);
    const msgs = state.messages.get(id) ?? new Map();
    for (const m of page.messages) msgs.set(m.seq, m);
    state.messages.set(id, msgs);
    c.seen = Math.max(c.seen ?? 0, ...msgs.keys());
    c.olderBefore = page.next_before ?? null;
  }
  renderList();
  renderMessages();
  const ol = $("#messages");
  ol.scrollTop = ol.scrollHeight;
  markRead();
}

async function loadOlder() {
  const c = state.conversations.get(state.active);
  if (!c?.olderBefore || c.loadingOlder) return;
  c.loadingOlder = true;
  try {
    const page = await call("GET", `/api/conversations/${c.conversation_id}/messages?limit=50&before=${c.olderBefore}`);
    const msgs = state.messages.get(c.conversation_id);
    for (const m of page.messages) msgs.set(m.seq, m);
    c.olderBefore = page.next_before ?? null;
    const ol = $("#messages");
    const fromBottom = ol.scrollHeight - ol.scrollTop;
    renderMessages();
    ol.scrollTop = ol.scrollHeight - fromBottom;
  } finally {
    c.loadingOlder = false;
  }
}

async function loadConversations() {
  const { conversations } = await call("GET", "/api/conversations");
  for (const c of conversations) {
    const old = state.conversations.get(c.conversation_id);
    if (old) Object.assign(old, c, { seen: old.seen });
    else {
      c.seen = c.last_seq;
      state.conversations.set(c.conversation_id, c);
    }
  }
  renderList();
}

// ------------------------------------------------------------ wiring

async function enter() {
  $("#auth").hidden = true;
  $("#app").hidden = false;
  $("#me").textContent = `@${state.session.user.handle}`;
  await loadConversations();
  connect();
}

function signOut() {
  if (state.session?.refresh_token) {
    fetch("/api/auth/signout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: state.session.refresh_token }),
    }).catch(() => {});
  }
  store.removeItem("chitter.session");
  location.reload();
}

$("#auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const mode = event.submitter?.value ?? "signin";
  try {
    const session = await call("POST", `/api/auth/${mode}`, {
      handle: form.get("handle"),
      password: form.get("password"),
    });
    saveSession(session);
    $("#auth-error").textContent = "";
    await enter();
  } catch (e) {
    $("#auth-error").textContent = e.message;
  }
});

$("#signout").onclick = signOut;

$("#new-direct").addEventListener("submit", async (event) => {
  event.preventDefault();
  const handle = event.target.handle.value.trim();
  try {
    const c = await call("POST", "/api/conversations", { kind: "direct", handle });
    event.target.reset();
    await loadConversations();
    openConversation(c.conversation_id);
  } catch (e) {
    alert(e.message);
  }
});

$("#new-group").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = event.target.title.value.trim();
  const handles = event.target.members.value.split(",").map((h) => h.trim()).filter(Boolean);
  try {
    const ids = [];
    for (const h of handles) ids.push((await call("GET", `/api/users/${encodeURIComponent(h)}`)).user_id);
    const c = await call("POST", "/api/conversations", { kind: "group", title, member_ids: ids });
    event.target.reset();
    await loadConversations();
    openConversation(c.conversation_id);
  } catch (e) {
    alert(e.message);
  }
});

$("#composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = event.target.text.value;
  if (!text.trim() || !state.active) return;
  queueMessage(text);
  event.target.reset();
});

$("#composer textarea").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("#composer").requestSubmit();
  }
});

$("#composer textarea").addEventListener("input", () => {
  if (state.active && Date.now() - state.typingSent > 3000) {
    state.typingSent = Date.now();
    send({ action: "typing", conversation_id: state.active });
  }
});

$("#messages").addEventListener("scroll", () => {
  if ($("#messages").scrollTop < 40) loadOlder();
});

if (state.session) enter().catch(() => signOut());
else $("#auth").hidden = false;
