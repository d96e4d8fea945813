import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/state/api";
import { Chat, type ChatOptions } from "../src/state/chat";
import { RESUME_TIMEOUT_MS } from "../src/state/resumes";
import type { Conversation, HistoryPage, Session } from "../src/state/types";
import { BOB, FakeSocket, ME, MemoryStorage, conversation, fakeUploads, message, pngFile, settle, textFile, theme } from "./helpers";

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

  it("asks again for a resume answered by an error, after a wait, and sooner if a gap shows", async () => {
    const { socket } = await connected({ conversations: [conversation("c1", { last_seq: 3 })], history: {} });
    const [first] = socket.frames("resume");
    socket.sent.length = 0;
    // A push of the page failed: nothing after seq 3 came.
    socket.receive({ type: "error", id: first?.id, code: "internal", message: "try again" });
    await vi.advanceTimersByTimeAsync(900);
    expect(socket.frames("resume")).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.frames("resume")).toEqual([expect.objectContaining({ conversation_id: "c1", last_seq: 3 })]);

    // Failing again: the wait doubles, unless a message shows the gap first.
    socket.receive({ type: "error", id: socket.frames("resume")[0]?.id, code: "internal", message: "try again" });
    socket.sent.length = 0;
    socket.receive({ type: "message", ...message("c1", 6) });
    expect(socket.frames("resume")).toEqual([expect.objectContaining({ conversation_id: "c1", last_seq: 3 })]);
    // That resume stands in for the retry: no second one comes.
    await vi.advanceTimersByTimeAsync(2500);
    expect(socket.frames("resume")).toHaveLength(1);
  });

  it("asks again for a resume whose answer never comes", async () => {
    const { socket } = await connected({ conversations: [conversation("c1", { last_seq: 3 })], history: {} });
    const [first] = socket.frames("resume");
    socket.sent.length = 0;
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS - 1);
    expect(socket.frames("resume")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.frames("resume")).toEqual([expect.objectContaining({ conversation_id: "c1", last_seq: 3 })]);
    // The first request's answer comes late, with more to come: the second request is the one to follow.
    const [late, current] = [first, socket.frames("resume")[0]];
    socket.receive({ type: "resumed", id: late?.id, conversation_id: "c1", last_seq: 3, more: true });
    expect(socket.frames("resume")).toHaveLength(1);
    // Answered: nothing more is asked.
    socket.receive({ type: "resumed", id: current?.id, conversation_id: "c1", last_seq: 3, more: false });
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS * 2);
    expect(socket.frames("resume")).toHaveLength(1);
  });

  it("lets a resume go that is refused, not failed", async () => {
    const { socket } = await connected({ conversations: [conversation("c1", { last_seq: 3 })], history: {} });
    const [first] = socket.frames("resume");
    expect(first?.id).toBeDefined();
    socket.sent.length = 0;
    // Removed from the room while away: the resume is refused, and asking again would be refused too.
    socket.receive({ type: "error", id: first?.id, code: "not_a_member", message: "not a member" });
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS * 4);
    expect(socket.frames("resume")).toEqual([]);
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

  it("keeps a send refused as rate_limited pending, and sends it again with the same id after the wait", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    chat.sendMessage("two");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "rate_limited", message: "too many sends; try again in 4 s", retry_after: 4 });
    expect(chat.outbox.get(id)).toMatchObject({ status: "queued" });
    expect(chat.sendWait()).toBe(4);
    // Nothing overtakes it while it waits.
    chat.sendMessage("three");
    await vi.advanceTimersByTimeAsync(3999);
    expect(socket.frames("send").map((f) => f.id)).toEqual([id]);
    expect(chat.sendWait()).toBe(1);

    await vi.advanceTimersByTimeAsync(1);
    expect(chat.sendWait()).toBeNull();
    expect(socket.frames("send").map((f) => f.id)).toEqual([id, id]);
    expect(chat.outbox.get(id)).toMatchObject({ status: "sending" });
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "accepted" });
    expect(socket.frames("send").map((f) => f.text)).toEqual(["one", "one", "two"]);
  });

  it("takes the wait from the message when retry_after is missing, and waits at least a second", async () => {
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "rate_limited", message: "too many sends; try again in 2 s" });
    expect(chat.sendWait()).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(socket.frames("send").map((f) => f.id)).toEqual([id, id]);

    socket.receive({ type: "error", id, code: "rate_limited", message: "slow down", retry_after: 0 });
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.frames("send")).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.frames("send").map((f) => f.id)).toEqual([id, id, id]);
  });

  it("keeps waiting across a reconnect, then sends the held message once", async () => {
    const { chat, socket, sockets } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.sendMessage("one");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "rate_limited", message: "too many sends; try again in 5 s", retry_after: 5 });
    socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    sockets[1]?.open();
    expect(sockets[1]?.frames("send")).toEqual([]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(sockets[1]?.frames("send").map((f) => f.id)).toEqual([id]);
  });

  it("says nothing when typing notices are over the limit", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { chat, socket } = await connected({ conversations: [conversation("c1")], history: {} });
    await chat.open("c1");
    chat.notifyTyping();
    socket.receive({ type: "error", code: "rate_limited", message: "too many typing notices; try again in 3 s", retry_after: 3 });
    expect(warn).not.toHaveBeenCalled();
    expect(chat.sendWait()).toBeNull();
    expect(chat.voteRefusal).toBeNull();
    warn.mockRestore();
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

describe("editing, deleting and voting", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A group with my message at 1 and Bob's at 2, opened. */
  async function group(role: "admin" | "member" = "member", storage?: MemoryStorage) {
    const env = await connected(
      {
        conversations: [conversation("c1", { kind: "group", title: "Group", role, last_seq: 2, read_seq: 2 })],
        history: {
          c1: { messages: [message("c1", 2, { text: "bob's" }), message("c1", 1, { sender_id: ME.user_id, text: "mine", client_msg_id: "m-old" })] },
        },
      },
      storage,
    );
    await env.chat.open("c1");
    env.socket.sent.length = 0;
    return env;
  }

  const ack = (id: string, status: "accepted" | "persisted", seq?: number) =>
    ({ type: "ack", id, conversation_id: "c1", message_id: `mid-${id}`, status, ...(seq === undefined ? {} : { seq }) }) as const;

  /** The frames that go through the outbox, in the order sent. */
  const queued = (socket: FakeSocket) =>
    socket.sent.flatMap((f) => (f.action === "send" || f.action === "edit" || f.action === "delete" ? [f] : []));

  it("keeps send, edit and delete in one queue: each waits for the one before to be accepted", async () => {
    const { chat, socket } = await group();
    chat.sendMessage("two");
    expect(chat.editMessage("c1", 1, "mine, edited")).toBe(true);
    expect(chat.deleteMessage("c1", 1)).toBe(true);
    expect(queued(socket).map((f) => f.action)).toEqual(["send"]);

    socket.receive(ack(queued(socket)[0]?.id ?? "", "accepted"));
    expect(queued(socket).map((f) => f.action)).toEqual(["send", "edit"]);
    const editFrame = queued(socket)[1];
    expect(editFrame).toEqual({ action: "edit", id: expect.stringMatching(/^e-/) as string, conversation_id: "c1", seq: 1, text: "mine, edited" });

    socket.receive(ack(editFrame?.id ?? "", "accepted"));
    expect(queued(socket)[2]).toEqual({ action: "delete", id: expect.stringMatching(/^d-/) as string, conversation_id: "c1", seq: 1 });
  });

  it("shows an edit at once as pending, then as stored on its persisted ack", async () => {
    const { chat, socket } = await group();
    chat.editMessage("c1", 1, "mine, edited");
    const id = socket.frames("edit")[0]?.id ?? "";
    const m = chat.store.message("c1", 1);
    if (!m) throw new Error("no message");
    expect(chat.shownText("c1", m)).toBe("mine, edited");
    expect(chat.pendingChange("c1", 1).pending?.id).toBe(id);
    expect(chat.store.message("c1", 1)?.text).toBe("mine");

    socket.receive(ack(id, "accepted"));
    socket.receive(ack(id, "persisted", 3));
    expect(chat.outbox.all()).toHaveLength(0);
    expect(chat.store.message("c1", 1)).toMatchObject({ text: "mine, edited", edited_at: expect.any(String) as string });
    // The edit's own entry: no bubble, but the read position moves past it.
    expect(chat.store.messagesOf("c1").map((x) => x.seq)).toEqual([1, 2]);
    expect(chat.store.lastSeq("c1")).toBe(3);
    expect(socket.frames("read").at(-1)).toEqual({ action: "read", conversation_id: "c1", seq: 3 });
  });

  it("puts the old text back when an edit is refused, says why, and retries with the same id", async () => {
    const { chat, socket } = await group();
    chat.editMessage("c1", 1, "mine, edited");
    const id = socket.frames("edit")[0]?.id ?? "";
    // Refused after it was accepted (the message was deleted meanwhile).
    socket.receive(ack(id, "accepted"));
    socket.receive({ type: "error", id, code: "not_found", message: "no such message, or it was deleted" });
    const m = chat.store.message("c1", 1);
    if (!m) throw new Error("no message");
    expect(chat.shownText("c1", m)).toBe("mine");
    expect(chat.pendingChange("c1", 1)).toEqual({
      pending: undefined,
      failed: [expect.objectContaining({ id, status: "failed", error: "no such message, or it was deleted" })],
    });

    chat.retry(id);
    expect(socket.frames("edit").map((f) => f.id)).toEqual([id, id]);
    socket.receive({ type: "error", id, code: "forbidden", message: "only the author may do that" });
    chat.discard(id);
    expect(chat.pendingChange("c1", 1)).toEqual({ pending: undefined, failed: [] });
  });

  it("lets the queue go on after a refused edit", async () => {
    const { chat, socket } = await group();
    chat.editMessage("c1", 1, "too long");
    chat.sendMessage("next");
    const id = socket.frames("edit")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "text_too_long", message: "text is over 4000 characters" });
    expect(socket.frames("send").map((f) => f.text)).toEqual(["next"]);
  });

  it("deletes my message: a tombstone on the persisted ack", async () => {
    const { chat, socket } = await group();
    expect(chat.deleteMessage("c1", 1)).toBe(true);
    // Asked once: a second delete while the first is on its way is not queued.
    expect(chat.deleteMessage("c1", 1)).toBe(false);
    const id = socket.frames("delete")[0]?.id ?? "";
    expect(chat.pendingChange("c1", 1).pending?.kind).toBe("delete");
    socket.receive(ack(id, "persisted", 3));
    expect(chat.store.message("c1", 1)).toMatchObject({ text: "", deleted_by: ME.user_id });
    expect(chat.store.message("c1", 1)).not.toHaveProperty("emoji");
    expect(chat.canEdit(chat.store.message("c1", 1) ?? message("c1", 0))).toBe(false);
  });

  it("lets a group admin delete anyone's message, a member only their own, and nobody edit others'", async () => {
    const member = await group("member");
    const c = member.chat.store.get("c1");
    const mine = member.chat.store.message("c1", 1);
    const bobs = member.chat.store.message("c1", 2);
    if (!c || !mine || !bobs) throw new Error("not loaded");
    expect([member.chat.canEdit(mine), member.chat.canDelete(c, mine)]).toEqual([true, true]);
    expect([member.chat.canEdit(bobs), member.chat.canDelete(c, bobs)]).toEqual([false, false]);
    expect(member.chat.deleteMessage("c1", 2)).toBe(false);
    expect(member.chat.editMessage("c1", 2, "not mine")).toBe(false);
    member.chat.stop();

    const admin = await group("admin");
    const asAdmin = admin.chat.store.get("c1");
    if (!asAdmin) throw new Error("not loaded");
    expect(admin.chat.canDelete(asAdmin, bobs)).toBe(true);
    expect(admin.chat.canEdit(bobs)).toBe(false);
    expect(admin.chat.deleteMessage("c1", 2)).toBe(true);
    expect(admin.socket.frames("delete")[0]).toMatchObject({ conversation_id: "c1", seq: 2 });
  });

  it("sends nothing for an edit that changes nothing", async () => {
    const { chat, socket } = await group();
    expect(chat.editMessage("c1", 1, "mine")).toBe(false);
    expect(chat.editMessage("c1", 1, "   ")).toBe(false);
    expect(socket.frames("edit")).toEqual([]);
  });

  it("applies others' edits and deletes as they arrive, and counts neither as unread", async () => {
    const { chat, socket } = await group();
    socket.receive({ type: "message", ...message("c1", 3, { kind: "edit", target_seq: 2, text: "bob's, edited" }) });
    expect(chat.store.message("c1", 2)).toMatchObject({ text: "bob's, edited" });
    chat.close();
    socket.receive({ type: "message", ...message("c1", 4, { text: "new from bob" }) });
    socket.receive({ type: "message", ...message("c1", 5, { kind: "delete", target_seq: 4, text: undefined }) });
    expect(chat.store.message("c1", 4)).toMatchObject({ text: "", deleted_by: BOB.user_id });
    expect(chat.store.unread("c1", chat.active)).toBe(1);
    expect(chat.store.messagesOf("c1").map((m) => m.seq)).toEqual([1, 2, 4]);
  });

  it("finds my newest message to edit with the up arrow, passing deleted ones", async () => {
    const { chat, socket } = await group();
    expect(chat.lastEditable("c1")?.seq).toBe(1);
    socket.receive({ type: "message", ...message("c1", 3, { sender_id: ME.user_id, text: "newer" }) });
    expect(chat.lastEditable("c1")?.seq).toBe(3);
    chat.deleteMessage("c1", 3);
    expect(chat.lastEditable("c1")?.seq).toBe(1);
  });

  it("settles an edit that comes back through resume instead of its ack", async () => {
    const { chat, socket } = await group();
    chat.editMessage("c1", 1, "mine, edited");
    const id = socket.frames("edit")[0]?.id ?? "";
    socket.receive({
      type: "message",
      ...message("c1", 3, { kind: "edit", target_seq: 1, sender_id: ME.user_id, client_msg_id: id, text: "mine, edited" }),
    });
    expect(chat.outbox.all()).toHaveLength(0);
    expect(chat.store.message("c1", 1)?.text).toBe("mine, edited");
  });

  it("sends an edit typed before a reload again, with the same id", async () => {
    const storage = new MemoryStorage();
    const first = await group("member", storage);
    first.chat.editMessage("c1", 1, "edited before the reload");
    const id = first.socket.frames("edit")[0]?.id ?? "";
    first.chat.stop();

    const second = await connected(
      { conversations: [conversation("c1", { kind: "group", last_seq: 2, read_seq: 2 })], history: {} },
      storage,
    );
    expect(second.socket.frames("edit")).toEqual([{ action: "edit", id, conversation_id: "c1", seq: 1, text: "edited before the reload" }]);
  });

  it("votes at once, takes the counts from the votes frame, and takes a vote back with none", async () => {
    const { chat, socket } = await group();
    expect(chat.vote("c1", 2, "up")).toBe(true);
    const [frame] = socket.frames("vote");
    expect(frame).toEqual({ action: "vote", id: expect.any(String) as string, conversation_id: "c1", seq: 2, vote: "up" });
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 1, down: 0, my_vote: "up" });

    socket.receive({ type: "votes", conversation_id: "c1", seq: 2, up: 3, down: 1, user_id: ME.user_id, vote: "up" });
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 3, down: 1, my_vote: "up" });

    // The other way moves it; none takes it back.
    chat.vote("c1", 2, "down");
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 2, down: 2, my_vote: "down" });
    chat.vote("c1", 2, "none");
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 2, down: 1 });
    expect(chat.store.message("c1", 2)).not.toHaveProperty("my_vote");
    expect(socket.frames("vote").map((f) => f.vote)).toEqual(["up", "down", "none"]);
    // The first answer comes while the second is still on its way: what shows stays.
    socket.receive({ type: "votes", conversation_id: "c1", seq: 2, up: 2, down: 2, user_id: ME.user_id, vote: "down" });
    expect(chat.store.message("c1", 2)).not.toHaveProperty("my_vote");
    socket.receive({ type: "votes", conversation_id: "c1", seq: 2, up: 2, down: 1, user_id: ME.user_id, vote: "none" });
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 2, down: 1 });
    expect(chat.store.message("c1", 2)).not.toHaveProperty("my_vote");
  });

  it("puts a refused vote back", async () => {
    const { chat, socket } = await group();
    socket.receive({ type: "votes", conversation_id: "c1", seq: 2, up: 1, down: 0, user_id: BOB.user_id, vote: "up" });
    chat.vote("c1", 2, "down");
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 1, down: 1, my_vote: "down" });
    const id = socket.frames("vote")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "not_found", message: "no such message, or it was deleted" });
    expect(chat.store.message("c1", 2)).toMatchObject({ up: 1, down: 0 });
    expect(chat.store.message("c1", 2)).not.toHaveProperty("my_vote");
  });

  it("holds an edit refused as rate_limited with the server's words, not as failed, and saves it after the wait", async () => {
    const { chat, socket } = await group();
    chat.editMessage("c1", 1, "mine, edited");
    const id = socket.frames("edit")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "rate_limited", message: "too many sends; try again in 3 s", retry_after: 3 });
    const change = chat.pendingChange("c1", 1);
    expect(change.failed).toEqual([]);
    expect(change.pending?.id).toBe(id);
    expect(change.waiting).toMatchObject({ id, error: "too many sends; try again in 3 s" });

    await vi.advanceTimersByTimeAsync(3000);
    expect(socket.frames("edit").map((f) => f.id)).toEqual([id, id]);
    expect(chat.pendingChange("c1", 1).waiting).toBeUndefined();
    socket.receive(ack(id, "accepted"));
    socket.receive(ack(id, "persisted", 3));
    expect(chat.store.message("c1", 1)?.text).toBe("mine, edited");
  });

  it("puts a vote refused as rate_limited back and says why until the wait is over; voting again is fine", async () => {
    const { chat, socket } = await group();
    chat.vote("c1", 2, "up");
    const id = socket.frames("vote")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "rate_limited", message: "too many sends; try again in 4 s", retry_after: 4 });
    expect(chat.store.message("c1", 2)).not.toHaveProperty("my_vote");
    expect(chat.voteRefusal).toEqual({ conversation_id: "c1", seq: 2, message: "too many sends; try again in 4 s" });
    // A vote is not queued: nothing waits for it.
    expect(chat.sendWait()).toBeNull();
    await vi.advanceTimersByTimeAsync(4000);
    expect(chat.voteRefusal).toBeNull();

    socket.receive({ type: "error", id: "v-x", code: "rate_limited", message: "ignored: no such frame" });
    chat.vote("c1", 2, "up");
    socket.receive({ type: "error", id: socket.frames("vote")[1]?.id ?? "", code: "rate_limited", message: "wait", retry_after: 2 });
    expect(chat.voteRefusal?.message).toBe("wait");
    chat.vote("c1", 2, "up");
    expect(chat.voteRefusal).toBeNull();
    expect(chat.store.message("c1", 2)).toMatchObject({ my_vote: "up" });
  });

  it("shows my vote from another device", async () => {
    const { chat, socket } = await group();
    socket.receive({ type: "votes", conversation_id: "c1", seq: 1, up: 0, down: 1, user_id: ME.user_id, vote: "down" });
    expect(chat.store.message("c1", 1)).toMatchObject({ down: 1, my_vote: "down" });
  });

  it("does not vote on a deleted message, or while offline", async () => {
    const { chat, socket } = await group();
    socket.receive({ type: "message", ...message("c1", 3, { kind: "delete", target_seq: 2, text: undefined }) });
    expect(chat.vote("c1", 2, "up")).toBe(false);
    socket.drop();
    expect(chat.vote("c1", 1, "up")).toBe(false);
    expect(chat.store.message("c1", 1)).not.toHaveProperty("my_vote");
  });
});

