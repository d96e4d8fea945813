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
//
// With a conversation's retention on, entries carry `expires_at` and are not
// shown from then on (`messagesOf` checks the clock; `dropExpired` lets them
// go, and `nextExpiry` says when to look again).

import type { Conversation, HistoryPage, Message, ReadFrame, RetentionDays, RetentionFrame, Vote, VotesFrame } from "./types";

const DAY_MS = 86_400_000;
/**
 * A `presence` count for a conversation not in the list yet (a room joined a
 * moment ago, whose frame overtook the join's answer) is kept this long.
 */
export const PRESENCE_HELD_MS = 10_000;
/** Counts kept for conversations not in the list, at most. */
const PRESENCE_HELD_MAX = 20;

export interface ConversationState extends Conversation {
  /** Resume point: every message up to here is held, or (never opened) was counted by the list. */
  seen: number;
  historyLoaded: boolean;
  /** `before` for the next older history page; null once the oldest is here. */
  olderBefore: number | null;
  loadingOlder: boolean;
  /** A `resume` is outstanding; further gaps wait for its `resumed`. */
  resuming: boolean;
  /**
   * What the list last said of unread messages: `listUnread` (absent if it
   * did not say) of the entries after `listRead` up to `listLast`.
   */
  listUnread?: number;
  listRead: number;
  listLast: number;
}

