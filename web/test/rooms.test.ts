// The room directory's paging, and rooms through the Chat with a fake server
// and socket: creating, joining (senders named through /api/profiles, the
// online count kept live), leaving, and what a room shows differently.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/state/api";
import { Chat } from "../src/state/chat";
import { subtitleOf, titleOf } from "../src/state/format";
import { receiptOf } from "../src/state/receipts";
import { RoomDirectory, type RoomsApi, checkRoomTitle } from "../src/state/rooms";
import { ChatStore, PRESENCE_HELD_MS } from "../src/state/store";
import type { Conversation, Message, Profile, RoomPage, RoomSummary, Session } from "../src/state/types";
import { BOB, FakeSocket, ME, MemoryStorage, conversation, message, settle } from "./helpers";

function summary(id: string, patch: Partial<RoomSummary> = {}): RoomSummary {
  return {
    conversation_id: id,
    title: `Room ${id}`,
    created_by: BOB.user_id,
    created_at: "2026-01-01T10:00:00Z",
    last_active: "2026-01-01T10:00:00Z",
    member_count: 3,
    online: 1,
    joined: false,
    ...patch,
  };
}

function roomView(id: string, patch: Partial<Conversation> = {}): Conversation {
  return conversation(id, { kind: "room", title: `Room ${id}`, members: [ME], member_count: 3, online: 1, ...patch });
}

function fakeRoomsApi() {
  const calls: { after: string | undefined; limit: number; resolve: (p: RoomPage) => void; reject: (e: unknown) => void }[] = [];
  const api: RoomsApi = {
    rooms: vi.fn(
      (after: string | undefined, limit: number) =>
        new Promise<RoomPage>((resolve, reject) => {
          calls.push({ after, limit, resolve, reject });
        }),
    ),
  };
  return { api, calls };
}

