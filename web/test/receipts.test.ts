import { describe, expect, it } from "vitest";
import { badgeCount, unreadLabel } from "../src/state/format";
import { namesList, outboxReceipt, receiptLabel, receiptOf, seenBy } from "../src/state/receipts";
import { ChatStore } from "../src/state/store";
import { BOB, ME, conversation, message } from "./helpers";

const CY = { user_id: "u-cy", handle: "cy", display_name: "Cy" };
const DI = { user_id: "u-di", handle: "di", display_name: "Di" };
const EVE = { user_id: "u-eve", handle: "eve", display_name: "" };

describe("receipts", () => {
  it("goes from a clock to one tick as the outbox hears back, and says when it failed", () => {
    expect(outboxReceipt({ status: "queued" })).toBe("pending");
    expect(outboxReceipt({ status: "sending" })).toBe("pending");
    expect(outboxReceipt({ status: "accepted" })).toBe("sent");
    expect(outboxReceipt({ status: "failed" })).toBe("failed");
  });

  it("in a direct chat: sent once stored, delivered on the ack, seen when the other's read position reaches it", () => {
    const c = conversation("c1", { members: [ME, { ...BOB, read_seq: 3 }] });
    expect(receiptOf(c, 4, ME.user_id, false)).toEqual({ status: "sent", seenBy: [] });
    expect(receiptOf(c, 4, ME.user_id, true)).toEqual({ status: "delivered", seenBy: [] });
    // Read up to 3 means 3 and everything before it was seen, with or without a delivered ack.
    expect(receiptOf(c, 3, ME.user_id, false).status).toBe("seen");
    expect(receiptOf(c, 2, ME.user_id, true).status).toBe("seen");
    expect(receiptLabel("seen", c, receiptOf(c, 3, ME.user_id, false).seenBy)).toBe("Seen");
  });

  it("my own read position never makes my message seen", () => {
    const c = conversation("c1", { members: [{ ...ME, read_seq: 9 }, { ...BOB, read_seq: 0 }] });
    expect(receiptOf(c, 5, ME.user_id, false).status).toBe("sent");
  });

  it("in a group: seen once anyone else read it, saying by how many and whom", () => {
    const c = conversation("g1", {
      kind: "group",
      members: [ME, { ...BOB, read_seq: 10 }, { ...CY, read_seq: 4 }, { ...DI, read_seq: 2 }],
    });
    expect(receiptOf(c, 11, ME.user_id, true).status).toBe("delivered");
    const one = receiptOf(c, 5, ME.user_id, false);
    expect(one).toEqual({ status: "seen", seenBy: [expect.objectContaining({ user_id: BOB.user_id })] });
    expect(receiptLabel(one.status, c, one.seenBy)).toBe("Seen by 1: Bob");
    const three = receiptOf(c, 2, ME.user_id, false);
    expect(receiptLabel(three.status, c, three.seenBy)).toBe("Seen by 3: Bob, Cy and Di");
    expect(seenBy(c, 3, ME.user_id).map((m) => m.handle)).toEqual(["bob", "cy"]);
  });

  it("names at most three readers, then how many others, and handles for those without a name", () => {
    expect(namesList(["Bob"])).toBe("Bob");
    expect(namesList(["Bob", "Cy"])).toBe("Bob and Cy");
    expect(namesList(["Bob", "Cy", "Di", "Eve"])).toBe("Bob, Cy, Di and 1 other");
    expect(namesList(["Bob", "Cy", "Di", "Eve", "Fay"])).toBe("Bob, Cy, Di and 2 others");
    const c = conversation("g1", { kind: "group", members: [ME, { ...EVE, read_seq: 1 }] });
    expect(receiptLabel("seen", c, seenBy(c, 1, ME.user_id))).toBe("Seen by 1: @eve");
  });

  it("has words for every state", () => {
    expect(["pending", "sent", "delivered", "failed"].map((s) => receiptLabel(s as "sent"))).toEqual([
      "Sending",
      "Sent",
      "Delivered",
      "Not sent",
    ]);
  });
});

