import { describe, expect, it } from "vitest";
import { Outbox, kindOf, newClientId, outboxKey } from "../src/state/outbox";
import { MemoryStorage } from "./helpers";

const KEY = outboxKey("u-me");

describe("outbox", () => {
  it("persists what is queued, so a reload still has it with the same ids", () => {
    const storage = new MemoryStorage();
    const first = new Outbox(storage, KEY);
    const a = first.add("c1", "hello", "m-a");
    const b = first.add("c2", "second", "m-b");

    const reloaded = new Outbox(storage, KEY);
    expect(reloaded.all().map((o) => [o.id, o.conversation_id, o.text])).toEqual([
      [a.id, "c1", "hello"],
      [b.id, "c2", "second"],
    ]);
    expect(reloaded.next()?.id).toBe("m-a");
  });

  it("resends, after a reload, what was on the wire, keeping its id; failed stays failed", () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    outbox.add("c1", "three", "m-3");
    outbox.markSending("m-1");
    outbox.onAccepted("m-1");
    outbox.markSending("m-2");
    outbox.onError("m-3", "text_too_long");

    const reloaded = new Outbox(storage, KEY);
    expect(reloaded.all().map((o) => [o.id, o.status])).toEqual([
      ["m-1", "queued"],
      ["m-2", "queued"],
      ["m-3", "failed"],
    ]);
    expect(reloaded.next()?.id).toBe("m-1");
  });

  it("keeps one send in flight, in the order typed", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    expect(outbox.next()?.id).toBe("m-1");
    outbox.markSending("m-1");
    expect(outbox.next()).toBeNull();
    outbox.onAccepted("m-1");
    expect(outbox.get("m-1")?.status).toBe("accepted");
    expect(outbox.next()?.id).toBe("m-2");
  });

  it("removes an item on its persisted ack, in memory and in storage", () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    outbox.markSending("m-1");

    const done = outbox.onPersisted("m-1");
    expect(done?.text).toBe("one");
    expect(outbox.inFlight).toBeNull();
    expect(outbox.all().map((o) => o.id)).toEqual(["m-2"]);
    expect(new Outbox(storage, KEY).all().map((o) => o.id)).toEqual(["m-2"]);

    outbox.onPersisted("m-2");
    expect(storage.getItem(KEY)).toBeNull();
    expect(outbox.onPersisted("m-unknown")).toBeUndefined();
  });

  it("treats persisted as final even when it beats accepted", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "one", "m-1");
    outbox.markSending("m-1");
    outbox.onPersisted("m-1");
    outbox.onAccepted("m-1");
    expect(outbox.all()).toHaveLength(0);
    expect(outbox.inFlight).toBeNull();
  });

  it("requeues everything unstored after a reconnect, with the original ids", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    outbox.markSending("m-1");
    outbox.onAccepted("m-1");
    outbox.markSending("m-2");

    outbox.resetForReconnect();
    expect(outbox.inFlight).toBeNull();
    expect(outbox.all().map((o) => [o.id, o.status])).toEqual([
      ["m-1", "queued"],
      ["m-2", "queued"],
    ]);
    expect(outbox.next()?.id).toBe("m-1");
  });

  it("marks a refused send failed, releases the queue, and retries on request", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    outbox.markSending("m-1");
    expect(outbox.onError("m-1", "you are not a member")).toBe(true);
    expect(outbox.get("m-1")).toMatchObject({ status: "failed", error: "you are not a member" });
    expect(outbox.next()?.id).toBe("m-2");

    outbox.retry("m-1");
    expect(outbox.get("m-1")?.status).toBe("queued");
    expect(outbox.get("m-1")?.error).toBeUndefined();
  });

  it("ignores unreadable storage instead of failing", () => {
    const storage = new MemoryStorage();
    storage.setItem(KEY, "{not json");
    expect(new Outbox(storage, KEY).all()).toEqual([]);
    storage.setItem(KEY, JSON.stringify([{ id: 1 }, { id: "m-ok", conversation_id: "c1", text: "hi", status: "queued" }]));
    expect(new Outbox(storage, KEY).all().map((o) => o.id)).toEqual(["m-ok"]);
  });

  it("makes client ids the protocol accepts, different each time", () => {
    const a = newClientId();
    const b = newClientId();
    expect(a).toMatch(/^[A-Za-z0-9\-_.:]{1,64}$/);
    expect(a).not.toBe(b);
  });

  it("clears everything, storage included", () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, KEY);
    outbox.add("c1", "one", "m-1");
    outbox.clear();
    expect(outbox.all()).toHaveLength(0);
    expect(storage.getItem(KEY)).toBeNull();
  });

  it("queues edits and deletes with sends, one in flight, in the order made", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "hello", "m-1");
    outbox.addEdit("c1", 3, "new text", "e-1");
    outbox.addDelete("c1", 3, "d-1");
    const order: string[] = [];
    for (let next = outbox.next(); next; next = outbox.next()) {
      order.push(`${kindOf(next)}:${next.id}`);
      outbox.markSending(next.id);
      expect(outbox.next()).toBeNull();
      outbox.onAccepted(next.id);
      outbox.onPersisted(next.id);
    }
    expect(order).toEqual(["send:m-1", "edit:e-1", "delete:d-1"]);
  });

  it("shows only sends as pending bubbles; edits and deletes are listed per message", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.add("c1", "hello", "m-1");
    outbox.addEdit("c1", 3, "new text", "e-1");
    outbox.addDelete("c1", 4, "d-1");
    outbox.addEdit("c2", 3, "elsewhere", "e-2");
    expect(outbox.forConversation("c1").map((o) => o.id)).toEqual(["m-1"]);
    expect(outbox.changesFor("c1").map((o) => o.id)).toEqual(["e-1", "d-1"]);
    expect(outbox.changesFor("c1", 3).map((o) => o.id)).toEqual(["e-1"]);
  });

  it("keeps edits and deletes through a reload, with their ids and targets", () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, KEY);
    outbox.addEdit("c1", 3, "new text", "e-1");
    outbox.addDelete("c1", 5, "d-1");
    outbox.markSending("e-1");

    const reloaded = new Outbox(storage, KEY);
    expect(reloaded.all().map((o) => [o.id, kindOf(o), o.target_seq, o.text, o.status])).toEqual([
      ["e-1", "edit", 3, "new text", "queued"],
      ["d-1", "delete", 5, "", "queued"],
    ]);
  });

  it("reads items saved before edits existed as sends, and drops changes that name no message", () => {
    const storage = new MemoryStorage();
    storage.setItem(
      KEY,
      JSON.stringify([
        { id: "m-old", conversation_id: "c1", text: "hi", status: "queued" },
        { id: "e-bad", kind: "edit", conversation_id: "c1", text: "no target", status: "queued" },
        { id: "x-bad", kind: "rename", conversation_id: "c1", text: "?", target_seq: 1, status: "queued" },
      ]),
    );
    const outbox = new Outbox(storage, KEY);
    expect(outbox.all().map((o) => [o.id, kindOf(o)])).toEqual([["m-old", "send"]]);
  });

  it("discards only what failed", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    outbox.addEdit("c1", 3, "new text", "e-1");
    expect(outbox.discard("e-1")).toBe(false);
    outbox.markSending("e-1");
    outbox.onError("e-1", "you may not edit that");
    expect(outbox.discard("e-1")).toBe(true);
    expect(outbox.all()).toHaveLength(0);
  });

  it("names edits and deletes with their own kind of client id", () => {
    const outbox = new Outbox(new MemoryStorage(), KEY);
    const e = outbox.addEdit("c1", 1, "x");
    const d = outbox.addDelete("c1", 1);
    expect(e.id).toMatch(/^e-[A-Za-z0-9\-_.:]{1,62}$/);
    expect(d.id).toMatch(/^d-[A-Za-z0-9\-_.:]{1,62}$/);
  });

  it("keeps a message's files with it, so a reload can show them and send them again", () => {
    const storage = new MemoryStorage();
    const files = [
      { upload_id: "up-1", name: "photo.png", content_type: "image/png", size: 1200, width: 64, height: 32 },
      { upload_id: "up-2", name: "notes.txt", content_type: "text/plain", size: 6 },
    ];
    const first = new Outbox(storage, KEY);
    first.addSend("c1", { text: "", attachments: files, id: "m-files" });
    first.markSending("m-files");

    const reloaded = new Outbox(storage, KEY);
    expect(reloaded.get("m-files")).toMatchObject({ status: "queued", text: "", attachments: files });
    expect(reloaded.next()?.id).toBe("m-files");
    // A plain message has no files at all.
    expect(reloaded.add("c1", "hi", "m-plain")).not.toHaveProperty("attachments");
  });

  it("drops, on load, a message whose files it could not name again", () => {
    const storage = new MemoryStorage();
    storage.setItem(
      KEY,
      JSON.stringify([
        { id: "m-ok", conversation_id: "c1", text: "", status: "queued", attachments: [{ upload_id: "u", name: "a.txt", content_type: "text/plain", size: 1 }] },
        { id: "m-bad", conversation_id: "c1", text: "", status: "queued", attachments: [{ name: "no id" }] },
        { id: "m-worse", conversation_id: "c1", text: "", status: "queued", attachments: "up-1" },
      ]),
    );
    expect(new Outbox(storage, KEY).all().map((o) => o.id)).toEqual(["m-ok"]);
  });

  it("holds everything after a rate-limited item, which stays pending and goes first, with its id, once the hold ends", () => {
    const storage = new MemoryStorage();
    const outbox = new Outbox(storage, KEY);
    outbox.add("c1", "one", "m-1");
    outbox.add("c1", "two", "m-2");
    outbox.markSending("m-1");
    expect(outbox.onRateLimited("m-1", "too many sends; try again in 4 s", 5000)).toBe(true);
    expect(outbox.get("m-1")).toMatchObject({ status: "queued", error: "too many sends; try again in 4 s" });
    expect(outbox.inFlight).toBeNull();
    expect(outbox.heldUntil).toBe(5000);
    expect(outbox.next()).toBeNull();
    // Another refusal never brings the end nearer.
    expect(outbox.onRateLimited("m-1", "again", 3000)).toBe(true);
    expect(outbox.heldUntil).toBe(5000);
    // A reload forgets the hold and the note.
    expect(new Outbox(storage, KEY).get("m-1")).toMatchObject({ status: "queued", error: undefined });

    outbox.endHold();
    expect(outbox.next()?.id).toBe("m-1");
    outbox.markSending("m-1");
    expect(outbox.get("m-1")?.error).toBeUndefined();
    expect(outbox.onRateLimited("m-gone", "x", 9000)).toBe(false);
  });
});