describe("room directory", () => {
  it("pages with next_after until there is none", async () => {
    const { api, calls } = fakeRoomsApi();
    const directory = new RoomDirectory(api, 2);
    void directory.load();
    expect(directory.status).toBe("loading");
    expect(calls[0]).toMatchObject({ after: undefined, limit: 2 });
    calls[0]?.resolve({ rooms: [summary("r5"), summary("r4")], next_after: "r4" });
    await settle();
    expect(directory.items.map((r) => r.conversation_id)).toEqual(["r5", "r4"]);
    expect(directory.hasMore).toBe(true);
    void directory.loadMore();
    // A second press while loading asks nothing more.
    void directory.loadMore();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ after: "r4", limit: 2 });
    // A room shown already (pages shifted) is not shown twice.
    calls[1]?.resolve({ rooms: [summary("r4"), summary("r3")] });
    await settle();
    expect(directory.items.map((r) => r.conversation_id)).toEqual(["r5", "r4", "r3"]);
    expect(directory.hasMore).toBe(false);
    await directory.loadMore();
    expect(calls).toHaveLength(2);
  });

  it("ends at an empty page after a full one", async () => {
    const { api, calls } = fakeRoomsApi();
    const directory = new RoomDirectory(api, 2);
    void directory.load();
    calls[0]?.resolve({ rooms: [summary("r2"), summary("r1")], next_after: "r1" });
    await settle();
    void directory.loadMore();
    calls[1]?.resolve({ rooms: [] });
    await settle();
    expect(directory.items).toHaveLength(2);
    expect(directory.hasMore).toBe(false);
    expect(directory.status).toBe("ready");
  });

  it("keeps the rooms shown while it reads them again, and drops an older reading's late answer", async () => {
    const { api, calls } = fakeRoomsApi();
    const directory = new RoomDirectory(api, 2);
    void directory.load();
    calls[0]?.resolve({ rooms: [summary("r1")] });
    await settle();
    void directory.load();
    void directory.load();
    expect(directory.items.map((r) => r.conversation_id)).toEqual(["r1"]);
    calls[2]?.resolve({ rooms: [summary("r2"), summary("r1", { member_count: 4 })], next_after: "r1" });
    calls[1]?.resolve({ rooms: [summary("stale")] });
    await settle();
    expect(directory.items.map((r) => [r.conversation_id, r.member_count])).toEqual([
      ["r2", 3],
      ["r1", 4],
    ]);
    expect(directory.next).toBe("r1");
  });

  it("says when the first page fails, and asks again for the page that failed", async () => {
    const { api, calls } = fakeRoomsApi();
    const directory = new RoomDirectory(api, 1);
    void directory.load();
    calls[0]?.reject(new Error("offline"));
    await settle();
    expect(directory.status).toBe("failed");
    void directory.retry();
    expect(calls[1]?.after).toBeUndefined();
    calls[1]?.resolve({ rooms: [summary("r2")], next_after: "r2" });
    await settle();
    expect(directory.status).toBe("ready");
    expect(directory.error).toBeNull();

    void directory.loadMore();
    calls[2]?.reject(new Error("offline"));
    await settle();
    // What is shown stays, with the error.
    expect(directory.status).toBe("ready");
    expect(directory.error).not.toBeNull();
    expect(directory.items).toHaveLength(1);
    void directory.retry();
    expect(calls[3]?.after).toBe("r2");
    calls[3]?.resolve({ rooms: [summary("r1")] });
    await settle();
    expect(directory.items.map((r) => r.conversation_id)).toEqual(["r2", "r1"]);
    expect(directory.error).toBeNull();
  });

  it("shows a room I joined as joined, with its counts, and one I created first", async () => {
    const { api, calls } = fakeRoomsApi();
    const directory = new RoomDirectory(api);
    void directory.load();
    calls[0]?.resolve({ rooms: [summary("r2"), summary("r1")] });
    await settle();
    directory.joined(roomView("r1", { member_count: 4, online: 2 }));
    expect(directory.items[1]).toMatchObject({ conversation_id: "r1", joined: true, member_count: 4, online: 2 });
    directory.joined(roomView("r3", { title: "Brand new", member_count: 1 }));
    expect(directory.items.map((r) => r.conversation_id)).toEqual(["r3", "r2", "r1"]);
    expect(directory.items[0]).toMatchObject({ title: "Brand new", joined: true, member_count: 1 });
  });

  it("checks a new room's title as the server does", () => {
    expect(checkRoomTitle("  Night owls  ")).toEqual({ ok: true, title: "Night owls" });
    expect(checkRoomTitle("   ").ok).toBe(false);
    expect(checkRoomTitle("x".repeat(100)).ok).toBe(true);
    expect(checkRoomTitle("x".repeat(101)).ok).toBe(false);
    // Characters, not UTF-16 units: 100 emoji fit.
    expect(checkRoomTitle("🦉".repeat(100)).ok).toBe(true);
    expect(checkRoomTitle("a\tb").ok).toBe(false);
  });
});

describe("rooms in the store and the views' words", () => {
  it("names a room by its title and counts its members from member_count", () => {
    const room = roomView("r1", { title: "Lobby", member_count: 1234 });
    expect(titleOf(room, ME.user_id)).toBe("Lobby");
    expect(subtitleOf(room, ME.user_id)).toBe(`${(1234).toLocaleString()} members`);
    expect(subtitleOf(roomView("r2", { member_count: 1 }), ME.user_id)).toBe("1 member");
    // A group without member_count (an older server) counts its list.
    expect(subtitleOf(conversation("g", { kind: "group", title: "G" }), ME.user_id)).toBe("2 members");
  });

  it("never shows a room's message as seen: rooms hear no one's read position", () => {
    const room = roomView("r1", { members: [ME, { ...BOB, read_seq: 9 }] });
    expect(receiptOf(room, 3, ME.user_id, false).status).toBe("sent");
    expect(receiptOf(room, 3, ME.user_id, true).status).toBe("delivered");
  });

  it("takes a room's online count from presence frames, and keeps one that comes before the room for a short while", () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const store = new ChatStore(ME.user_id, () => now);
    store.applyList([roomView("r1", { online: 1 })]);
    expect(store.applyPresence("r1", 2)).toBe(true);
    expect(store.get("r1")?.online).toBe(2);
    // The frame overtook the join's answer, whose view was read before.
    expect(store.applyPresence("r2", 5)).toBe(false);
    store.applyList([roomView("r2", { online: 4 })]);
    expect(store.get("r2")?.online).toBe(5);
    // Everyone online in a room is in it: the member count is at least that.
    expect(store.get("r2")?.member_count).toBe(5);
    store.applyPresence("r2", 1);
    expect(store.get("r2")?.member_count).toBe(5);
    // Held too long: the view's count stands.
    store.applyPresence("r3", 7);
    now += PRESENCE_HELD_MS + 1;
    store.applyList([roomView("r3", { online: 2 })]);
    expect(store.get("r3")?.online).toBe(2);
  });
});

