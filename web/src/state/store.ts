// Conversations and their messages, and the sequence bookkeeping that lets
// the client resume from exactly where it is: within a conversation `seq` is
// 1, 2, 3, ... with no gaps, so a hole means something was missed and a
// repeated seq means a message delivered twice.
//
// A log holds messages and changes to them (edits, deletes). Every entry is
// kept by seq for that bookkeeping; changes are applied to their message
// (its text replaced, or it becomes a tombstone) and never shown themselves.
// A change may arrive before its message (an older history page, a resume
// filling a gap): it waits and is applied when the message comes.

import type { Conversation, HistoryPage, Message, ReadFrame, Vote, VotesFrame } from "./types";

export interface ConversationState extends Conversation {
  /** Resume point: every message up to here is held, or (never opened) was counted by the list. */
  seen: number;
  historyLoaded: boolean;
  /** `before` for the next older history page; null once the oldest is here. */
  olderBefore: number | null;
  loadingOlder: boolean;
  /** A `resume` is outstanding; further gaps wait for its `resumed`. */
  resuming: boolean;
}

export type AddResult =
  | { kind: "unknown-conversation" }
  | { kind: "duplicate" }
  | { kind: "added"; gap: boolean };

export function isMessage(m: Message): boolean {
  return (m.kind ?? "message") === "message";
}

export function isDeleted(m: Message): boolean {
  return m.deleted_at !== undefined;
}

/** A message's vote counts and my vote, as shown. */
export interface VoteCounts {
  up: number;
  down: number;
  my_vote?: Vote;
}

export class ChatStore {
  readonly conversations = new Map<string, ConversationState>();
  /** Every entry held, by conversation and seq. */
  private readonly messages = new Map<string, Map<number, Message>>();
  /** Changes whose message is not held yet, by conversation and target seq (in arrival order). */
  private readonly waiting = new Map<string, Map<number, Message[]>>();
  /** The seq of the newest change applied to a message, by conversation and message seq. */
  private readonly applied = new Map<string, Map<number, number>>();

  /** `myId`: the signed-in user, whose own messages are never unread. */
  constructor(readonly myId = "") {}

  get(id: string): ConversationState | undefined {
    return this.conversations.get(id);
  }

  /** Merges a list from the API; what this client learned live is never moved backwards. */
  applyList(list: Conversation[]): ConversationState[] {
    const added: ConversationState[] = [];
    for (const c of list) {
      const old = this.conversations.get(c.conversation_id);
      if (old) {
        Object.assign(old, c, {
          last_seq: Math.max(old.last_seq, c.last_seq),
          read_seq: Math.max(old.read_seq, c.read_seq),
          last_active: later(old.last_active, c.last_active),
        });
      } else {
        const fresh: ConversationState = {
          ...c,
          seen: c.last_seq,
          historyLoaded: false,
          olderBefore: null,
          loadingOlder: false,
          resuming: false,
        };
        this.conversations.set(c.conversation_id, fresh);
        added.push(fresh);
      }
    }
    return added;
  }

  lastSeq(id: string): number {
    return this.conversations.get(id)?.seen ?? 0;
  }

  /**
   * Takes a message from the socket (live, resumed, or our own persisted ack).
   * `gap` is true when a message is missing below it: resume from `lastSeq`.
   */
  addMessage(m: Message): AddResult {
    const c = this.conversations.get(m.conversation_id);
    if (!c) return { kind: "unknown-conversation" };
    const msgs = this.messagesMap(m.conversation_id);
    if (msgs.has(m.seq)) return { kind: "duplicate" };
    this.take(msgs, m);
    if (m.seq === c.seen + 1) this.advance(c, msgs);
    c.last_seq = Math.max(c.last_seq, m.seq);
    // An edit or a delete is not new activity: the list keeps its place.
    if (isMessage(m)) c.last_active = later(c.last_active, m.sent_at);
    return { kind: "added", gap: m.seq > c.seen + 1 };
  }