/** A line in the message list about the conversation itself, heard live: how long it keeps messages changed. */
export interface ConversationNotice {
  key: string;
  kind: "retention";
  /** Shown after the entry with this seq (the newest there was when it came). */
  after: number;
  at: string;
  set_by: string;
  /** Absent: turned off. */
  days?: RetentionDays;
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

/**
 * Whether an entry shows as "from a blocked user": the server withheld it,
 * or its sender is someone I have blocked since it came (the server withholds
 * theirs from then on, in history too). My own are never withheld.
 */
export function isWithheld(m: Message, blocked: { has(userId: string): boolean }, myId: string): boolean {
  return m.withheld === true || (m.sender_id !== myId && blocked.has(m.sender_id));
}

/** Whether an entry is past its `expires_at` at `now`. */
export function isExpired(m: Message, now: number): boolean {
  return m.expires_at !== undefined && Date.parse(m.expires_at) <= now;
}

/** When an entry sent at `sentAt` expires under a retention of `days`. */
export function expiryOf(sentAt: string, days: RetentionDays): string | undefined {
  const t = Date.parse(sentAt);
  return Number.isNaN(t) ? undefined : new Date(t + days * DAY_MS).toISOString();
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
  /** My messages another member's connection took (`delivered` acks), by conversation. */
  private readonly deliveredSeqs = new Map<string, Set<number>>();
  /** Retention changes heard live, by conversation. */
  private readonly notices = new Map<string, ConversationNotice[]>();
  private noticeCounter = 0;
  /** Online counts heard for conversations not held yet, and when. */
  private readonly heldPresence = new Map<string, { online: number; at: number }>();

  /**
   * `myId`: the signed-in user, whose own messages are never unread; `now`:
   * the clock expiry is checked against.
   */
  constructor(
    readonly myId = "",
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): ConversationState | undefined {
    return this.conversations.get(id);
  }

  /**
   * Merges a list (or one conversation) from the API; what this client
   * learned live is never moved backwards. Its unread count is what the
   * server counted up to its `last_seq`.
   */
  applyList(list: Conversation[]): ConversationState[] {
    const added: ConversationState[] = [];
    for (const c of list) {
      const old = this.conversations.get(c.conversation_id);
      const listed = { listUnread: c.unread, listRead: c.read_seq, listLast: c.last_seq };
      if (old) {
        // A member's read position may have moved live after this was read.
        const members = c.members.map((m) => {
          const before = old.members.find((x) => x.user_id === m.user_id)?.read_seq ?? 0;
          return before > (m.read_seq ?? 0) ? { ...m, read_seq: before } : m;
        });
        Object.assign(old, c, listed, {
          members,
          last_seq: Math.max(old.last_seq, c.last_seq),
          read_seq: Math.max(old.read_seq, c.read_seq),
          last_active: later(old.last_active, c.last_active),
        });
        // Absent means off: not kept from before.
        if (c.retention_days === undefined) delete old.retention_days;
      } else {
        const fresh: ConversationState = {
          ...c,
          ...listed,
          seen: c.last_seq,
          historyLoaded: false,
          olderBefore: null,
          loadingOlder: false,
          resuming: false,
        };
        // A count heard just before is newer than the view (which may have been read before I came online in it).
        const held = this.heldPresence.get(c.conversation_id);
        if (held && this.now() - held.at <= PRESENCE_HELD_MS) setOnline(fresh, held.online);
        this.heldPresence.delete(c.conversation_id);
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

  /**
   * A `resumed` frame: every entry up to `seq` has been sent, so numbers not
   * held below it are gone (retention removed them) and are not asked for again.
   */
  resumedTo(id: string, seq: number): void {
    const c = this.conversations.get(id);
    if (!c) return;
    c.seen = Math.max(c.seen, seq);
    c.last_seq = Math.max(c.last_seq, seq);
    this.advance(c, this.messagesMap(id));
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

  /** The messages to show, oldest first: edits and deletes are already applied to them, and expired ones are left out. */
  messagesOf(id: string): Message[] {
    const msgs = this.messages.get(id);
    const now = this.now();
    return msgs ? [...msgs.values()].filter((m) => isMessage(m) && !isExpired(m, now)).sort((a, b) => a.seq - b.seq) : [];
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

  /** The newest message held (as it now reads, not expired), for the list's preview. */
  latest(id: string): Message | undefined {
    const msgs = this.messages.get(id);
    if (!msgs) return undefined;
    const now = this.now();
    let newest: Message | undefined;
    for (const m of msgs.values()) if (isMessage(m) && !isExpired(m, now) && (!newest || m.seq > newest.seq)) newest = m;
    return newest;
  }

  /**
   * Messages from others not yet read; none for the conversation on screen.
   *
   * Up to the list's `last_seq` the list's own count stands (the server saw
   * every entry), unless everything after my read position there is held,
   * which is then counted exactly; after it, others' messages held are
   * counted as they come. Edits, deletes and my own never count. At 100 the
   * server stops counting: 100 means 100 or more.
   */
  unread(id: string, activeId: string | null): number {
    const c = this.conversations.get(id);
    if (!c || id === activeId) return 0;
    const from = c.read_seq;
    const counted = c.listLast;
    let live = 0;
    let held = 0;
    let heldOthers = 0;
    for (const m of this.messages.get(id)?.values() ?? []) {
      if (m.seq <= from) continue;
      const others = isMessage(m) && m.sender_id !== this.myId;
      if (m.seq > counted) {
        if (others) live += 1;
      } else {
        held += 1;
        if (others) heldOthers += 1;
      }
    }
    if (from >= counted) return live;
    const range = counted - from;
    if (held === range) return live + heldOthers;
    // Not held: as many as could be messages, or what the list said when read from the same place.
    const atMost = range - (held - heldOthers);
    const listed = c.listUnread;
    if (listed === undefined) return live + Math.max(0, atMost);
    return live + (from === c.listRead ? listed : Math.max(0, Math.min(listed, atMost)));
  }

  /**
   * The first message from someone else after `readSeq` (my read position when
   * the conversation was opened) and up to `upTo` (its newest entry then; what
   * came later was seen as it came): where "New messages" begin.
   */
  firstUnseen(id: string, readSeq: number, upTo = Infinity): number | undefined {
    return this.messagesOf(id).find((m) => m.seq > readSeq && m.seq <= upTo && m.sender_id !== this.myId)?.seq;
  }

  /** Another member's connection took my message at `seq` (a `delivered` ack). */
  markDelivered(id: string, seq: number): void {
    let seqs = this.deliveredSeqs.get(id);
    if (!seqs) this.deliveredSeqs.set(id, (seqs = new Set<number>()));
    seqs.add(seq);
  }

  isDelivered(id: string, seq: number): boolean {
    return this.deliveredSeqs.get(id)?.has(seq) ?? false;
  }

  /**
   * A `retention` frame: the conversation keeps messages `days` (or, without,
   * for good). Held entries get the time they now disappear, as the server
   * works through its stored ones, and a line says who changed it.
   */
  applyRetention(f: RetentionFrame): boolean {
    const c = this.conversations.get(f.conversation_id);
    if (!c) return false;
    if (f.days === undefined) delete c.retention_days;
    else c.retention_days = f.days;
    const msgs = this.messages.get(f.conversation_id);
    for (const [seq, m] of msgs ?? []) {
      const next: Message = { ...m };
      const expires = f.days === undefined ? undefined : expiryOf(m.sent_at, f.days);
      if (expires === undefined) delete next.expires_at;
      else next.expires_at = expires;
      msgs?.set(seq, next);
    }
    const notice: ConversationNotice = {
      key: `notice-${(++this.noticeCounter).toString(36)}`,
      kind: "retention",
      after: c.last_seq,
      at: new Date(this.now()).toISOString(),
      set_by: f.set_by,
      ...(f.days === undefined ? {} : { days: f.days }),
    };
    this.notices.set(f.conversation_id, [...(this.notices.get(f.conversation_id) ?? []), notice]);
    return true;
  }

  /** Lines about the conversation heard live, oldest first. */
  noticesOf(id: string): readonly ConversationNotice[] {
    return this.notices.get(id) ?? [];
  }

  /** Lets entries past their `expires_at` go; true when some did. */
  dropExpired(now: number = this.now()): boolean {
    let dropped = false;
    for (const msgs of this.messages.values()) {
      for (const [seq, m] of msgs) {
        if (isExpired(m, now)) {
          msgs.delete(seq);
          dropped = true;
        }
      }
    }
    return dropped;
  }

  /** The soonest `expires_at` after `now` among held entries (ms), or null when none will expire. */
  nextExpiry(now: number = this.now()): number | null {
    let next: number | null = null;
    for (const msgs of this.messages.values()) {
      for (const m of msgs.values()) {
        if (m.expires_at === undefined) continue;
        const t = Date.parse(m.expires_at);
        if (t > now && (next === null || t < next)) next = t;
      }
    }
    return next;
  }

  /** Whether any entry held here has its content withheld and is from `userId`. */
  holdsWithheld(id: string, userId: string): boolean {
    for (const m of this.messages.get(id)?.values() ?? []) if (m.withheld && m.sender_id === userId) return true;
    return false;
  }

  /**
   * Forgets a conversation's entries, so its history is read again (say, to
   * get back what was withheld while blocked); the resume point stays.
   */
  forget(id: string): void {
    const c = this.conversations.get(id);
    if (!c) return;
    this.messages.delete(id);
    this.waiting.delete(id);
    this.applied.delete(id);
    c.historyLoaded = false;
    c.olderBefore = null;
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

  /**
   * A `presence` frame: how many people are online in a conversation now (in
   * a room, distinct people with a connection open). One for a conversation
   * not held yet is kept a short while for when it comes.
   */
  applyPresence(conversationId: string, online: number): boolean {
    const c = this.conversations.get(conversationId);
    if (c) {
      setOnline(c, online);
      return true;
    }
    this.heldPresence.delete(conversationId);
    this.heldPresence.set(conversationId, { online, at: this.now() });
    if (this.heldPresence.size > PRESENCE_HELD_MAX) {
      const oldest = this.heldPresence.keys().next();
      if (!oldest.done) this.heldPresence.delete(oldest.value);
    }
    return false;
  }

  /** Drops a conversation and all it holds (a room I left). */
  remove(id: string): boolean {
    const had = this.conversations.delete(id);
    this.messages.delete(id);
    this.waiting.delete(id);
    this.applied.delete(id);
    this.deliveredSeqs.delete(id);
    this.notices.delete(id);
    this.heldPresence.delete(id);
    return had;
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

/** A conversation's online count; everyone online in a room is in it, so someone who joined since its view was read counts at once. */
function setOnline(c: Conversation, online: number): void {
  c.online = online;
  if (c.kind === "room" && c.member_count !== undefined && online > c.member_count) c.member_count = online;
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
