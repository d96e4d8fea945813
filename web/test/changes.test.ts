import { describe, expect, it } from "vitest";
import { deletedLabel } from "../src/state/format";
import { ChatStore } from "../src/state/store";
import type { Message } from "../src/state/types";
import { BOB, ME, conversation, message } from "./helpers";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

/** An edit entry at `seq` giving the message at `target` new text. */
function edit(seq: number, target: number, text: string, patch: Partial<Message> = {}): Message {
  return message("c1", seq, { kind: "edit", target_seq: target, text, sender_id: BOB.user_id, ...patch });
}

/** A delete entry at `seq` of the message at `target`; on the wire it has no text. */
function del(seq: number, target: number, by: string = BOB.user_id): Message {
  const m = message("c1", seq, { kind: "delete", target_seq: target, sender_id: by });
  delete (m as Partial<Message>).text;
  return m;
}

function store(patch = {}) {
  const s = new ChatStore(ME.user_id);
  s.applyList([conversation("c1", { kind: "group", ...patch })]);
  return s;
}

describe("edits and deletes, live", () => {
  it("applies an edit to its message and shows no bubble for the edit itself", () => {
    const s = store();
    s.addMessage(message("c1", 1, { emoji: [{ shortcode: "old", emoji_id: "e0" }] }));
    const emoji = [{ shortcode: "party", emoji_id: "e1" }];
    expect(s.addMessage(edit(2, 1, "fixed :party:", { emoji }))).toEqual({ kind: "added", gap: false });

    expect(s.messagesOf("c1")).toEqual([expect.objectContaining({ seq: 1, text: "fixed :party:", emoji, edited_at: at(2) })]);
    // The edit's seq counts like any other: the resume point is past it.
    expect(s.lastSeq("c1")).toBe(2);
    expect(s.entriesOf("c1").map((m) => m.seq)).toEqual([1, 2]);
  });

  it("drops the old emoji when the new text names none", () => {
    const s = store();
    s.addMessage(message("c1", 1, { text: ":party:", emoji: [{ shortcode: "party", emoji_id: "e1" }] }));
    s.addMessage(edit(2, 1, "plain"));
    expect(s.message("c1", 1)).not.toHaveProperty("emoji");
  });

  it("turns a deleted message into a tombstone that keeps its place", () => {
    const s = store();
    s.addMessage(message("c1", 1));
    s.addMessage(message("c1", 2, { emoji: [{ shortcode: "party", emoji_id: "e1" }] }));
    s.addMessage(message("c1", 3));
    s.addMessage(del(4, 2));

    const shown = s.messagesOf("c1");
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(shown[1]).toMatchObject({ text: "", deleted_at: at(4), deleted_by: BOB.user_id });
    expect(shown[1]).not.toHaveProperty("emoji");
    expect(deletedLabel(shown[1] ?? message("c1", 0))).toBe("Message deleted");
    // A delete entry has no text on the wire; the store still gives it one.
    expect(s.entriesOf("c1")[3]?.text).toBe("");
  });

  it("says when a group admin removed someone's message", () => {
    const s = store();
    s.addMessage(message("c1", 1, { sender_id: BOB.user_id }));
    s.addMessage(del(2, 1, ME.user_id));
    expect(deletedLabel(s.message("c1", 1) ?? message("c1", 0))).toBe("Removed by an admin");
  });

  it("keeps a tombstone one: a later edit does not bring the text back", () => {
    const s = store();
    s.addMessage(message("c1", 1));
    s.addMessage(del(2, 1));
    s.addMessage(edit(3, 1, "back?"));
    expect(s.message("c1", 1)).toMatchObject({ text: "", deleted_at: at(2) });
  });

  it("keeps the newest edit when an older one arrives late (a resume filling a gap)", () => {
    const s = store({ last_seq: 1 });
    s.addMessage(message("c1", 1));
    expect(s.addMessage(edit(3, 1, "third"))).toEqual({ kind: "added", gap: true });
    expect(s.lastSeq("c1")).toBe(1);
    s.addMessage(edit(2, 1, "second"));
    expect(s.message("c1", 1)?.text).toBe("third");
    expect(s.lastSeq("c1")).toBe(3);
  });

  it("ignores a change whose message it has never seen until the message arrives, then applies it", () => {
    const s = store({ last_seq: 0 });
    s.addMessage(edit(2, 1, "edited before I had it"));
    expect(s.messagesOf("c1")).toEqual([]);
    // The original, delivered late (a gap filled from a live copy): the edit applies on arrival.
    s.addMessage(message("c1", 1, { text: "original" }));
    expect(s.messagesOf("c1")).toEqual([expect.objectContaining({ seq: 1, text: "edited before I had it", edited_at: at(2) })]);
  });

  it("never shows a change in the list's preview: the newest message, as it now reads", () => {
    const s = store();
    s.addMessage(message("c1", 1, { text: "first" }));
    s.addMessage(message("c1", 2, { text: "second" }));
    s.addMessage(edit(3, 2, "second, edited"));
    expect(s.latest("c1")).toMatchObject({ seq: 2, text: "second, edited" });
    s.addMessage(del(4, 2));
    expect(s.latest("c1")).toMatchObject({ seq: 2, deleted_by: BOB.user_id });
  });

  it("does not move the conversation up the list for an edit", () => {
    const s = store({ last_active: at(1) });
    s.addMessage(message("c1", 1));
    s.addMessage(edit(2, 1, "later", { sent_at: at(30) }));
    expect(s.get("c1")?.last_active).toBe(at(1));
  });
});

