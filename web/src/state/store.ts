// Conversations and their messages, and the sequence bookkeeping that lets
// the client resume from exactly where it is: within a conversation `seq` is
// 1, 2, 3, ... with no gaps, so a hole means something was missed and a
// repeated seq means a message delivered twice.

import type { Conversation, HistoryPage, Message, ReadFrame } from "./types";

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

export class ChatStore {
  readonly conversations = new Map<string, ConversationState>();
  private readonly messages = new Map<string, Map<number, Message>>();

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
    msgs.set(m.seq, m);
    if (m.seq === c.seen + 1) this.advance(c, msgs);
    c.last_seq = Math.max(c.last_seq, m.seq);
    c.last_active = later(c.last_active, m.sent_at);
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
      msgs.set(m.seq, m);
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

  messagesOf(id: string): Message[] {
    const msgs = this.messages.get(id);
    return msgs ? [...msgs.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  latest(id: string): Message | undefined {
    const c = this.conversations.get(id);
    return c ? this.messages.get(id)?.get(c.last_seq) : undefined;
  }

  /** Messages not yet read; none for the conversation on screen. */
  unread(id: string, activeId: string | null): number {
    const c = this.conversations.get(id);
    if (!c || id === activeId) return 0;
    return Math.max(0, c.last_seq - c.read_seq);
  }

  totalUnread(activeId: string | null): number {
    let total = 0;
    for (const id of this.conversations.keys()) total += this.unread(id, activeId);
    return total;
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

  private messagesMap(id: string): Map<number, Message> {
    let msgs = this.messages.get(id);
    if (!msgs) this.messages.set(id, (msgs = new Map<number, Message>()));
    return msgs;
  }

  private advance(c: ConversationState, msgs: Map<number, Message>): void {
    while (msgs.has(c.seen + 1)) c.seen += 1;
  }
}

function later(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}
