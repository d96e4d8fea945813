import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/state/api";
import { Chat, type ChatOptions } from "../src/state/chat";
import type { Conversation, HistoryPage, Session } from "../src/state/types";
import { FakeSocket, ME, MemoryStorage, conversation, message, settle, theme } from "./helpers";

const SESSION: Session = {
  user: ME,
  access_token: "access",
  token_type: "Bearer",
  expires_in: 900,
  refresh_token: "refresh",
};

interface Server {
  conversations: Conversation[];
  history: Record<string, HistoryPage>;
}

function setup(server: Server, storage = new MemoryStorage(), extra: Partial<ChatOptions> = {}) {
  storage.setItem("chitter.session", JSON.stringify(SESSION));
  const fetcher = vi.fn((input: string) => {
    const path = input;
    const json = (body: unknown, status = 200) =>
      Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
    if (path === "/api/auth/ticket") return json({ ticket: "t-1", expires_in: 60 }, 201);
    if (path === "/api/conversations") return json({ conversations: server.conversations });
    const history = /^\/api\/conversations\/([^/]+)\/messages/.exec(path);
    if (history?.[1]) return json(server.history[history[1]] ?? { messages: [] });
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
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    ...extra,
  });
  return { chat, sockets, storage, fetcher };
}

async function connected(server: Server, storage?: MemoryStorage, extra?: Partial<ChatOptions>) {
  const env = setup(server, storage, extra);
  await env.chat.start();
  await settle();
  const socket = env.sockets.at(-1);
  if (!socket) throw new Error("no socket");
  socket.open();
  await settle();
  return { ...env, socket };
}