describe("edits and deletes in history", () => {
  it("applies changes on the same page as their message (newest first)", () => {
    const s = store();
    s.addHistory("c1", { messages: [edit(3, 1, "v2"), message("c1", 2), message("c1", 1, { text: "v2", edited_at: at(3) })] }, true);
    expect(s.messagesOf("c1").map((m) => [m.seq, m.text])).toEqual([
      [1, "v2"],
      [2, "message 2"],
    ]);
    expect(s.message("c1", 1)?.edited_at).toBe(at(3));
    expect(s.lastSeq("c1")).toBe(3);
  });

  it("takes a message from an older page as served, with its later edits in it", () => {
    const s = store();
    // The newest page holds two edits of message 1, which is on the next page.
    s.addHistory("c1", { messages: [edit(4, 1, "v3"), edit(3, 1, "v2"), message("c1", 2)], next_before: 2 }, true);
    expect(s.messagesOf("c1").map((m) => m.seq)).toEqual([2]);
    // Served as it reads now (v3). The waiting edits are applied in order, ending with v3.
    s.addHistory("c1", { messages: [message("c1", 1, { text: "v3", edited_at: at(4) })] }, false);
    expect(s.message("c1", 1)).toMatchObject({ text: "v3", edited_at: at(4) });
  });

  it("does not roll a served message back to an edit older than the one it shows", () => {
    const s = store();
    // Only the older edit is held; the message was edited again since (seq 9, not loaded yet).
    s.addHistory("c1", { messages: [edit(3, 1, "v2"), message("c1", 2)], next_before: 2 }, true);
    s.addHistory("c1", { messages: [message("c1", 1, { text: "v4", edited_at: at(9) })] }, false);
    expect(s.message("c1", 1)).toMatchObject({ text: "v4", edited_at: at(9) });
  });

  it("keeps a message served deleted a tombstone, whatever edits wait for it", () => {
    const s = store();
    s.addHistory("c1", { messages: [del(4, 1, ME.user_id), edit(3, 1, "v2"), message("c1", 2)], next_before: 2 }, true);
    const served = message("c1", 1, { deleted_at: at(4), deleted_by: ME.user_id, sender_id: BOB.user_id });
    delete (served as Partial<Message>).text;
    s.addHistory("c1", { messages: [served] }, false);
    expect(s.message("c1", 1)).toMatchObject({ text: "", deleted_by: ME.user_id });
    expect(deletedLabel(s.message("c1", 1) ?? served)).toBe("Removed by an admin");
  });

  it("applies a live edit to a message history brought", () => {
    const s = store();
    s.addHistory("c1", { messages: [message("c1", 1, { text: "v2", edited_at: at(2) }), edit(2, 1, "v2")] }, true);
    s.addMessage(edit(3, 1, "v3"));
    expect(s.message("c1", 1)).toMatchObject({ text: "v3", edited_at: at(3) });
  });
});

