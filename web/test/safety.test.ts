// Delivered and seen, "New messages", blocks and withheld messages, admins,
// and disappearing messages, through the Chat with a fake server and socket.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/state/api";
import { Chat } from "../src/state/chat";
import { retentionNoticeText } from "../src/state/format";
import { ChatStore, isWithheld } from "../src/state/store";
import type { Conversation, HistoryPage, Message, Profile, Session } from "../src/state/types";
import { BOB, FakeSocket, ME, MemoryStorage, conversation, message, settle } from "./helpers";

const SESSION: Session = { user: ME, access_token: "access", token_type: "Bearer", expires_in: 900, refresh_token: "refresh" };
const CY = { user_id: "u-cy", handle: "cy", display_name: "Cy" };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);

interface Server {
  conversations: Conversation[];
  /** Every entry of a conversation, oldest first; history pages are cut from it. */
  logs: Record<string, Message[]>;
  blocked: Profile[];
  requests: string[];
}

/** A page of history as the server cuts it: newest first, `limit` of them, before `before`. */
function page(log: Message[], before: number | undefined, limit: number): HistoryPage {
  const older = log.filter((m) => before === undefined || m.seq < before).sort((a, b) => b.seq - a.seq);
  const messages = older.slice(0, limit);
  const oldest = messages.at(-1);
  return { messages, ...(older.length > limit && oldest ? { next_before: oldest.seq } : {}) };
}

async function connected(server: Server) {
  const storage = new MemoryStorage();
  storage.setItem("chitter.session", JSON.stringify(SESSION));
  const fetcher = vi.fn((input: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const url = new URL(input, "http://chitter.test");
    const path = url.pathname;
    server.requests.push(`${method} ${path}${url.search}`);
    const json = (body: unknown, status = 200) =>
      Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
    const body = init?.body ? (JSON.parse(init.body as string) as Record<string, unknown>) : {};
    if (path === "/api/auth/ticket") return json({ ticket: "t-1", expires_in: 60 }, 201);
    if (path === "/api/conversations") return json({ conversations: server.conversations });
    if (path === "/api/blocks") return json({ blocked: server.blocked });
    const block = /^\/api\/blocks\/(.+)$/.exec(path);
    if (block?.[1]) {
      const id = block[1];
      if (method === "PUT") server.blocked.push({ user_id: id, handle: id, display_name: id });
      else server.blocked = server.blocked.filter((p) => p.user_id !== id);
      return json(null, 204);
    }
    const history = /^\/api\/conversations\/([^/]+)\/messages$/.exec(path);
    if (history?.[1]) {
      const before = url.searchParams.get("before");
      return json(page(server.logs[history[1]] ?? [], before === null ? undefined : Number(before), Number(url.searchParams.get("limit") ?? 50)));
    }
    const retention = /^\/api\/conversations\/([^/]+)\/retention$/.exec(path);
    if (retention?.[1]) {
      const c = server.conversations.find((x) => x.conversation_id === retention[1]);
      if (!c) return json({ code: "not_found", message: "no" }, 404);
      if (c.kind === "group" && c.role !== "admin") return json({ code: "forbidden", message: "only a group admin may do that" }, 403);
      const days = body.days as 1 | 7 | 30 | null;
      if (days === null) delete c.retention_days;
      else c.retention_days = days;
      return json(c);
    }
    const role = /^\/api\/conversations\/([^/]+)\/members\/([^/]+)$/.exec(path);
    if (role?.[1] && method === "PATCH") {
      const c = server.conversations.find((x) => x.conversation_id === role[1]);
      const member = c?.members.find((m) => m.user_id === role[2]);
      if (!c || !member) return json({ code: "not_found", message: "no" }, 404);
      if (body.role === "member" && c.members.filter((m) => m.role === "admin").length <= 1) {
        return json({ code: "conflict", message: "a group keeps at least one admin" }, 409);
      }
      member.role = body.role as "admin" | "member";
      return json(c);
    }
    const one = /^\/api\/conversations\/([^/]+)$/.exec(path);
    if (one?.[1]) return json(server.conversations.find((x) => x.conversation_id === one[1]));
    return json({ code: "not_found", message: "no route" }, 404);
  });
  const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });
  const sockets: FakeSocket[] = [];
  const chat = new Chat({
    api,
    me: ME,
    wsUrl: "ws://chitter.test/ws",
    storage,
    isVisible: () => true,
    random: () => 0.5,
    now: () => Date.now(),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
  });
  await chat.start();
  await settle();
  const socket = sockets.at(-1);
  if (!socket) throw new Error("no socket");
  socket.open();
  await settle();
  let changes = 0;
  chat.subscribe(() => {
    changes += 1;
  });
  return { chat, socket, changes: () => changes };
}