describe("chat: files in messages, and matching", () => {
  const PHOTO = { upload_id: "up-1", name: "photo.png", content_type: "image/png", size: 16, width: 64, height: 32 };
  const NOTES = { upload_id: "up-2", name: "notes.txt", content_type: "text/plain", size: 6 };

  async function withFiles(storage = new MemoryStorage()) {
    const uploads = fakeUploads();
    const made: string[] = [];
    const env = await connected({ conversations: [conversation("c1")], history: {} }, storage, {
      uploads: uploads.transport,
      previews: {
        create: () => {
          made.push(`blob:local/${String(made.length + 1)}`);
          return made.at(-1) ?? "";
        },
        revoke: () => undefined,
      },
    });
    await env.chat.open("c1");
    return { ...env, uploads };
  }

  it("joins the outbox only once every upload is finished, then sends text and files with one id", async () => {
    const { chat, socket, uploads, storage } = await withFiles();
    const draft = chat.draft("c1");
    const adding = draft.add([pngFile("photo.png"), textFile("notes.txt")]);
    await vi.waitFor(() => {
      expect(uploads.puts.size).toBe(2);
    });
    // Uploads under way hold the message back: nothing is queued, nothing sent.
    expect(chat.sendMessage("look")).toBe(false);
    expect(chat.outbox.all()).toHaveLength(0);
    await uploads.finish("up-1");
    expect(chat.sendMessage("look")).toBe(false);
    await uploads.finish("up-2");
    await adding;

    expect(chat.sendMessage("look")).toBe(true);
    const [send] = socket.frames("send");
    expect(send).toEqual({
      action: "send",
      id: send?.id,
      conversation_id: "c1",
      text: "look",
      attachments: [
        { upload_id: "up-1", name: "photo.png" },
        { upload_id: "up-2", name: "notes.txt" },
      ],
    });
    // The outbox keeps what is known of the files (for the pending bubble and a reload).
    expect(chat.outbox.forConversation("c1")[0]?.attachments).toEqual([PHOTO, NOTES]);
    expect(storage.getItem(`chitter.outbox.${ME.user_id}`)).toContain('"upload_id":"up-2"');
    // The draft is empty again; the image shows from the picked bytes meanwhile.
    expect(draft.isEmpty).toBe(true);
    expect(chat.links.local("up-1")).toBe("blob:local/1");

    // My own message, stored: it carries its files (this connection gets only the ack).
    const id = send?.id ?? "";
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "accepted" });
    socket.receive({ type: "ack", id, conversation_id: "c1", message_id: "m1", status: "persisted", seq: 1 });
    expect(chat.store.messagesOf("c1")).toEqual([expect.objectContaining({ seq: 1, text: "look", attachments: [PHOTO, NOTES] })]);
    expect(chat.outbox.all()).toHaveLength(0);
  });

  it("sends files alone without text", async () => {
    const { chat, socket, uploads } = await withFiles();
    const adding = chat.draft("c1").add([textFile("notes.txt")]);
    await vi.waitFor(() => {
      expect(uploads.puts.size).toBe(1);
    });
    await uploads.finish("up-1");
    await adding;
    expect(chat.sendMessage("   ")).toBe(true);
    const [send] = socket.frames("send");
    expect(send).not.toHaveProperty("text");
    expect(send?.attachments).toEqual([{ upload_id: "up-1", name: "notes.txt" }]);
    expect(chat.outbox.all()[0]?.text).toBe("");
  });

  it("does not send while a file failed to upload", async () => {
    const { chat, socket, uploads } = await withFiles();
    void chat.draft("c1").add([textFile("notes.txt")]);
    await vi.waitFor(() => {
      expect(uploads.puts.size).toBe(1);
    });
    await uploads.fail("up-1");
    await vi.waitFor(() => {
      expect(chat.draft("c1").failed).toBe(true);
    });
    expect(chat.sendMessage("with the file please")).toBe(false);
    expect(socket.frames("send")).toEqual([]);
  });

  it("deletes the files of a refused message that is given up", async () => {
    const { chat, socket, uploads } = await withFiles();
    const adding = chat.draft("c1").add([textFile("notes.txt")]);
    await vi.waitFor(() => {
      expect(uploads.puts.size).toBe(1);
    });
    await uploads.finish("up-1");
    await adding;
    chat.sendMessage("");
    const id = socket.frames("send")[0]?.id ?? "";
    socket.receive({ type: "error", id, code: "not_found", message: "no such upload" });
    expect(chat.outbox.get(id)).toMatchObject({ status: "failed", error: "no such upload" });
    chat.discard(id);
    expect(chat.outbox.all()).toHaveLength(0);
    expect(uploads.log).toContain("discard up-1");
  });

  it("keeps each conversation's files apart", async () => {
    const { chat, uploads } = await withFiles();
    void chat.draft("c1").add([textFile("notes.txt")]);
    await vi.waitFor(() => {
      expect(uploads.puts.size).toBe(1);
    });
    expect(chat.hasDraft("c1")).toBe(true);
    expect(chat.hasDraft("c2")).toBe(false);
  });

  it("resends, after a reload, a message with files under the same id with the same files", async () => {
    const storage = new MemoryStorage();
    const first = await withFiles(storage);
    const adding = first.chat.draft("c1").add([pngFile("photo.png")]);
    await vi.waitFor(() => {
      expect(first.uploads.puts.size).toBe(1);
    });
    await first.uploads.finish("up-1");
    await adding;
    first.chat.sendMessage("");
    const sent = first.socket.frames("send")[0];
    first.chat.stop();

    const second = await withFiles(storage);
    expect(second.socket.frames("send")).toEqual([sent]);
    expect(second.chat.outbox.forConversation("c1")[0]?.attachments).toEqual([PHOTO]);
  });

  it("opens a conversation random matching made, reading the list again for it", async () => {
    const server: Server = { conversations: [conversation("c1")], history: {} };
    const { chat } = await connected(server);
    server.conversations = [...server.conversations, conversation("c2")];
    await chat.openById("c2");
    expect(chat.active).toBe("c2");
    expect(chat.store.get("c2")).toBeDefined();
  });

  it("passes a matched frame on", async () => {
    const onMatched = vi.fn();
    const { socket } = await connected({ conversations: [], history: {} }, undefined, { onMatched });
    const frame = { type: "matched" as const, conversation_id: "c9", with: BOB };
    socket.receive(frame);
    expect(onMatched).toHaveBeenCalledWith(frame);
  });
});
