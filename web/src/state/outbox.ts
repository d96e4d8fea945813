// Messages typed but not yet stored, and edits and deletes of stored ones.
// They survive a reload (kept in storage) and are resent with their original
// client ids, which the server uses to store each once however often it
// arrives. They go out one at a time in the order made, so an edit made right
// after a send lands after it.

import type { Attachment, EmojiRef, KeyValueStore } from "./types";

export type OutboxStatus = "queued" | "sending" | "accepted" | "failed";

/** What an item asks for: a new message, or a change to the message at `target_seq`. */
export type OutboxKind = "send" | "edit" | "delete";

export interface OutboxItem {
  id: string;
  /** Absent in items saved before edits existed: those are sends. */
  kind?: OutboxKind;
  conversation_id: string;
  /** A send's or an edit's text; "" for a delete. */
  text: string;
  /** Edit and delete: the seq of the message changed. */
  target_seq?: number;
  status: OutboxStatus;
  error?: string;
  queued_at: string;
  /** The server's resolution of its `:shortcode:`s, known once accepted. */
  emoji?: EmojiRef[];
  /**
   * A send's files: finished uploads, with what is known of them, so the
   * pending bubble can show them and a resend (after a reload too) names them
   * again. A message joins the outbox only once all its uploads are finished.
   */
  attachments?: Attachment[];
}

export function kindOf(item: OutboxItem): OutboxKind {
  return item.kind ?? "send";
}