function server(patch: Partial<Server> = {}): Server {
  return { conversations: [], logs: {}, blocked: [], requests: [], ...patch };
}

/** Sends a message and has the server store it at `seq`; returns its client id. */
function sendStored(chat: Chat, socket: FakeSocket, text: string, seq: number): string {
  chat.sendMessage(text);
  const id = socket.frames("send").at(-1)?.id ?? "";
  socket.receive({ type: "ack", id, conversation_id: chat.active ?? "", message_id: `m${String(seq)}`, status: "accepted" });
  socket.receive({ type: "ack", id, conversation_id: chat.active ?? "", message_id: `m${String(seq)}`, status: "persisted", seq });
  return id;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("delivered and seen", () => {
  it("shows my message sent once stored, delivered on its ack, seen when Bob's read position reaches it", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1")] }));
    await chat.open("c1");
    sendStored(chat, socket, "Hi", 1);
    const c = chat.store.get("c1");
    if (!c) throw new Error("no conversation");
    const m = () => chat.store.message("c1", 1) ?? message("c1", 0);
    expect(chat.receipt(c, m()).status).toBe("sent");
    socket.receive({ type: "ack", id: "x", conversation_id: "c1", message_id: "m1", status: "delivered", seq: 1 });
    expect(chat.receipt(c, m()).status).toBe("delivered");
    socket.receive({ type: "read", conversation_id: "c1", user_id: BOB.user_id, seq: 1 });
    expect(chat.receipt(c, m())).toMatchObject({ status: "seen", seenBy: [expect.objectContaining({ handle: "bob" })] });
  });

  it("takes a delivered ack that overtook the persisted one as storing the message", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1")] }));
    await chat.open("c1");
    chat.sendMessage("Hi");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "delivered", seq: 1 });
    expect(chat.outbox.all()).toHaveLength(0);
    const c = chat.store.get("c1");
    const m = chat.store.message("c1", 1);
    expect(m).toMatchObject({ text: "Hi", sender_id: ME.user_id });
    if (c && m) expect(chat.receipt(c, m).status).toBe("delivered");
  });

  it("in a group, shows seen when one other member read it", async () => {
    const g = conversation("g1", { kind: "group", members: [ME, BOB, CY] });
    const { chat, socket } = await connected(server({ conversations: [g] }));
    await chat.open("g1");
    sendStored(chat, socket, "Hi all", 1);
    socket.receive({ type: "read", conversation_id: "g1", user_id: CY.user_id, seq: 1 });
    const c = chat.store.get("g1");
    const m = chat.store.message("g1", 1);
    if (!c || !m) throw new Error("missing");
    expect(chat.receipt(c, m)).toMatchObject({ status: "seen", seenBy: [expect.objectContaining({ handle: "cy" })] });
  });
});