// ------------------------------------------------------------------ chat

const SESSION: Session = { user: ME, access_token: "access", token_type: "Bearer", expires_in: 900, refresh_token: "refresh" };
const ALICE: Profile = { user_id: "u-alice", handle: "alice", display_name: "Alice Archer" };
const CY: Profile = { user_id: "u-cy", handle: "cy", display_name: "Cy" };

interface Server {
  conversations: Conversation[];
  rooms: Record<string, Conversation>;
  logs: Record<string, Message[]>;
  people: Profile[];
  requests: string[];
  /** Answers to GET /api/conversations held back until the test lets them go. */
  holdList: boolean;
  heldLists: (() => void)[];
}

function server(patch: Partial<Server> = {}): Server {
  return { conversations: [], rooms: {}, logs: {}, people: [ME, BOB, ALICE, CY], requests: [], holdList: false, heldLists: [], ...patch };
}

async function connected(s: Server) {
  const storage = new MemoryStorage();
  storage.setItem("chitter.session", JSON.stringify(SESSION));
  const fetcher = vi.fn((input: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const url = new URL(input, "http://chitter.test");
    const path = url.pathname;
    s.requests.push(`${method} ${path}${url.search}`);
    const json = (body: unknown, status = 200) =>
      Promise.resolve(new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
    const body = init?.body ? (JSON.parse(init.body as string) as Record<string, unknown>) : {};
    if (path === "/api/auth/ticket") return json({ ticket: "t-1", expires_in: 60 }, 201);
    if (path === "/api/blocks") return json({ blocked: [] });
    if (path === "/api/conversations") {
      const answer = () => json({ conversations: structuredClone(s.conversations) });
      if (!s.holdList) return answer();
      return new Promise<Response>((resolve) => {
        // The list as it was when asked for.
        const list = structuredClone(s.conversations);
        s.heldLists.push(() => {
          resolve(new Response(JSON.stringify({ conversations: list }), { status: 200 }));
        });
      });
    }
    if (path === "/api/profiles") {
      const ids = (url.searchParams.get("ids") ?? "").split(",");
      return json({ users: s.people.filter((p) => ids.includes(p.user_id)) });
    }
    if (path === "/api/rooms" && method === "POST") {
      const view = roomView("r-new", { title: body.title as string, role: "admin", member_count: 1 });
      s.conversations.push(view);
      return json(view, 201);
    }
    const membership = /^\/api\/rooms\/([^/]+)\/membership$/.exec(path);
    if (membership?.[1]) {
      const id = membership[1];
      const room = s.rooms[id];
      if (!room) return json({ code: "not_found", message: "no such room" }, 404);
      if (method === "PUT") {
        if (!s.conversations.some((c) => c.conversation_id === id)) s.conversations.push(room);
        return json(room);
      }
      s.conversations = s.conversations.filter((c) => c.conversation_id !== id);
      return json(null, 204);
    }
    const one = /^\/api\/conversations\/([^/]+)$/.exec(path);
    if (one?.[1]) {
      const c = s.conversations.find((x) => x.conversation_id === one[1]);
      return c ? json(c) : json({ code: "not_found", message: "no" }, 404);
    }
    const history = /^\/api\/conversations\/([^/]+)\/messages$/.exec(path);
    if (history?.[1]) {
      const log = [...(s.logs[history[1]] ?? [])].sort((a, b) => b.seq - a.seq);
      return json({ messages: log });
    }
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
    createSocket: (u) => {
      const socket = new FakeSocket(u);
      sockets.push(socket);
      return socket;
    },
  });
  await chat.start();
  await settle();
  const socket = sockets.at(-1);
  if (!socket) throw new Error("no socket");
  socket.open();
  await settle();
  return { chat, socket, storage };
}

/** Lets the profile lookups scheduled this turn go, and their answers come back. */
async function lookups(): Promise<void> {
  await vi.advanceTimersByTimeAsync(1);
  await settle();
}

const profileRequests = (s: Server) => s.requests.filter((r) => r.startsWith("GET /api/profiles"));

describe("chat: rooms", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("creates a room, which joins the list and opens, with me as its admin", async () => {
    const s = server();
    const { chat } = await connected(s);
    const view = await chat.createRoom("  Night owls ");
    expect(s.requests).toContain("POST /api/rooms");
    expect(view.title).toBe("Night owls");
    expect(chat.active).toBe("r-new");
    expect(chat.store.get("r-new")).toMatchObject({ kind: "room", role: "admin", member_count: 1 });
  });

  it("joins a room and names its senders with one profile request per page, never asking twice", async () => {
    const s = server({
      rooms: { r1: roomView("r1", { last_seq: 3 }) },
      logs: {
        r1: [
          message("r1", 1, { sender_id: ALICE.user_id }),
          message("r1", 2, { sender_id: BOB.user_id }),
          message("r1", 3, { sender_id: ALICE.user_id }),
        ],
      },
    });
    const { chat, socket } = await connected(s);
    await chat.joinRoom("r1");
    expect(s.requests).toContain("PUT /api/rooms/r1/membership");
    expect(chat.active).toBe("r1");
    expect(chat.store.messagesOf("r1")).toHaveLength(3);
    await lookups();
    expect(profileRequests(s)).toEqual([`GET /api/profiles?ids=${ALICE.user_id},${BOB.user_id}`]);
    expect(chat.profiles.get(ALICE.user_id)?.display_name).toBe("Alice Archer");

    // Live messages: known senders are not asked for again; new ones arriving together go in one request.
    socket.receive({ type: "message", ...message("r1", 4, { sender_id: ALICE.user_id }) });
    socket.receive({ type: "message", ...message("r1", 5, { sender_id: CY.user_id }) });
    socket.receive({ type: "typing", conversation_id: "r1", user_id: "u-nobody" });
    socket.receive({ type: "message", ...message("r1", 6, { sender_id: CY.user_id }) });
    await lookups();
    expect(profileRequests(s)).toEqual([
      `GET /api/profiles?ids=${ALICE.user_id},${BOB.user_id}`,
      `GET /api/profiles?ids=${CY.user_id},u-nobody`,
    ]);
    // The server knows no "u-nobody": tolerated, and not asked for again.
    socket.receive({ type: "typing", conversation_id: "r1", user_id: "u-nobody" });
    await lookups();
    expect(profileRequests(s)).toHaveLength(2);
    expect(chat.profiles.get("u-nobody")).toBeUndefined();
  });

  it("reads a room's view again when it is opened (no frame carries its member count), not right after joining", async () => {
    const s = server({ conversations: [roomView("r1", { member_count: 3 }), conversation("d1")], rooms: { r2: roomView("r2") } });
    const { chat } = await connected(s);
    s.conversations[0] = roomView("r1", { member_count: 40 });
    await chat.open("r1");
    await settle();
    expect(chat.store.get("r1")?.member_count).toBe(40);
    // Opening it again while it is open, a direct chat, or a room just joined: nothing more is read.
    await chat.open("r1");
    await chat.open("d1");
    await chat.joinRoom("r2");
    await settle();
    expect(s.requests.filter((r) => /^GET \/api\/conversations\/[^/]+$/.test(r))).toEqual(["GET /api/conversations/r1"]);
  });

  it("does not look up the members a group lists", async () => {
    const s = server({ conversations: [conversation("g1", { kind: "group", title: "G", members: [ME, BOB] })] });
    const { socket } = await connected(s);
    socket.receive({ type: "message", ...message("g1", 1, { sender_id: BOB.user_id }) });
    await lookups();
    expect(profileRequests(s)).toEqual([]);
  });

  it("keeps a room's online count live from presence frames, one overtaking the join's answer too", async () => {
    // The join's answer was read before my connection counted; the list after it knows better.
    const s = server({ rooms: { r1: roomView("r1", { online: 1 }) } });
    const { chat, socket } = await connected(s);
    socket.receive({ type: "presence", conversation_id: "r1", online: 2 });
    const joining = chat.joinRoom("r1");
    s.conversations = [roomView("r1", { online: 2 })];
    await joining;
    expect(chat.store.get("r1")?.online).toBe(2);
    socket.receive({ type: "presence", conversation_id: "r1", online: 3 });
    expect(chat.store.get("r1")?.online).toBe(3);
    socket.receive({ type: "presence", conversation_id: "r1", online: 1 });
    expect(chat.store.get("r1")?.online).toBe(1);
  });

  it("leaves a room: it goes from the list with what was unsent, the view closes, and late frames bring nothing back", async () => {
    const s = server({ rooms: { r1: roomView("r1") } });
    const { chat, socket } = await connected(s);
    await chat.joinRoom("r1");
    chat.sendMessage("first");
    chat.sendMessage("second");
    expect(chat.outbox.forConversation("r1")).toHaveLength(2);
    s.requests.length = 0;

    await chat.leaveRoom("r1");
    expect(s.requests).toContain("DELETE /api/rooms/r1/membership");
    expect(chat.store.get("r1")).toBeUndefined();
    expect(chat.active).toBeNull();
    expect(chat.openView).toBeNull();
    expect(chat.outbox.forConversation("r1")).toEqual([]);
    expect(chat.hasLeft("r1")).toBe(true);

    // Frames still on their way: no list reading for them, and the room stays gone.
    s.requests.length = 0;
    socket.receive({ type: "message", ...message("r1", 1, { sender_id: BOB.user_id }) });
    socket.receive({ type: "presence", conversation_id: "r1", online: 4 });
    await settle();
    expect(s.requests).toEqual([]);
    expect(chat.store.get("r1")).toBeUndefined();

    // Joining again brings it back.
    await chat.joinRoom("r1");
    expect(chat.store.get("r1")).toBeDefined();
    expect(chat.hasLeft("r1")).toBe(false);
  });

  it("does not let a list read before I left bring the room back", async () => {
    const s = server({ rooms: { r1: roomView("r1") } });
    const { chat } = await connected(s);
    await chat.joinRoom("r1");
    s.holdList = true;
    const reading = chat.loadConversations();
    await settle();
    await chat.leaveRoom("r1");
    for (const go of s.heldLists.splice(0)) go();
    await reading;
    expect(chat.store.get("r1")).toBeUndefined();
  });

  it("drops a room the list no longer has (left on another device), but not one joined while the list was read", async () => {
    const s = server({ rooms: { r1: roomView("r1"), r2: roomView("r2") } });
    const { chat } = await connected(s);
    await chat.joinRoom("r1");
    await chat.open("r1");
    // Left elsewhere.
    s.conversations = s.conversations.filter((c) => c.conversation_id !== "r1");
    s.holdList = true;
    const reading = chat.loadConversations();
    await settle();
    // Joined while that reading was out: it predates r2.
    s.holdList = false;
    const joining = chat.joinRoom("r2");
    await settle();
    for (const go of s.heldLists.splice(0)) go();
    await Promise.all([reading, joining]);
    expect(chat.store.get("r1")).toBeUndefined();
    expect(chat.store.get("r2")).toBeDefined();
    expect(chat.active).toBe("r2");
  });

  it("says a room that does not exist is not found, and treats leaving one that is gone as left", async () => {
    const s = server({ conversations: [roomView("r9")] });
    const { chat } = await connected(s);
    await expect(chat.joinRoom("nope")).rejects.toMatchObject({ status: 404 });
    await chat.leaveRoom("r9");
    expect(chat.store.get("r9")).toBeUndefined();
  });

  it("lets a room's admin remove anyone's message, and a member only their own", async () => {
    const s = server({ conversations: [roomView("ra", { role: "admin" }), roomView("rm", { role: "member" })] });
    const { chat } = await connected(s);
    const theirs = message("ra", 1, { sender_id: ALICE.user_id });
    const ra = chat.store.get("ra");
    const rm = chat.store.get("rm");
    if (!ra || !rm) throw new Error("rooms missing");
    expect(chat.canDelete(ra, theirs)).toBe(true);
    expect(chat.canDelete(rm, { ...theirs, conversation_id: "rm" })).toBe(false);
    expect(chat.canDelete(rm, message("rm", 2, { sender_id: ME.user_id }))).toBe(true);
  });
});