  /** A page of history (newest first, no holes): everything up to its newest seq is now held. */
  addHistory(id: string, page: HistoryPage, firstPage: boolean): Message[] {
    const c = this.conversations.get(id);
    if (!c) return [];
    const msgs = this.messagesMap(id);
    const fresh: Message[] = [];
    for (const m of page.messages) {
      if (msgs.has(m.seq)) continue;
      this.take(msgs, m);
      fresh.push(m);
    }
    const newest = page.messages.reduce((max, m) => Math.max(max, m.seq), 0);
    if (firstPage) {
      c.seen = Math.max(c.seen, newest);
      this.advance(c, msgs);
      c.last_seq = Math.max(c.last_seq, newest);
    }
    c.olderBefore = page.next_before ?? null;
    return fresh;
  }

  /** The messages to show, oldest first: edits and deletes are already applied to them. */
  messagesOf(id: string): Message[] {
    const msgs = this.messages.get(id);
    return msgs ? [...msgs.values()].filter(isMessage).sort((a, b) => a.seq - b.seq) : [];
  }

  /** Every entry held, changes included, oldest first. */
  entriesOf(id: string): Message[] {
    const msgs = this.messages.get(id);
    return msgs ? [...msgs.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /** The message (not a change) at `seq`, if held. */
  message(id: string, seq: number): Message | undefined {
    const m = this.messages.get(id)?.get(seq);
    return m && isMessage(m) ? m : undefined;
  }

  /** The newest message held (as it now reads), for the list's preview. */
  latest(id: string): Message | undefined {
    const msgs = this.messages.get(id);
    if (!msgs) return undefined;
    let newest: Message | undefined;
    for (const m of msgs.values()) if (isMessage(m) && (!newest || m.seq > newest.seq)) newest = m;
    return newest;
  }

  /**
   * Messages from others not yet read; none for the conversation on screen.
   * Held entries count only if they are others' messages; seqs not held
   * (known only from the list's last_seq) count as messages.
   */
  unread(id: string, activeId: string | null): number {
    const c = this.conversations.get(id);
    if (!c || id === activeId) return 0;
    let unread = Math.max(0, c.last_seq - c.read_seq);
    for (const m of this.messages.get(id)?.values() ?? []) {
      if (m.seq > c.read_seq && m.seq <= c.last_seq && (!isMessage(m) || m.sender_id === this.myId)) unread -= 1;
    }
    return Math.max(0, unread);
  }

  totalUnread(activeId: string | null): number {
    let total = 0;
    for (const id of this.conversations.keys()) total += this.unread(id, activeId);
    return total;
  }

  /** A `votes` frame: the counts as they now are, and my vote when it was mine (from any device). */
  applyVotes(f: VotesFrame): boolean {
    const m = this.message(f.conversation_id, f.seq);
    if (!m) return false;
    // Frames can overtake each other; with revisions, an older one is dropped.
    if (f.rev !== undefined && m.votes_rev !== undefined && f.rev < m.votes_rev) return false;
    const patch: VoteCounts = { up: f.up, down: f.down };
    if (f.user_id === this.myId) patch.my_vote = f.vote === "none" ? undefined : f.vote;
    else if (m.my_vote) patch.my_vote = m.my_vote;
    this.setVotes(f.conversation_id, f.seq, patch, f.rev);
    return true;
  }

  /** Replaces a message's counts and my vote (absent `my_vote`: no vote). */
  setVotes(id: string, seq: number, votes: VoteCounts, rev?: number): void {
    const m = this.message(id, seq);
    if (!m) return;
    const next: Message = { ...m, up: Math.max(0, votes.up), down: Math.max(0, votes.down) };
    if (rev !== undefined) next.votes_rev = rev;
    if (votes.my_vote) next.my_vote = votes.my_vote;
    else delete next.my_vote;
    this.messagesMap(id).set(seq, next);
  }

  /** Our own read position moves (from this device or another); others' move their member entry. */
  applyRead(r: ReadFrame, myId: string): void {
    const c = this.conversations.get(r.conversation_id);
    if (!c) return;
    if (r.user_id === myId) {
      c.read_seq = Math.max(c.read_seq, r.seq);
      return;
    }
    const member = c.members.find((x) => x.user_id === r.user_id);
    if (member) member.read_seq = Math.max(member.read_seq ?? 0, r.seq);
  }

  applyPresence(conversationId: string, online: number): void {
    const c = this.conversations.get(conversationId);
    if (c) c.online = online;
  }

  /** Most recently active first. */
  sorted(): ConversationState[] {
    return [...this.conversations.values()].sort((a, b) => (a.last_active < b.last_active ? 1 : a.last_active > b.last_active ? -1 : 0));
  }

  /** Holds a new entry: a change goes to its message (or waits for it), a message takes the changes waiting for it. */
  private take(msgs: Map<number, Message>, raw: Message): void {
    const m: Message = { ...raw, text: textOf(raw) };
    msgs.set(m.seq, m);
    const id = m.conversation_id;
    if (!isMessage(m)) {
      if (m.target_seq === undefined) return;
      const target = msgs.get(m.target_seq);
      if (target && isMessage(target)) {
        this.applyChange(msgs, target, m);
      } else if (!target) {
        let waiting = this.waiting.get(id);
        if (!waiting) this.waiting.set(id, (waiting = new Map<number, Message[]>()));
        waiting.set(m.target_seq, [...(waiting.get(m.target_seq) ?? []), m]);
      }
      return;
    }
    const waiting = this.waiting.get(id)?.get(m.seq);
    if (!waiting) return;
    this.waiting.get(id)?.delete(m.seq);
    let target = m;
    for (const change of [...waiting].sort((a, b) => a.seq - b.seq)) target = this.applyChange(msgs, target, change);
  }

  /**
   * Applies an edit or a delete to its message and returns the message as it
   * now is. A tombstone stays one; a change older than one already applied
   * (by seq, or, for a message served with its changes, by time) is skipped.
   */
  private applyChange(msgs: Map<number, Message>, target: Message, change: Message): Message {
    if (isDeleted(target)) return target;
    const applied = this.appliedMap(target.conversation_id);
    const last = applied.get(target.seq);
    if (last !== undefined && change.seq <= last) return target;
    let next: Message;
    if (change.kind === "delete") {
      next = { ...target, text: "", deleted_at: change.sent_at, deleted_by: change.sender_id };
      delete next.emoji;
      // A deleted message's files are no longer served.
      delete next.attachments;
    } else {
      // History and resume serve a message as it last read: an edit older than that is already in it.
      if (last === undefined && target.edited_at !== undefined && Date.parse(change.sent_at) < Date.parse(target.edited_at)) {
        return target;
      }
      next = { ...target, text: change.text, edited_at: change.sent_at };
      if (change.emoji?.length) next.emoji = change.emoji;
      else delete next.emoji;
    }
    applied.set(target.seq, change.seq);
    msgs.set(next.seq, next);
    return next;
  }

  private appliedMap(id: string): Map<number, number> {
    let applied = this.applied.get(id);
    if (!applied) this.applied.set(id, (applied = new Map<number, number>()));
    return applied;
  }

  private messagesMap(id: string): Map<number, Message> {
    let msgs = this.messages.get(id);
    if (!msgs) this.messages.set(id, (msgs = new Map<number, Message>()));
    return msgs;
  }

  private advance(c: ConversationState, msgs: Map<number, Message>): void {
    while (msgs.has(c.seen + 1)) c.seen += 1;
  }
}

/** A delete entry and a deleted message come without text. */
function textOf(m: Message): string {
  const text: unknown = m.text;
  return typeof text === "string" ? text : "";
}

function later(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}