describe("new messages", () => {
  it("opens where my read position was: the first message from someone else after it", async () => {
    const log = [
      message("c1", 1),
      message("c1", 2, { sender_id: ME.user_id }),
      message("c1", 3, { sender_id: ME.user_id }),
      message("c1", 4),
      message("c1", 5),
    ];
    const { chat, socket } = await connected(
      server({ conversations: [conversation("c1", { last_seq: 5, read_seq: 2, unread: 2 })], logs: { c1: log } }),
    );
    expect(chat.store.unread("c1", null)).toBe(2);
    const opening = chat.open("c1");
    expect(chat.openView).toMatchObject({ id: "c1", readAt: 2, loading: true });
    await opening;
    expect(chat.openView?.loading).toBe(false);
    expect(chat.firstUnseen("c1")).toBe(4);
    // Reading moves my position, not the line.
    expect(socket.frames("read").at(-1)).toMatchObject({ seq: 5 });
    socket.receive({ type: "message", ...message("c1", 6) });
    expect(chat.firstUnseen("c1")).toBe(4);
    // Opened again later: nothing new, no line.
    chat.close();
    expect(chat.firstUnseen("c1")).toBeUndefined();
    await chat.open("c1");
    expect(chat.firstUnseen("c1")).toBeUndefined();
  });

  it("marks nothing new that came while the conversation was on screen", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1", { last_seq: 0 })] }));
    await chat.open("c1");
    socket.receive({ type: "message", ...message("c1", 1) });
    expect(chat.store.messagesOf("c1")).toHaveLength(1);
    expect(chat.firstUnseen("c1")).toBeUndefined();
  });

  it("reads older pages until the first unseen message is there, a few at most", async () => {
    const log = Array.from({ length: 130 }, (_, i) => message("c1", i + 1));
    const srv = server({ conversations: [conversation("c1", { last_seq: 130, read_seq: 60, unread: 70 })], logs: { c1: log } });
    const { chat } = await connected(srv);
    await chat.open("c1");
    expect(srv.requests.filter((r) => r.includes("/messages"))).toEqual([
      "GET /api/conversations/c1/messages?limit=50",
      "GET /api/conversations/c1/messages?limit=50&before=81",
    ]);
    expect(chat.firstUnseen("c1")).toBe(61);
  });

  it("needs no older page when nothing is unread", async () => {
    const log = Array.from({ length: 80 }, (_, i) => message("c1", i + 1));
    const srv = server({ conversations: [conversation("c1", { last_seq: 80, read_seq: 80, unread: 0 })], logs: { c1: log } });
    const { chat } = await connected(srv);
    await chat.open("c1");
    expect(srv.requests.filter((r) => r.includes("/messages"))).toHaveLength(1);
    expect(chat.firstUnseen("c1")).toBeUndefined();
  });
});