describe("unread counts", () => {
  function store(patch = {}) {
    const s = new ChatStore(ME.user_id);
    s.applyList([conversation("c1", patch)]);
    return s;
  }

  it("starts from the list's count, which knows what is not held (edits and deletes not counted)", () => {
    // 6 entries after the read position, of which the server counted 2 as others' messages.
    const s = store({ last_seq: 10, read_seq: 4, unread: 2 });
    expect(s.unread("c1", null)).toBe(2);
  });

  it("adds others' new messages as they come, but not my own, changes, or any in the open conversation", () => {
    const s = store({ last_seq: 10, read_seq: 4, unread: 2 });
    s.addMessage(message("c1", 11));
    s.addMessage(message("c1", 12, { sender_id: ME.user_id }));
    s.addMessage(message("c1", 13, { kind: "edit", target_seq: 11, text: "fixed" }));
    s.addMessage(message("c1", 14));
    expect(s.unread("c1", null)).toBe(4);
    expect(s.unread("c1", "c1")).toBe(0);
    expect(s.totalUnread(null)).toBe(4);
  });

  it("resets when read, here or on another device", () => {
    const s = store({ last_seq: 10, read_seq: 4, unread: 2 });
    s.addMessage(message("c1", 11));
    s.applyRead({ type: "read", conversation_id: "c1", user_id: ME.user_id, seq: 11 }, ME.user_id);
    expect(s.unread("c1", null)).toBe(0);
    s.addMessage(message("c1", 12));
    expect(s.unread("c1", null)).toBe(1);
  });

  it("counts exactly once everything after my read position is held, even if read part way", () => {
    const s = store({ last_seq: 4, read_seq: 0, unread: 3 });
    s.addHistory(
      "c1",
      { messages: [message("c1", 4), message("c1", 3, { sender_id: ME.user_id }), message("c1", 2), message("c1", 1)] },
      true,
    );
    expect(s.unread("c1", null)).toBe(3);
    s.applyRead({ type: "read", conversation_id: "c1", user_id: ME.user_id, seq: 2 }, ME.user_id);
    expect(s.unread("c1", null)).toBe(1);
  });

  it("never counts more than could be messages when read part way and not all held", () => {
    const s = store({ last_seq: 10, read_seq: 0, unread: 8 });
    s.applyRead({ type: "read", conversation_id: "c1", user_id: ME.user_id, seq: 8 }, ME.user_id);
    expect(s.unread("c1", null)).toBe(2);
  });

  it("takes a fresh list's count again (after a reconnect), not adding what it already counted", () => {
    const s = store({ last_seq: 2, read_seq: 2, unread: 0 });
    s.addMessage(message("c1", 3));
    expect(s.unread("c1", null)).toBe(1);
    s.applyList([conversation("c1", { last_seq: 5, read_seq: 2, unread: 3 })]);
    expect(s.unread("c1", null)).toBe(3);
    s.addMessage(message("c1", 5));
    expect(s.unread("c1", null)).toBe(3);
  });

  it("shows 100 or more as 99+", () => {
    const s = store({ last_seq: 400, read_seq: 0, unread: 100 });
    s.addMessage(message("c1", 401));
    expect(s.unread("c1", null)).toBe(101);
    expect(badgeCount(s.unread("c1", null))).toBe("99+");
    expect(badgeCount(99)).toBe("99");
    expect(unreadLabel(100)).toBe("More than 99 unread");
    expect(unreadLabel(3)).toBe("3 unread");
  });

  it("keeps members' read positions that moved live when the list is read again", () => {
    const s = store({ members: [ME, { ...BOB, read_seq: 1 }] });
    s.applyRead({ type: "read", conversation_id: "c1", user_id: BOB.user_id, seq: 5 }, ME.user_id);
    s.applyList([conversation("c1", { members: [ME, { ...BOB, read_seq: 3 }] })]);
    expect(s.get("c1")?.members.find((m) => m.user_id === BOB.user_id)?.read_seq).toBe(5);
  });
});

describe("the first unseen message", () => {
  it("is the first message from someone else after my read position when the chat opened", () => {
    const s = new ChatStore(ME.user_id);
    s.applyList([conversation("c1", { last_seq: 0 })]);
    s.addMessage(message("c1", 1));
    s.addMessage(message("c1", 2, { sender_id: ME.user_id }));
    s.addMessage(message("c1", 3, { kind: "edit", target_seq: 1, text: "x" }));
    s.addMessage(message("c1", 4));
    s.addMessage(message("c1", 5));
    expect(s.firstUnseen("c1", 0)).toBe(1);
    expect(s.firstUnseen("c1", 1)).toBe(4);
    expect(s.firstUnseen("c1", 5)).toBeUndefined();
    // What came after the conversation was opened (up to 4 then) was seen as it came.
    expect(s.firstUnseen("c1", 1, 4)).toBe(4);
    expect(s.firstUnseen("c1", 1, 3)).toBeUndefined();
  });
});
