import { describe, expect, it } from "vitest";
import { ChatStore } from "../src/state/store";
import { BOB, ME, conversation, message } from "./helpers";

describe("sequence bookkeeping", () => {
  it("starts a conversation's resume point at the list's last_seq", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 7 })]);
    expect(store.lastSeq("c1")).toBe(7);
    expect(store.lastSeq("unknown")).toBe(0);
  });

  it("raises the last seq with each next message", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 2 })]);
    expect(store.addMessage(message("c1", 3))).toEqual({ kind: "added", gap: false });
    expect(store.addMessage(message("c1", 4))).toEqual({ kind: "added", gap: false });
    expect(store.lastSeq("c1")).toBe(4);
    expect(store.get("c1")?.last_seq).toBe(4);
  });

  it("reports a gap and keeps resuming from below it until it is filled", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 2 })]);
    expect(store.addMessage(message("c1", 5))).toEqual({ kind: "added", gap: true });
    // The resume point stays below the hole, so a resume refetches 3 and 4.
    expect(store.lastSeq("c1")).toBe(2);
    expect(store.get("c1")?.last_seq).toBe(5);

    expect(store.addMessage(message("c1", 3))).toEqual({ kind: "added", gap: false });
    expect(store.lastSeq("c1")).toBe(3);
    store.addMessage(message("c1", 4));
    // 4 closes the hole: the point jumps over the 5 already held.
    expect(store.lastSeq("c1")).toBe(5);
    expect(store.messagesOf("c1").map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  it("drops a message delivered twice", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1")]);
    expect(store.addMessage(message("c1", 1)).kind).toBe("added");
    expect(store.addMessage(message("c1", 1, { text: "again" })).kind).toBe("duplicate");
    expect(store.messagesOf("c1")).toHaveLength(1);
    expect(store.messagesOf("c1")[0]?.text).toBe("message 1");
    expect(store.unread("c1", null)).toBe(1);
  });

  it("says when a message is for a conversation it does not know", () => {
    const store = new ChatStore();
    expect(store.addMessage(message("c9", 1)).kind).toBe("unknown-conversation");
    expect(store.messagesOf("c9")).toEqual([]);
  });

  it("takes history as complete up to its newest message", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 0 })]);
    const fresh = store.addHistory("c1", { messages: [message("c1", 60), message("c1", 59)], next_before: 59 }, true);
    expect(fresh.map((m) => m.seq)).toEqual([60, 59]);
    expect(store.lastSeq("c1")).toBe(60);
    expect(store.get("c1")?.olderBefore).toBe(59);

    store.addHistory("c1", { messages: [message("c1", 58)] }, false);
    expect(store.get("c1")?.olderBefore).toBeNull();
    expect(store.messagesOf("c1").map((m) => m.seq)).toEqual([58, 59, 60]);
  });

  it("never moves a conversation backwards when an older list arrives", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 1 })]);
    store.addMessage(message("c1", 2));
    store.applyList([conversation("c1", { last_seq: 1, online: 2 })]);
    expect(store.get("c1")?.last_seq).toBe(2);
    expect(store.lastSeq("c1")).toBe(2);
    expect(store.get("c1")?.online).toBe(2);
  });
});

describe("unread counts", () => {
  it("counts messages past the read position", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 5, read_seq: 2 }), conversation("c2", { last_seq: 1, read_seq: 1 })]);
    expect(store.unread("c1", null)).toBe(3);
    expect(store.unread("c2", null)).toBe(0);
    store.addMessage(message("c2", 2));
    expect(store.unread("c2", null)).toBe(1);
    expect(store.totalUnread(null)).toBe(4);
  });

  it("shows none for the conversation on screen", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 5, read_seq: 2 })]);
    expect(store.unread("c1", "c1")).toBe(0);
    expect(store.totalUnread("c1")).toBe(0);
  });

  it("drops when our read position moves (another device), not when someone else reads", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1", { last_seq: 5, read_seq: 1 })]);
    store.applyRead({ type: "read", conversation_id: "c1", user_id: BOB.user_id, seq: 5 }, ME.user_id);
    expect(store.unread("c1", null)).toBe(4);
    expect(store.get("c1")?.members.find((m) => m.user_id === BOB.user_id)?.read_seq).toBe(5);

    store.applyRead({ type: "read", conversation_id: "c1", user_id: ME.user_id, seq: 4 }, ME.user_id);
    expect(store.unread("c1", null)).toBe(1);
    // Read positions only move forward.
    store.applyRead({ type: "read", conversation_id: "c1", user_id: ME.user_id, seq: 2 }, ME.user_id);
    expect(store.unread("c1", null)).toBe(1);
  });

  it("sorts the most recently active first", () => {
    const store = new ChatStore();
    store.applyList([
      conversation("old", { last_active: "2026-01-01T09:00:00Z" }),
      conversation("new", { last_active: "2026-01-01T11:00:00Z" }),
    ]);
    expect(store.sorted().map((c) => c.conversation_id)).toEqual(["new", "old"]);
    store.addMessage(message("old", 1, { sent_at: "2026-01-01T12:00:00Z" }));
    expect(store.sorted().map((c) => c.conversation_id)).toEqual(["old", "new"]);
  });

  it("keeps the first copy of a message delivered twice", () => {
    const store = new ChatStore();
    store.applyList([conversation("c1")]);
    const emoji = [{ shortcode: "party", emoji_id: "e1" }];
    store.addMessage(message("c1", 1, { sender_id: ME.user_id, emoji }));
    expect(store.addMessage(message("c1", 1, { sender_id: ME.user_id }))).toEqual({ kind: "duplicate" });
    store.addHistory("c1", { messages: [message("c1", 1, { sender_id: ME.user_id })] }, true);
    expect(store.messagesOf("c1")).toHaveLength(1);
    expect(store.messagesOf("c1")[0]?.emoji).toEqual(emoji);
  });
});

describe("files in messages", () => {
  it("keeps a message's files, and a delete takes them away with its text", () => {
    const store = new ChatStore("u-me");
    store.applyList([conversation("c1")]);
    const files = [{ upload_id: "up-1", name: "photo.png", content_type: "image/png", size: 10, width: 4, height: 2 }];
    store.addMessage(message("c1", 1, { text: "", attachments: files }));
    expect(store.message("c1", 1)?.attachments).toEqual(files);
    store.addMessage(message("c1", 2, { kind: "edit", target_seq: 1, text: "now with words" }));
    expect(store.message("c1", 1)).toMatchObject({ text: "now with words", attachments: files });
    store.addMessage(message("c1", 3, { kind: "delete", target_seq: 1, text: "" }));
    expect(store.message("c1", 1)?.deleted_at).toBeDefined();
    expect(store.message("c1", 1)).not.toHaveProperty("attachments");
  });
});