describe("blocks", () => {
  const group = () => conversation("g1", { kind: "group", members: [ME, BOB, CY], last_seq: 0 });

  it("reads who I block on connecting", async () => {
    const { chat } = await connected(server({ blocked: [BOB] }));
    expect(chat.blocksLoaded).toBe(true);
    expect(chat.isBlocked(BOB.user_id)).toBe(true);
  });

  it("shows a withheld entry, or one from someone I block, as from a blocked user; never my own", () => {
    const blocked = new Set([BOB.user_id]);
    const none = new Set<string>();
    expect(isWithheld(message("g1", 1, { withheld: true, text: "" }), none, ME.user_id)).toBe(true);
    expect(isWithheld(message("g1", 1), blocked, ME.user_id)).toBe(true);
    expect(isWithheld(message("g1", 1, { sender_id: CY.user_id }), blocked, ME.user_id)).toBe(false);
    expect(isWithheld(message("g1", 1, { sender_id: ME.user_id }), new Set([ME.user_id]), ME.user_id)).toBe(false);
  });

  it("blocking hides what is already here from them at once, and says so in the direct chat", async () => {
    const direct = conversation("c1");
    const { chat, socket } = await connected(server({ conversations: [direct, group()] }));
    socket.receive({ type: "message", ...message("g1", 1, { text: "hello" }) });
    const held = chat.store.message("g1", 1);
    if (!held) throw new Error("missing");
    expect(chat.withheld(held)).toBe(false);
    await chat.block(BOB);
    expect(chat.withheld(held)).toBe(true);
    expect(chat.blockState(direct)).toEqual({ kind: "blocked", other: BOB });
    expect(chat.blockState(group())).toBeNull();
    // Nothing can be sent there meanwhile.
    await chat.open("c1");
    expect(chat.sendMessage("still there?")).toBe(false);
  });

  it("a send refused as forbidden in a direct chat says I can't message them; trying again sends it again", async () => {
    const direct = conversation("c1");
    const { chat, socket } = await connected(server({ conversations: [direct] }));
    await chat.open("c1");
    chat.sendMessage("Are you there?");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "forbidden", message: "one of you blocks the other" });
    expect(chat.blockState(direct)).toEqual({ kind: "refused", other: BOB });
    expect(chat.outbox.get(id)).toMatchObject({ status: "failed" });
    chat.tryAgain("c1");
    expect(chat.blockState(direct)).toBeNull();
    expect(socket.frames("send").map((f) => f.id)).toEqual([id, id]);
  });

  it("a forbidden edit, or any refusal in a group, is no block", async () => {
    const { chat, socket } = await connected(server({ conversations: [group()] }));
    await chat.open("g1");
    chat.sendMessage("hi");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "forbidden", message: "no" });
    expect(chat.blockState(group())).toBeNull();
    const c = chat.store.get("g1");
    if (c) expect(chat.blockState(c)).toBeNull();
  });

  it("unblocking reads again the conversations that hold their withheld messages, to show them", async () => {
    const withheld = message("g1", 1, { withheld: true, text: "" });
    delete (withheld as Partial<Message>).text;
    const srv = server({ conversations: [conversation("c1"), group()], logs: { g1: [withheld] }, blocked: [BOB] });
    const { chat } = await connected(srv);
    await chat.open("g1");
    expect(chat.store.message("g1", 1)).toMatchObject({ withheld: true, text: "" });
    const direct = chat.store.get("c1");
    if (direct) expect(chat.blockState(direct)?.kind).toBe("blocked");

    srv.logs.g1 = [message("g1", 1, { text: "hello again" })];
    await chat.unblock(BOB.user_id);
    await settle();
    expect(srv.requests).toContain(`DELETE /api/blocks/${BOB.user_id}`);
    expect(chat.isBlocked(BOB.user_id)).toBe(false);
    expect(chat.store.message("g1", 1)).toMatchObject({ text: "hello again" });
    expect(chat.store.message("g1", 1)?.withheld).toBeUndefined();
    if (direct) expect(chat.blockState(direct)).toBeNull();
    // A conversation holding nothing of theirs withheld is not read again.
    expect(srv.requests.filter((r) => r.startsWith("GET /api/conversations/c1/messages"))).toHaveLength(0);
  });
});

describe("group admins", () => {
  it("promotes and demotes, taking the roles the server answers with, and says why the last admin stays", async () => {
    const g = conversation("g1", {
      kind: "group",
      role: "admin",
      members: [
        { ...ME, role: "admin" },
        { ...BOB, role: "member" },
      ],
    });
    const { chat } = await connected(server({ conversations: [g] }));
    await chat.setRole("g1", BOB.user_id, "admin");
    expect(chat.store.get("g1")?.members.find((m) => m.user_id === BOB.user_id)?.role).toBe("admin");
    await chat.setRole("g1", BOB.user_id, "member");
    await expect(chat.setRole("g1", ME.user_id, "member")).rejects.toMatchObject({ status: 409 });
  });
});