describe("unread counts with changes", () => {
  it("counts only others' messages, not edits, deletes or my own", () => {
    const s = store({ last_seq: 0, read_seq: 0 });
    s.addMessage(message("c1", 1));
    s.addMessage(message("c1", 2, { sender_id: ME.user_id }));
    s.addMessage(edit(3, 1, "bob edits"));
    s.addMessage(del(4, 2, ME.user_id));
    s.addMessage(message("c1", 5));
    expect(s.unread("c1", null)).toBe(2);
    expect(s.totalUnread(null)).toBe(2);
  });

  it("counts what the list says is there but is not held yet as messages", () => {
    const s = store({ last_seq: 3, read_seq: 1 });
    expect(s.unread("c1", null)).toBe(2);
    s.addMessage(edit(4, 1, "an edit"));
    expect(s.unread("c1", null)).toBe(2);
  });
});

describe("votes", () => {
  it("takes counts from a votes frame, and my vote only when it is mine", () => {
    const s = store();
    s.addMessage(message("c1", 1, { up: 1 }));
    expect(s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 2, down: 0, user_id: BOB.user_id, vote: "up" })).toBe(true);
    expect(s.message("c1", 1)).toMatchObject({ up: 2, down: 0 });
    expect(s.message("c1", 1)).not.toHaveProperty("my_vote");

    // My vote from another device.
    s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 2, down: 1, user_id: ME.user_id, vote: "down" });
    expect(s.message("c1", 1)).toMatchObject({ up: 2, down: 1, my_vote: "down" });
    // Someone else's vote leaves mine alone.
    s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 1, down: 1, user_id: BOB.user_id, vote: "none" });
    expect(s.message("c1", 1)).toMatchObject({ up: 1, down: 1, my_vote: "down" });
    // Taking mine back elsewhere clears it here.
    s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 1, down: 0, user_id: ME.user_id, vote: "none" });
    expect(s.message("c1", 1)).toMatchObject({ up: 1, down: 0 });
    expect(s.message("c1", 1)).not.toHaveProperty("my_vote");
  });

  it("reads my vote and the counts from history items", () => {
    const s = store();
    s.addHistory("c1", { messages: [message("c1", 1, { up: 4, down: 1, my_vote: "up" })] }, true);
    expect(s.message("c1", 1)).toMatchObject({ up: 4, down: 1, my_vote: "up" });
  });

  it("ignores a frame for a message it does not hold, or for a change entry", () => {
    const s = store();
    s.addMessage(message("c1", 1));
    s.addMessage(edit(2, 1, "edited"));
    expect(s.applyVotes({ type: "votes", conversation_id: "c1", seq: 9, up: 1, down: 0, user_id: BOB.user_id, vote: "up" })).toBe(false);
    expect(s.applyVotes({ type: "votes", conversation_id: "c1", seq: 2, up: 1, down: 0, user_id: BOB.user_id, vote: "up" })).toBe(false);
  });

  it("drops a frame older than the counts it has, when the server numbers them", () => {
    const s = store();
    s.addMessage(message("c1", 1));
    s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 2, down: 0, user_id: BOB.user_id, vote: "up", rev: 2 });
    s.applyVotes({ type: "votes", conversation_id: "c1", seq: 1, up: 1, down: 0, user_id: BOB.user_id, vote: "up", rev: 1 });
    expect(s.message("c1", 1)).toMatchObject({ up: 2, votes_rev: 2 });
  });

  it("keeps vote counts through an edit", () => {
    const s = store();
    s.addMessage(message("c1", 1, { up: 3, my_vote: "up" }));
    s.addMessage(edit(2, 1, "edited"));
    expect(s.message("c1", 1)).toMatchObject({ text: "edited", up: 3, my_vote: "up" });
  });
});