/** A client id the protocol accepts (1-64 of A-Z a-z 0-9 - _ . :); the prefix says what it names. */
export function newClientId(prefix = "m"): string {
  // randomUUID needs a secure context; getRandomValues works on plain http too.
  if (typeof crypto.randomUUID === "function") return `${prefix}-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function outboxKey(userId: string): string {
  return `chitter.outbox.${userId}`;
}

export class Outbox {
  private items: OutboxItem[];
  /** The one item awaiting its first ack: one at a time keeps a person's messages and changes in the order made. */
  inFlight: string | null = null;
  /**
   * Held back by the server's rate limit until this time (ms since the
   * epoch): nothing goes until `endHold`, then the refused item goes first,
   * with its id. Not kept across a reload: the limit's window is short.
   */
  heldUntil: number | null = null;

  constructor(
    private readonly storage: KeyValueStore,
    private readonly key: string,
  ) {
    this.items = load(storage, key).map((item) =>
      // Whatever was on the wire when the page went away goes again (a rate limit's note is stale by now).
      item.status === "failed" ? item : { ...item, status: "queued", error: undefined },
    );
  }

  all(): readonly OutboxItem[] {
    return this.items;
  }

  /** Sends not yet stored, shown as pending bubbles. */
  forConversation(conversationId: string): OutboxItem[] {
    return this.items.filter((item) => item.conversation_id === conversationId && kindOf(item) === "send");
  }

  /** Edits and deletes not yet stored (failed ones included), oldest first. */
  changesFor(conversationId: string, targetSeq?: number): OutboxItem[] {
    return this.items.filter(
      (item) =>
        item.conversation_id === conversationId &&
        kindOf(item) !== "send" &&
        (targetSeq === undefined || item.target_seq === targetSeq),
    );
  }

  get(id: string): OutboxItem | undefined {
    return this.items.find((item) => item.id === id);
  }

  add(conversationId: string, text: string, id: string = newClientId(), now: Date = new Date()): OutboxItem {
    return this.addSend(conversationId, { text, id, now });
  }

  /** A new message: text, files (finished uploads), or both. */
  addSend(
    conversationId: string,
    { text, attachments = [], id = newClientId(), now = new Date() }: { text: string; attachments?: readonly Attachment[]; id?: string; now?: Date },
  ): OutboxItem {
    return this.push({
      id,
      conversation_id: conversationId,
      text,
      status: "queued",
      queued_at: now.toISOString(),
      ...(attachments.length ? { attachments: attachments.map((a) => ({ ...a })) } : {}),
    });
  }

  /** New text for my message at `targetSeq`. */
  addEdit(conversationId: string, targetSeq: number, text: string, id: string = newClientId("e"), now: Date = new Date()): OutboxItem {
    return this.push({
      id,
      kind: "edit",
      conversation_id: conversationId,
      target_seq: targetSeq,
      text,
      status: "queued",
      queued_at: now.toISOString(),
    });
  }

  /** Delete the message at `targetSeq` (mine, or anyone's in a group I am an admin of). */
  addDelete(conversationId: string, targetSeq: number, id: string = newClientId("d"), now: Date = new Date()): OutboxItem {
    return this.push({
      id,
      kind: "delete",
      conversation_id: conversationId,
      target_seq: targetSeq,
      text: "",
      status: "queued",
      queued_at: now.toISOString(),
    });
  }

  /** Gives up on a failed item: it is not sent again. */
  discard(id: string): boolean {
    const item = this.get(id);
    if (item?.status !== "failed") return false;
    this.items = this.items.filter((x) => x !== item);
    this.save();
    return true;
  }

  /** Drops everything for a conversation I am no longer in (sent or not); returns what went. */
  dropConversation(conversationId: string): OutboxItem[] {
    const gone = this.items.filter((item) => item.conversation_id === conversationId);
    if (!gone.length) return gone;
    if (gone.some((item) => item.id === this.inFlight)) this.inFlight = null;
    this.items = this.items.filter((item) => item.conversation_id !== conversationId);
    this.save();
    return gone;
  }

  private push(item: OutboxItem): OutboxItem {
    this.items.push(item);
    this.save();
    return item;
  }

  /** The next item to put on the wire, or null while one is in flight. */
  next(): OutboxItem | null {
    if (this.inFlight || this.heldUntil !== null) return null;
    return this.items.find((item) => item.status === "queued" || item.status === "sending") ?? null;
  }

  markSending(id: string): void {
    this.update(id, { status: "sending", error: undefined });
    this.inFlight = id;
  }

  onAccepted(id: string, emoji?: EmojiRef[]): void {
    const item = this.get(id);
    if (item && item.status !== "failed") this.update(id, { status: "accepted", ...(emoji?.length ? { emoji } : {}) });
    this.release(id);
  }

  /** Stored with a sequence number: final. Returns the item so its text can be shown as a message. */
  onPersisted(id: string): OutboxItem | undefined {
    const item = this.get(id);
    this.release(id);
    if (!item) return undefined;
    this.items = this.items.filter((x) => x !== item);
    this.save();
    return item;
  }

  onError(id: string, message: string): boolean {
    const item = this.get(id);
    this.release(id);
    if (!item) return false;
    this.update(id, { status: "failed", error: message });
    return true;
  }

  /**
   * Refused as `rate_limited`: nothing was stored, so the item stays pending
   * (the server's message kept as its note) and everything waits until `until`.
   */
  onRateLimited(id: string, message: string, until: number): boolean {
    const item = this.get(id);
    this.release(id);
    if (!item) return false;
    if (item.status !== "failed") this.update(id, { status: "queued", error: message });
    this.heldUntil = Math.max(this.heldUntil ?? 0, until);
    return true;
  }

  /** The rate limit's wait is over: the next item may go. */
  endHold(): void {
    this.heldUntil = null;
  }

  retry(id: string): void {
    const item = this.get(id);
    if (item?.status === "failed") this.update(id, { status: "queued", error: undefined });
  }

  /**
   * A new connection: nothing is in flight any more, and everything not yet
   * persisted goes again (an `accepted` whose `persisted` ack was lost too; the
   * server answers a resend with the first copy's seq).
   */
  resetForReconnect(): void {
    this.inFlight = null;
    if (!this.items.some((item) => item.status === "sending" || item.status === "accepted")) return;
    this.items = this.items.map((item) =>
      item.status === "sending" || item.status === "accepted" ? { ...item, status: "queued" } : item,
    );
    this.save();
  }

  clear(): void {
    this.items = [];
    this.inFlight = null;
    this.heldUntil = null;
    this.storage.removeItem(this.key);
  }

  private release(id: string): void {
    if (this.inFlight === id) this.inFlight = null;
  }

  private update(id: string, patch: Partial<OutboxItem>): void {
    this.items = this.items.map((item) => (item.id === id ? { ...item, ...patch } : item));
    this.save();
  }

  private save(): void {
    try {
      if (this.items.length) this.storage.setItem(this.key, JSON.stringify(this.items));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or blocked: the outbox still works for this page's lifetime.
    }
  }
}

function load(storage: KeyValueStore, key: string): OutboxItem[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((x): x is OutboxItem => {
      if (!x || typeof x !== "object") return false;
      const item = x as OutboxItem;
      if (typeof item.id !== "string" || typeof item.conversation_id !== "string" || typeof item.text !== "string") return false;
      // Files it cannot name again cannot be sent as made.
      const files: unknown = item.attachments;
      if (files !== undefined && !(Array.isArray(files) && files.every(isAttachment))) return false;
      // An edit or delete names its message; one that does not (or an unknown kind) cannot be sent.
      const kind: unknown = item.kind;
      if (kind === undefined || kind === "send") return true;
      return (kind === "edit" || kind === "delete") && typeof item.target_seq === "number";
    });
  } catch {
    return [];
  }
}

function isAttachment(x: unknown): x is Attachment {
  if (!x || typeof x !== "object") return false;
  const a = x as Partial<Attachment>;
  return typeof a.upload_id === "string" && typeof a.name === "string" && typeof a.content_type === "string" && typeof a.size === "number";
}