describe("disappearing messages", () => {
  it("takes a retention frame: the setting, a line after the newest entry, and when held messages now go", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1", { last_seq: 0 })] }));
    socket.receive({ type: "message", ...message("c1", 1, { sent_at: new Date(T0 - 2 * DAY).toISOString() }) });
    socket.receive({ type: "message", ...message("c1", 2, { sent_at: new Date(T0 - 1000).toISOString() }) });
    socket.receive({ type: "retention", conversation_id: "c1", days: 7, set_by: BOB.user_id });
    const c = chat.store.get("c1");
    expect(c?.retention_days).toBe(7);
    expect(chat.store.message("c1", 2)?.expires_at).toBe(new Date(T0 - 1000 + 7 * DAY).toISOString());
    const [notice] = chat.store.noticesOf("c1");
    expect(notice).toMatchObject({ kind: "retention", after: 2, days: 7, set_by: BOB.user_id });
    if (c && notice) expect(retentionNoticeText(c, notice.set_by, notice.days, ME.user_id)).toBe("@bob set messages to disappear after 7 days");

    // A day: the first message is already past it and goes at once.
    socket.receive({ type: "retention", conversation_id: "c1", set_by: ME.user_id, days: 1 });
    expect(chat.store.messagesOf("c1").map((m) => m.seq)).toEqual([2]);

    // Off: nothing expires any more.
    socket.receive({ type: "retention", conversation_id: "c1", set_by: ME.user_id });
    expect(chat.store.get("c1")?.retention_days).toBeUndefined();
    expect(chat.store.message("c1", 2)?.expires_at).toBeUndefined();
    const texts = chat.store.noticesOf("c1").map((n) => (c ? retentionNoticeText(c, n.set_by, n.days, ME.user_id) : ""));
    expect(texts.slice(1)).toEqual(["You set messages to disappear after 1 day", "You turned off disappearing messages"]);
  });

  it("lets a message go when its time comes, with one timer and no polling", async () => {
    const { chat, socket, changes } = await connected(server({ conversations: [conversation("c1", { last_seq: 0 })] }));
    socket.receive({ type: "message", ...message("c1", 1, { expires_at: new Date(T0 + 60_000).toISOString() }) });
    socket.receive({ type: "message", ...message("c1", 2, { expires_at: new Date(T0 + 120_000).toISOString() }) });
    socket.receive({ type: "message", ...message("c1", 3) });
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const before = changes();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(chat.store.messagesOf("c1").map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(changes()).toBe(before);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(chat.store.messagesOf("c1").map((m) => m.seq)).toEqual([2, 3]);
    expect(changes()).toBeGreaterThan(before);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(chat.store.messagesOf("c1").map((m) => m.seq)).toEqual([3]);
    expect(chat.store.latest("c1")?.seq).toBe(3);
  });

  it("does not show a message past its time even before the timer runs", () => {
    let now = T0;
    const s = new ChatStore(ME.user_id, () => now);
    s.applyList([conversation("c1")]);
    s.addMessage(message("c1", 1, { expires_at: new Date(T0 + 1000).toISOString() }));
    expect(s.messagesOf("c1")).toHaveLength(1);
    now = T0 + 1000;
    expect(s.messagesOf("c1")).toHaveLength(0);
    expect(s.latest("c1")).toBeUndefined();
    expect(s.nextExpiry(T0)).toBe(T0 + 1000);
    expect(s.dropExpired()).toBe(true);
    expect(s.nextExpiry()).toBeNull();
  });

  it("gives my own message the conversation's expiry (acks carry none)", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1", { retention_days: 1 })] }));
    await chat.open("c1");
    sendStored(chat, socket, "poof", 1);
    expect(chat.store.message("c1", 1)?.expires_at).toBe(new Date(T0 + DAY).toISOString());
  });

  it("sets retention through the API and takes the answer; a group's members who are not admins are refused", async () => {
    const g = conversation("g1", { kind: "group", role: "member" });
    const { chat } = await connected(server({ conversations: [conversation("c1"), g] }));
    await chat.setRetention("c1", 30);
    expect(chat.store.get("c1")?.retention_days).toBe(30);
    await chat.setRetention("c1", null);
    expect(chat.store.get("c1")?.retention_days).toBeUndefined();
    await expect(chat.setRetention("g1", 7)).rejects.toMatchObject({ status: 403 });
  });

  it("does not ask again for numbers retention removed: resumed says everything up to there came", async () => {
    const { chat, socket } = await connected(server({ conversations: [conversation("c1", { last_seq: 2 })] }));
    socket.receive({ type: "resumed", conversation_id: "c1", last_seq: 2, more: false });
    socket.sent.length = 0;
    // 3 and 4 expired: the resume brings 5 and says it is done up to 5.
    socket.receive({ type: "message", ...message("c1", 5) });
    expect(socket.frames("resume")).toHaveLength(1);
    socket.receive({ type: "resumed", conversation_id: "c1", last_seq: 5, more: false });
    expect(chat.store.lastSeq("c1")).toBe(5);
    socket.receive({ type: "message", ...message("c1", 6) });
    expect(socket.frames("resume")).toHaveLength(1);
  });
});