describe("chat", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("connects with a ticket and resumes every conversation from its last seq", async () => {
    const { socket } = await connected({
      conversations: [conversation("c1", { last_seq: 4 }), conversation("c2", { last_seq: 0 })],
      history: {},
    });
    expect(socket.url).toBe("ws://chitter.test/ws?ticket=t-1");
    expect(socket.frames("resume").map((f) => [f.conversation_id, f.last_seq])).toEqual([
      ["c1", 4],
      ["c2", 0],
    ]);
  });

  it("resumes after a reconnect from what arrived in between", async () => {
    const { chat, socket, sockets } = await connected({ conversations: [conversation("c1", { last_seq: 1 })], history: {} });
    socket.receive({ type: "message", ...message("c1", 2) });
    socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    const next = sockets[1];
    expect(next).toBeDefined();
    next?.open();
    expect(next?.frames("resume")).toEqual([expect.objectContaining({ conversation_id: "c1", last_seq: 2 })]);
    expect(chat.store.lastSeq("c1")).toBe(2);
  });

  it("asks for the missing messages when a gap shows, once, then follows `more`", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1", { last_seq: 3 })], history: {} });
    socket.sent.length = 0;
    socket.receive({ type: "resumed", conversation_id: "c1", last_seq: 3, more: false });
    socket.receive({ type: "message", ...message("c1", 6) });
    socket.receive({ type: "message", ...message("c1", 7) });
    expect(socket.frames("resume")).toEqual([expect.objectContaining({ conversation_id: "c1", last_seq: 3 })]);

    socket.receive({ type: "resumed", conversation_id: "c1", last_seq: 5, more: true });
    expect(socket.frames("resume").at(-1)).toMatchObject({ conversation_id: "c1", last_seq: 5 });
    socket.receive({ type: "message", ...message("c1", 4) });
    socket.receive({ type: "message", ...message("c1", 5) });
    expect(chat.store.lastSeq("c1")).toBe(7);
  });

  it("shows a message delivered twice once, and counts it once as unread", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1"), conversation("c2")], history: {} });
    socket.receive({ type: "message", ...message("c1", 1) });
    socket.receive({ type: "message", ...message("c1", 1) });
    expect(chat.store.messagesOf("c1")).toHaveLength(1);
    expect(chat.store.unread("c1", chat.active)).toBe(1);
  });

  it("sends with a client id, shows it stored on its persisted ack, and clears the outbox", async () => {
    const { chat, socket, storage } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("Hi Bob!");
    const [send] = socket.frames("send");
    expect(send).toMatchObject({ conversation_id: "c1", text: "Hi Bob!" });
    const id = send?.id ?? "";
    expect(storage.getItem(`chitter.outbox.${ME.user_id}`)).toContain(id);

    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "accepted" });
    expect(chat.outbox.get(id)?.status).toBe("accepted");
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "persisted", seq: 1 });
    expect(chat.outbox.all()).toHaveLength(0);
    expect(storage.getItem(`chitter.outbox.${ME.user_id}`)).toBeNull();
    expect(chat.store.messagesOf("c1")).toEqual([
      expect.objectContaining({ seq: 1, text: "Hi Bob!", sender_id: ME.user_id, client_msg_id: id }),
    ]);
  });

  it("shows my own message with the emoji its acks carry, predicting none", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("hi :party: :nope:");
    const id = socket.frames("send")[0]?.id ?? "";
    // The text goes as typed: the server resolves the names.
    expect(socket.frames("send")[0]?.text).toBe("hi :party: :nope:");
    expect(chat.outbox.get(id)?.emoji).toBeUndefined();
    const emoji = [{ shortcode: "party", emoji_id: "e1" }];
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "accepted", emoji });
    expect(chat.outbox.get(id)?.emoji).toEqual(emoji);
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "persisted", seq: 1, emoji });
    expect(chat.store.messagesOf("c1")[0]?.emoji).toEqual(emoji);
  });

  it("takes the persisted ack's emoji even when it comes first, and none when it has none", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage(":party:");
    const first = socket.frames("send")[0]?.id ?? "";
    const emoji = [{ shortcode: "party", emoji_id: "e1" }];
    socket.receive({ type: "ack", id: first, conversation_id: "c1", message_id: "m1", status: "persisted", seq: 1, emoji });
    expect(chat.store.messagesOf("c1")[0]?.emoji).toEqual(emoji);
    chat.sendMessage(":nope:");
    const second = socket.frames("send")[1]?.id ?? "";
    socket.receive({ type: "ack", id: second, conversation_id: "c1", message_id: "m2", status: "persisted", seq: 2 });
    expect(chat.store.messagesOf("c1")[1]).not.toHaveProperty("emoji");
  });

  it("sends one at a time, the next after the first is accepted", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    chat.sendMessage("two");
    expect(socket.frames("send").map((f) => f.text)).toEqual(["one"]);
    const first = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "ack", id: first, conversation_id: "c1", message_id: "m1", status: "accepted" });
    expect(socket.frames("send").map((f) => f.text)).toEqual(["one", "two"]);
  });

  it("resends unstored messages with their original ids after a reconnect", async () => {
    const { chat, socket, sockets } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "accepted" });
    socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    sockets[1]?.open();
    expect(sockets[1]?.frames("send")).toEqual([{ action: "send", id, conversation_id: "c1", text: "one" }]);
  });

  it("resends after a reload what the last page never got stored, with the same id", async () => {
    const storage = new MemoryStorage();
    const first = await connected({ conversations: [conversation("c1")], history: {} }, storage);
    await first.chat.open("c1");
    first.chat.sendMessage("typed before the reload");
    const id = first.socket.frames("send")[0]?.id ?? "";
    first.chat.stop();

    const second = await connected({ conversations: [conversation("c1")], history: {} }, storage);
    expect(second.socket.frames("send")).toEqual([
      { action: "send", id, conversation_id: "c1", text: "typed before the reload" },
    ]);
  });

  it("drops an outbox entry when its message comes back through resume", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "message", ...message("c1", 1, { sender_id: ME.user_id, client_msg_id: id, text: "one" }) });
    expect(chat.outbox.all()).toHaveLength(0);
    expect(chat.store.messagesOf("c1").map((m) => m.text)).toEqual(["one"]);
  });

  it("marks a refused send failed and sends it again on retry with the same id", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "unavailable", message: "try again" });
    expect(chat.outbox.get(id)).toMatchObject({ status: "failed", error: "try again" });
    chat.retry(id);
    expect(socket.frames("send").map((f) => f.id)).toEqual([id, id]);
  });

  it("marks the open conversation read and clears its unread count", async () => {
    const { chat, socket } = await connected(
      {
        conversations: [conversation("c1", { last_seq: 2, read_seq: 0 })],
        history: { c1: { messages: [message("c1", 2), message("c1", 1)] } },
      },
      undefined,
    );
    expect(chat.store.unread("c1", null)).toBe(2);
    await chat.open("c1");
    expect(socket.frames("read")).toEqual([{ action: "read", conversation_id: "c1", seq: 2 }]);
    expect(chat.store.get("c1")?.read_seq).toBe(2);
    chat.close();
    expect(chat.store.unread("c1", chat.active)).toBe(0);

    socket.receive({ type: "message", ...message("c1", 3) });
    expect(chat.store.unread("c1", chat.active)).toBe(1);
  });

  it("loads the list again for a message in a conversation it has not seen", async () => {
    const server: Server = { conversations: [], history: {} };
    const { chat, socket, fetcher } = await connected(server);
    const before = fetcher.mock.calls.filter(([u]) => u === "/api/conversations").length;
    server.conversations = [conversation("c-new", { last_seq: 1 })];
    socket.receive({ type: "message", ...message("c-new", 1) });
    await settle();
    expect(fetcher.mock.calls.filter(([u]) => u === "/api/conversations").length).toBe(before + 1);
    expect(chat.store.get("c-new")).toBeDefined();
    expect(chat.store.unread("c-new", null)).toBe(1);
  });

  it("keeps a new conversation's messages that arrive while its list is loading", async () => {
    const server: Server = { conversations: [], history: {} };
    const { chat, socket } = await connected(server);
    // The list is read after message 1 and before message 2 is stored.
    server.conversations = [conversation("c-new", { last_seq: 1 })];
    socket.receive({ type: "message", ...message("c-new", 1) });
    socket.receive({ type: "message", ...message("c-new", 2) });
    await settle();
    expect(chat.store.messagesOf("c-new").map((m) => m.seq)).toEqual([1, 2]);
    expect(chat.store.lastSeq("c-new")).toBe(2);
    expect(chat.store.unread("c-new", null)).toBe(2);
  });

  it("shows who is typing for a few seconds", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    socket.receive({ type: "typing", conversation_id: "c1", user_id: "u-bob" });
    expect(chat.typingIn("c1")).toEqual(["u-bob"]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(chat.typingIn("c1")).toEqual([]);
  });
});

describe("theme frames", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands a conversation's theme change to its listener, and says when a new connection opens", async () => {
    const onTheme = vi.fn();
    const onConnected = vi.fn();
    const { socket, sockets } = await connected({ conversations: [conversation("c1")], history: {} }, undefined, { onTheme, onConnected });
    expect(onConnected).toHaveBeenCalledTimes(1);
    const frame = { type: "theme", conversation_id: "c1", set_by: "u-bob", theme: theme("t1") } as const;
    socket.receive(frame);
    socket.receive({ type: "theme", conversation_id: "c1", set_by: "u-bob" });
    expect(onTheme.mock.calls.map(([f]) => (f as { theme?: unknown }).theme)).toEqual([theme("t1"), undefined]);
    socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    sockets[1]?.open();
    expect(onConnected).toHaveBeenCalledTimes(2);
  });
});
