// The signed-in client: conversations, the socket, the outbox, and the rules
// tying them together. No DOM here; the views read it and call its actions.

import type { Api } from "./api";
import { AttachmentDraft, type PreviewUrls } from "./attachmentDraft";
import { AttachmentLinks } from "./attachmentLinks";
import { ATTACHMENT_MAX_COUNT } from "./attachments";
import { socketUrl } from "./config";
import { ApiError } from "./api";
import { isGroupLike, otherMembers } from "./format";
import { Outbox, type OutboxItem, kindOf, outboxKey } from "./outbox";
import { ProfileCache } from "./profiles";
import { retryAfterSeconds } from "./rateLimit";
import { type StoredReceipt, receiptOf } from "./receipts";
import { Resumes } from "./resumes";
import { type ConnectionStatus, SocketClient, type SocketLike } from "./socket";
import { type ConversationState, ChatStore, expiryOf, isDeleted, isMessage, isWithheld } from "./store";
import type {
  AckFrame,
  ClientFrame,
  Conversation,
  ErrorFrame,
  KeyValueStore,
  MatchedFrame,
  Member,
  Message,
  Profile,
  ResumedFrame,
  RetentionDays,
  RoomPage,
  ServerFrame,
  ThemeFrame,
  TypingFrame,
  UserPage,
  Vote,
  VotesFrame,
} from "./types";
import { type UploadTransport, apiTransport } from "./upload";

export const TYPING_SHOWN_MS = 4000;
export const TYPING_SEND_EVERY_MS = 3000;
/** Vote frames remembered for a revert on error; older ones are forgotten. */
const VOTES_REMEMBERED = 200;
/** Older history pages read on opening, at most, to reach the first message not yet seen. */
const UNSEEN_PAGES = 4;
/** The longest a timer may wait (setTimeout's limit); a later expiry is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A vote on the wire: what my vote was before it, to put back if the server refuses it. */
interface VoteSent {
  conversation_id: string;
  seq: number;
  vote: Vote | "none";
  before: Vote | undefined;
}

/** How a message shows while my edits or deletes of it are unsent, and the ones that failed. */
export interface PendingChange {
  /** The newest unsent change, not failed: its text shows (an edit) or the message shows as going (a delete). */
  pending?: OutboxItem;
  failed: OutboxItem[];
  /** An unsent change held back by the server's rate limit (its `error` says why): it goes again by itself. */
  waiting?: OutboxItem;
}

/** The open conversation, and my read position when it was opened: "New messages" start after it. */
export interface OpenView {
  id: string;
  readAt: number;
  /** The newest entry when it was opened: later ones were seen as they came. */
  upTo: number;
  /** Its history (and older pages up to the first unseen message) is still on its way. */
  loading: boolean;
  /** Tells one opening from the next. */
  token: number;
}

/** A vote the server refused for its rate limit: what it said, shown until the wait is over. */
export interface VoteRefusal {
  conversation_id: string;
  seq: number;
  message: string;
}

/** Why a direct chat cannot be written in: I block the other person, or a send was refused (one of us blocks the other). */
export interface BlockState {
  kind: "blocked" | "refused";
  other: Member;
}

export interface ChatOptions {
  api: Api;
  me: Profile;
  wsUrl: string;
  storage: KeyValueStore;
  /** Read positions only move while the page is actually seen. */
  isVisible: () => boolean;
  createSocket?: (url: string) => SocketLike;
  /** A conversation's theme changed. */
  onTheme?: (frame: ThemeFrame) => void;
  /** A new connection: whatever happened while away was not heard. */
  onConnected?: () => void;
  /** Random matching paired me with someone (the frame may come twice). */
  onMatched?: (frame: MatchedFrame) => void;
  /** How files are uploaded (the API and presigned PUTs when not given). */
  uploads?: UploadTransport;
  /** Local URLs of picked images, to show them before they are sent (none when not given). */
  previews?: PreviewUrls;
  random?: () => number;
  now?: () => number;
}

export class Chat {
  readonly store: ChatStore;
  readonly outbox: Outbox;
  /** Download URLs of files in messages. */
  readonly links: AttachmentLinks;
  readonly me: Profile;
  active: string | null = null;
  status: ConnectionStatus = "offline";
  /** People I block, by id (from GET /api/blocks, then kept by my own changes). */
  readonly blocked = new Map<string, Profile>();
  /** The blocked list has been read. */
  blocksLoaded = false;
  /** The open conversation's "New messages" point. */
  openView: OpenView | null = null;
  /** Names of people conversations do not list (a room's senders), looked up by id. */
  readonly profiles: ProfileCache;

  private readonly api: Api;
  private readonly socket: SocketClient;
  private readonly listeners = new Set<() => void>();
  private readonly typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  private readonly readSent = new Map<string, number>();
  private typingSentAt = 0;
  private listLoad: Promise<void> | null = null;
  /** Messages for conversations the list has not brought yet; replayed once it has. */
  private orphans: Message[] = [];
  private resumeCounter = 0;
  /** Each conversation's resume in flight, asked again when it fails or goes unanswered. */
  private readonly resumes: Resumes;
  private voteCounter = 0;
  private readonly votesSent = new Map<string, VoteSent>();
  /** The files picked for each conversation's next message. */
  private readonly drafts = new Map<string, AttachmentDraft>();
  private readonly uploads: UploadTransport;
  private stopped = false;
  /** Direct conversations where a send was refused as `forbidden`: one of us blocks the other. */
  private readonly refused = new Set<string>();
  private openCounter = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private expiryAt = 0;
  /** Rooms I left: a list read before I did, and frames on their way, do not bring them back. */
  private readonly left = new Set<string>();
  /** Which list reading was the latest when I joined each room (a reading from before cannot say I left it). */
  private readonly joinedAt = new Map<string, number>();
  private listReads = 0;
  /** Ends the outbox's rate-limit hold. */
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** The latest vote refused for the rate limit (a vote is not queued: it can be made again). */
  voteRefusal: VoteRefusal | null = null;
  private voteRefusalTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ChatOptions) {
    this.api = opts.api;
    this.me = opts.me;
    this.store = new ChatStore(opts.me.user_id, () => this.now());
    this.outbox = new Outbox(opts.storage, outboxKey(opts.me.user_id));
    this.uploads = opts.uploads ?? apiTransport(opts.api);
    this.links = new AttachmentLinks({
      load: (conversationId, seq, uploadId) => this.api.attachment(conversationId, seq, uploadId),
      now: opts.now,
    });
    this.links.subscribe(() => {
      this.emit();
    });
    this.profiles = new ProfileCache({ load: (ids) => this.api.profiles(ids) });
    this.resumes = new Resumes({ retry: (id) => this.resume(id), random: opts.random });
    this.profiles.subscribe(() => {
      this.emit();
    });
    this.socket = new SocketClient({
      connectUrl: async () => socketUrl(opts.wsUrl, (await this.api.ticket()).ticket),
      createSocket: opts.createSocket,
      random: opts.random,
      onOpen: () => this.onOpen(),
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => {
        this.status = s;
        this.emit();
      },
    });
  }

  // ------------------------------------------------------------ lifecycle

  /** Loads the list and connects; the socket starts even if the list fails (its open reloads it). */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.loadConversations();
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
      if (!this.stopped) this.socket.start();
    }
  }

  stop(): void {
    this.stopped = true;
    this.socket.stop();
    for (const timers of this.typing.values()) for (const t of timers.values()) clearTimeout(t);
    this.typing.clear();
    // Files picked and not sent: their uploads stop, or go if finished.
    for (const draft of this.drafts.values()) draft.dispose();
    this.drafts.clear();
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (this.voteRefusalTimer !== null) clearTimeout(this.voteRefusalTimer);
    this.voteRefusalTimer = null;
    this.resumes.clear();
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private send(frame: ClientFrame): boolean {
    return this.socket.send(frame);
  }

  // -------------------------------------------------------------- socket

  private onOpen(): void {
    // Catch up on everything missed while away, then resend what was not yet
    // stored: resends keep their ids, so nothing is stored twice.
    this.resumes.clear();
    for (const c of this.store.conversations.values()) {
      c.resuming = false;
      this.resume(c.conversation_id);
    }
    this.outbox.resetForReconnect();
    this.pump();
    // Conversations started with us while we were away (and unread counts as they are now).
    void this.loadConversations().catch(() => undefined);
    // Blocks made or lifted on another device.
    void this.loadBlocks().catch(() => undefined);
    this.markRead();
    this.opts.onConnected?.();
    this.emit();
  }

  private resume(conversationId: string, from: number = this.store.lastSeq(conversationId)): void {
    const c = this.store.get(conversationId);
    // Gone from the list (left, or removed) since this was asked for.
    if (!c) return;
    const id = `r-${(++this.resumeCounter).toString(36)}`;
    if (!this.send({ action: "resume", id, conversation_id: conversationId, last_seq: from })) return;
    this.resumes.sent(id, conversationId);
    c.resuming = true;
  }

  onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "message":
        this.onMessage(f);
        break;
      case "ack":
        this.onAck(f);
        break;
      case "resumed":
        this.onResumed(f);
        break;
      case "typing":
        this.onTyping(f);
        break;
      case "read":
        this.store.applyRead(f, this.me.user_id);
        break;
      case "presence":
        if (!this.left.has(f.conversation_id)) this.store.applyPresence(f.conversation_id, f.online);
        break;
      case "error":
        this.onError(f);
        break;
      case "theme":
        this.opts.onTheme?.(f);
        this.wantNames(f.conversation_id, [f.set_by]);
        break;
      case "votes":
        this.onVotes(f);
        break;
      case "retention":
        if (this.store.applyRetention(f)) this.scheduleExpiry();
        this.wantNames(f.conversation_id, [f.set_by]);
        break;
      case "matched":
        this.opts.onMatched?.(f);
        break;
      case "pong":
        return;
      default:
        return;
    }
    this.emit();
  }

  private onMessage(m: Message): void {
    const result = this.store.addMessage(m);
    if (result.kind === "unknown-conversation") {
      // Still on its way when I left the room.
      if (this.left.has(m.conversation_id)) return;
      // A conversation someone just started with us: the list brings it, and
      // its history loads when opened. Kept meanwhile, as the list may have
      // been read before this message was stored.
      this.orphans.push(m);
      void this.loadConversations().catch(() => undefined);
      return;
    }
    if (m.sender_id === this.me.user_id) this.settle(m.client_msg_id);
    if (result.kind === "added") {
      this.wantNames(m.conversation_id, idsOf([m]));
      if (m.expires_at !== undefined) this.scheduleExpiry();
      if (isMessage(m)) this.clearTyping(m.conversation_id, m.sender_id);
      if (result.gap && !this.store.get(m.conversation_id)?.resuming) this.resume(m.conversation_id);
      if (m.conversation_id === this.active) this.markRead();
    }
  }

  private onAck(a: AckFrame): void {
    if (a.status === "accepted") {
      this.outbox.onAccepted(a.id, a.emoji);
    } else {
      // `persisted`, or `delivered` (which follows it, and stands in for it if it got lost).
      const item = this.outbox.onPersisted(a.id);
      if (item && a.seq !== undefined) {
        // The ack carries the emoji every member gets, so this shows what they see.
        const emoji = a.emoji ?? item.emoji;
        const kind = kindOf(item);
        const sentAt = new Date(this.now()).toISOString();
        // Acks carry no expiry: it is the conversation's retention from now (the server's clock is close).
        const days = this.store.get(a.conversation_id)?.retention_days;
        const expiresAt = days === undefined ? undefined : expiryOf(sentAt, days);
        // This connection gets no `message` frame for its own entries: the ack stands in for it.
        this.onMessage({
          conversation_id: a.conversation_id,
          seq: a.seq,
          message_id: a.message_id,
          sender_id: this.me.user_id,
          client_msg_id: a.id,
          text: kind === "delete" ? "" : item.text,
          ...(kind !== "delete" && emoji?.length ? { emoji } : {}),
          ...(kind === "send" && item.attachments?.length ? { attachments: item.attachments } : {}),
          sent_at: sentAt,
          ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
          ...(kind === "send" ? {} : { kind, target_seq: item.target_seq }),
        });
      }
      if (a.status === "delivered" && a.seq !== undefined) this.store.markDelivered(a.conversation_id, a.seq);
    }
    this.pump();
  }

  private onResumed(r: ResumedFrame): void {
    const c = this.store.get(r.conversation_id);
    // Everything up to there has come; numbers missing below it are gone (retention), not to be asked for again.
    this.store.resumedTo(r.conversation_id, r.last_seq);
    // A late answer to a replaced request: its `more` would start a second chain of pages.
    if (!this.resumes.answered(r.conversation_id, r.id)) return;
    if (r.more) this.resume(r.conversation_id, r.last_seq);
    else if (c) c.resuming = false;
  }

  private onError(e: ErrorFrame): void {
    // A resume that failed for a passing reason goes again by itself (a gap
    // may ask sooner); one refused (say, no longer a member) is let go.
    const passing = e.code === "unavailable" || e.code === "internal";
    const resumed = e.id === undefined ? undefined : this.resumes.failed(e.id, passing);
    if (resumed !== undefined) {
      const c = this.store.get(resumed);
      if (c) c.resuming = false;
      if (passing) return;
    }
    if (e.code === "rate_limited") {
      this.onRateLimited(e);
      return;
    }
    const item = e.id ? this.outbox.get(e.id) : undefined;
    // A send refused in a direct chat: one of us blocks the other, and the chat says so.
    if (item && e.code === "forbidden" && kindOf(item) === "send" && this.store.get(item.conversation_id)?.kind === "direct") {
      this.refused.add(item.conversation_id);
    }
    if (e.id && this.outbox.onError(e.id, e.message)) {
      this.pump();
      return;
    }
    const vote = e.id ? this.votesSent.get(e.id) : undefined;
    if (e.id && vote) {
      this.votesSent.delete(e.id);
      this.revertVote(vote);
      return;
    }
    console.warn(`chitter: server error ${e.code}: ${e.message}`);
  }

  /**
   * Over the server's per-user limit. Nothing was stored, and the same frame
   * (same id) may go again after the wait: an outbox item stays pending and
   * goes first once it is over; a vote is put back, and can be made again.
   * Typing notices are only ever a hint: their refusals go unmentioned.
   */
  private onRateLimited(e: ErrorFrame): void {
    const waitMs = retryAfterSeconds(e.retry_after, e.message) * 1000;
    if (e.id && this.outbox.onRateLimited(e.id, e.message, this.now() + waitMs)) {
      this.holdSends();
      return;
    }
    const vote = e.id ? this.votesSent.get(e.id) : undefined;
    if (e.id && vote) {
      this.votesSent.delete(e.id);
      this.revertVote(vote);
      this.voteRefusal = { conversation_id: vote.conversation_id, seq: vote.seq, message: e.message };
      if (this.voteRefusalTimer !== null) clearTimeout(this.voteRefusalTimer);
      this.voteRefusalTimer = setTimeout(() => {
        this.voteRefusalTimer = null;
        this.voteRefusal = null;
        this.emit();
      }, waitMs);
    }
  }

  /** One timer for the outbox's hold, set for its end (a later refusal moves it on). */
  private holdSends(): void {
    const until = this.outbox.heldUntil;
    if (until === null) return;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(
      () => {
        this.holdTimer = null;
        this.outbox.endHold();
        this.pump();
        this.emit();
      },
      Math.max(0, until - this.now()),
    );
  }

  /** While sends wait out the server's rate limit: whole seconds until they go again (at least 1); else null. */
  sendWait(): number | null {
    const until = this.outbox.heldUntil;
    return until === null ? null : Math.max(1, Math.ceil((until - this.now()) / 1000));
  }

  /** Puts away the note of a vote refused for the rate limit. */
  dismissVoteRefusal(): void {
    if (this.voteRefusalTimer !== null) clearTimeout(this.voteRefusalTimer);
    this.voteRefusalTimer = null;
    this.voteRefusal = null;
    this.emit();
  }

  /**
   * New counts for a message. My own vote's frame (every vote of mine gets
   * one, changed or not) answers the oldest of mine on the wire for it; while
   * a later one is still on its way, what shows is already what it will make.
   */
  private onVotes(f: VotesFrame): void {
    if (f.user_id === this.me.user_id) {
      const mine = [...this.votesSent].filter(([, sent]) => sent.conversation_id === f.conversation_id && sent.seq === f.seq);
      const answered = mine[0];
      if (answered) this.votesSent.delete(answered[0]);
      if (mine.length > 1) return;
    }
    this.store.applyVotes(f);
  }

  private onTyping(t: TypingFrame): void {
    // Someone I block is not shown typing either.
    if (t.user_id === this.me.user_id || this.blocked.has(t.user_id)) return;
    this.wantNames(t.conversation_id, [t.user_id]);
    let timers = this.typing.get(t.conversation_id);
    if (!timers) this.typing.set(t.conversation_id, (timers = new Map<string, ReturnType<typeof setTimeout>>()));
    clearTimeout(timers.get(t.user_id));
    timers.set(
      t.user_id,
      setTimeout(() => {
        this.clearTyping(t.conversation_id, t.user_id);
        this.emit();
      }, TYPING_SHOWN_MS),
    );
  }

  private clearTyping(conversationId: string, userId: string): void {
    const timers = this.typing.get(conversationId);
    const timer = timers?.get(userId);
    if (timer === undefined) return;
    clearTimeout(timer);
    timers?.delete(userId);
  }

  /**
   * Looks up the names of people a conversation does not list (in a room,
   * everyone but me); ids asked for together go in one request.
   */
  private wantNames(conversationId: string, userIds: Iterable<string>): void {
    const c = this.store.get(conversationId);
    if (!c) return;
    const unlisted = [...userIds].filter((id) => id !== this.me.user_id && !c.members.some((m) => m.user_id === id));
    if (unlisted.length) this.profiles.want(unlisted);
  }

  /** Who is typing in a conversation right now. */
  typingIn(conversationId: string): string[] {
    return [...(this.typing.get(conversationId)?.keys() ?? [])];
  }

  // ---------------------------------------------------------- sending

  /**
   * One send, edit or delete in flight at a time: the server may handle
   * concurrent frames in any order, and the next waits for `accepted`.
   */
  private pump(): void {
    const next = this.outbox.next();
    if (!next) return;
    if (this.send(frameOf(next))) this.outbox.markSending(next.id);
  }

  /** Our own message came back stored (by resume or history): its outbox entry is done. */
  private settle(clientMsgId: string): void {
    if (this.outbox.get(clientMsgId)) {
      this.outbox.onPersisted(clientMsgId);
      this.pump();
    }
  }

  /**
   * Sends text and the files picked for the open conversation. A message with
   * files joins the outbox only once every upload is finished (false until
   * then), so what the outbox holds can always be sent, after a reload too.
   */
  sendMessage(text: string): boolean {
    const id = this.active;
    if (!id) return false;
    const c = this.store.get(id);
    if (c && this.blockState(c)?.kind === "blocked") return false;
    const draft = this.drafts.get(id);
    if (draft && !draft.settled) return false;
    const files = draft?.attachments() ?? [];
    if (!text.trim() && !files.length) return false;
    if (files.length > ATTACHMENT_MAX_COUNT) return false;
    const handed = files.length ? draft?.handOff() : null;
    for (const [uploadId, url] of handed?.previews ?? []) this.links.putLocal(uploadId, url);
    // Files alone need no words: blank text is not sent.
    this.outbox.addSend(id, { text: files.length && !text.trim() ? "" : text, attachments: files });
    this.typingSentAt = 0;
    this.pump();
    this.emit();
    return true;
  }

  /** The files picked for a conversation's next message. */
  draft(conversationId: string): AttachmentDraft {
    let draft = this.drafts.get(conversationId);
    if (!draft) {
      draft = new AttachmentDraft({ transport: this.uploads, previews: this.opts.previews });
      draft.subscribe(() => {
        this.emit();
      });
      this.drafts.set(conversationId, draft);
    }
    return draft;
  }

  /** Whether a conversation has files picked (without making a draft for it). */
  hasDraft(conversationId: string): boolean {
    return !(this.drafts.get(conversationId)?.isEmpty ?? true);
  }

  retry(id: string): void {
    this.outbox.retry(id);
    this.pump();
    this.emit();
  }

  /** Gives up on a failed edit or delete (or send): the message shows as the server has it. */
  discard(id: string): void {
    const item = this.outbox.get(id);
    if (!item || !this.outbox.discard(id)) return;
    // A send given up on never carries its files: their uploads go (best effort).
    if (kindOf(item) === "send") for (const a of item.attachments ?? []) this.uploads.discard(a.upload_id).catch(() => undefined);
    this.emit();
  }

  // ------------------------------------------------ editing, deleting, votes

  /** My own messages, not deleted, can be edited. */
  canEdit(m: Message): boolean {
    return isMessage(m) && !isDeleted(m) && m.sender_id === this.me.user_id;
  }

  /** My own messages, and in a group or room I am an admin of anyone's, can be deleted. */
  canDelete(c: Conversation, m: Message): boolean {
    if (!isMessage(m) || isDeleted(m)) return false;
    return m.sender_id === this.me.user_id || (isGroupLike(c) && c.role === "admin");
  }

  /** My unsent edits and deletes of a message. */
  pendingChange(conversationId: string, seq: number): PendingChange {
    const changes = this.outbox.changesFor(conversationId, seq);
    const waiting = changes.find((item) => item.status !== "failed" && item.error !== undefined);
    return {
      pending: changes.filter((item) => item.status !== "failed").at(-1),
      failed: changes.filter((item) => item.status === "failed"),
      ...(waiting ? { waiting } : {}),
    };
  }

  /** The text a message shows now: the newest unsent edit's, else the stored one. */
  shownText(conversationId: string, m: Message): string {
    const { pending } = this.pendingChange(conversationId, m.seq);
    return pending && kindOf(pending) === "edit" ? pending.text : m.text;
  }

  /** My newest message here that can still be edited (not deleted, not being deleted). */
  lastEditable(conversationId: string): Message | undefined {
    const mine = this.store.messagesOf(conversationId).filter((m) => this.canEdit(m));
    for (let i = mine.length - 1; i >= 0; i--) {
      const m = mine[i];
      if (m && this.pendingChange(conversationId, m.seq).pending?.kind !== "delete") return m;
    }
    return undefined;
  }

  /** Queues new text for my message; false when there is nothing to change. */
  editMessage(conversationId: string, seq: number, text: string): boolean {
    const m = this.store.message(conversationId, seq);
    if (!m || !this.canEdit(m) || !text.trim() || text === this.shownText(conversationId, m)) return false;
    const { pending, failed } = this.pendingChange(conversationId, seq);
    if (pending?.kind === "delete") return false;
    // A new edit supersedes the ones that failed.
    for (const item of failed) this.outbox.discard(item.id);
    this.outbox.addEdit(conversationId, seq, text);
    this.pump();
    this.emit();
    return true;
  }

  /** Queues the delete of a message (mine, or anyone's in a group I am an admin of). */
  deleteMessage(conversationId: string, seq: number): boolean {
    const c = this.store.get(conversationId);
    const m = this.store.message(conversationId, seq);
    if (!c || !m || !this.canDelete(c, m)) return false;
    const { pending, failed } = this.pendingChange(conversationId, seq);
    if (pending?.kind === "delete") return false;
    for (const item of failed) this.outbox.discard(item.id);
    this.outbox.addDelete(conversationId, seq);
    this.pump();
    this.emit();
    return true;
  }

  /**
   * Votes on a message ("none" takes my vote back), shown at once; the
   * `votes` frame then says how the counts really are, and an error puts
   * back what was there. Not queued: offline, nothing happens.
   */
  vote(conversationId: string, seq: number, vote: Vote | "none"): boolean {
    const m = this.store.message(conversationId, seq);
    if (!m || isDeleted(m)) return false;
    const before = m.my_vote;
    if ((before ?? "none") === vote) return false;
    const id = `v-${(++this.voteCounter).toString(36)}`;
    if (!this.send({ action: "vote", id, conversation_id: conversationId, seq, vote })) return false;
    if (this.voteRefusal?.conversation_id === conversationId && this.voteRefusal.seq === seq) this.voteRefusal = null;
    this.votesSent.set(id, { conversation_id: conversationId, seq, vote, before });
    if (this.votesSent.size > VOTES_REMEMBERED) {
      const oldest = this.votesSent.keys().next();
      if (!oldest.done) this.votesSent.delete(oldest.value);
    }
    this.store.setVotes(conversationId, seq, moveVote(m, before, vote === "none" ? undefined : vote));
    this.emit();
    return true;
  }

  private revertVote(sent: VoteSent): void {
    const m = this.store.message(sent.conversation_id, sent.seq);
    if (!m) return;
    // Only if nothing has changed my vote since (a later vote, or the frame of another device).
    if ((m.my_vote ?? "none") !== sent.vote) return;
    this.store.setVotes(sent.conversation_id, sent.seq, moveVote(m, m.my_vote, sent.before));
  }

  notifyTyping(): void {
    if (!this.active) return;
    const now = this.now();
    if (now - this.typingSentAt <= TYPING_SEND_EVERY_MS) return;
    if (this.send({ action: "typing", conversation_id: this.active })) this.typingSentAt = now;
  }

  markRead(): void {
    const id = this.active;
    if (!id || !this.opts.isVisible()) return;
    const c = this.store.get(id);
    if (!c) return;
    const seq = c.seen;
    if (seq > (this.readSent.get(id) ?? 0) && seq > c.read_seq) {
      if (this.send({ action: "read", conversation_id: id, seq })) this.readSent.set(id, seq);
      c.read_seq = seq;
      this.emit();
    }
  }

  // ------------------------------------------------------ conversations

  loadConversations(): Promise<void> {
    this.listLoad ??= this.readList();
    return this.listLoad;
  }

  private readList(): Promise<void> {
    const reading = ++this.listReads;
    const held = new Set(this.store.conversations.keys());
    return this.api
      .conversations()
      .then((list) => {
        if (this.stopped) return;
        this.store.applyList(list.filter((c) => !this.left.has(c.conversation_id)));
        // A room that is not listed any more was left on another device, or an admin removed me.
        const listed = new Set(list.map((c) => c.conversation_id));
        for (const id of held) {
          if (listed.has(id) || this.store.get(id)?.kind !== "room" || (this.joinedAt.get(id) ?? 0) >= reading) continue;
          this.dropConversation(id);
        }
        const orphans = this.orphans;
        this.orphans = [];
        for (const m of orphans) if (this.store.get(m.conversation_id)) this.onMessage(m);
        this.emit();
      })
      .finally(() => {
        this.listLoad = null;
      });
  }

  /**
   * Shows a conversation. My read position as it opens says where "New
   * messages" begin; its history is read (and older pages, a few at most,
   * until the first message I have not seen is there) before it is marked read.
   */
  async open(id: string, viewIsFresh = false): Promise<void> {
    const c = this.store.get(id);
    if (!c) return;
    const opening = this.openView?.id !== id;
    if (opening || !this.openView) {
      this.openView = { id, readAt: c.read_seq, upTo: c.last_seq, loading: !c.historyLoaded, token: ++this.openCounter };
    }
    const view = this.openView;
    this.active = id;
    this.emit();
    // No frame says how many are in a room: its count is read again as it opens.
    if (opening && c.kind === "room" && !viewIsFresh) void this.refreshConversation(id).catch(() => undefined);
    if (!c.historyLoaded) {
      view.loading = true;
      try {
        await this.loadHistory(c);
        // Without the older pages the line goes above the oldest unseen message there is.
        await this.reachUnseen(c, view.readAt).catch(() => undefined);
      } finally {
        view.loading = false;
        this.emit();
      }
    }
    this.markRead();
  }

  /** The first page of a conversation's history. */
  private async loadHistory(c: ConversationState): Promise<void> {
    const id = c.conversation_id;
    c.historyLoaded = true;
    try {
      const page = await this.api.history(id);
      this.wantNames(id, idsOf(page.messages));
      for (const m of this.store.addHistory(id, page, true)) {
        if (m.sender_id === this.me.user_id) this.settle(m.client_msg_id);
      }
      this.scheduleExpiry();
    } catch (e) {
      c.historyLoaded = false;
      throw e;
    } finally {
      this.emit();
    }
  }

  /** Older pages until the first entry after `readAt` is held, if others wrote after it. */
  private async reachUnseen(c: ConversationState, readAt: number): Promise<void> {
    if (this.store.unread(c.conversation_id, null) === 0) return;
    for (let page = 0; page < UNSEEN_PAGES; page++) {
      const before = c.olderBefore;
      if (before === null || before <= readAt + 1 || c.loadingOlder) return;
      c.loadingOlder = true;
      try {
        const page = await this.api.history(c.conversation_id, before);
        this.wantNames(c.conversation_id, idsOf(page.messages));
        this.store.addHistory(c.conversation_id, page, false);
      } finally {
        c.loadingOlder = false;
      }
      this.scheduleExpiry();
    }
  }

  /** Back to the list (the narrow layout shows one or the other). */
  close(): void {
    this.active = null;
    this.openView = null;
    this.emit();
  }

  async loadOlder(): Promise<boolean> {
    const c = this.active ? this.store.get(this.active) : undefined;
    if (!c?.historyLoaded || c.olderBefore === null || c.loadingOlder) return false;
    c.loadingOlder = true;
    this.emit();
    try {
      const page = await this.api.history(c.conversation_id, c.olderBefore);
      this.wantNames(c.conversation_id, idsOf(page.messages));
      this.store.addHistory(c.conversation_id, page, false);
      this.scheduleExpiry();
      return true;
    } finally {
      c.loadingOlder = false;
      this.emit();
    }
  }

  async openDirect(handle: string): Promise<void> {
    const c = await this.api.openDirect(handle.trim().replace(/^@/, ""));
    await this.adopt(c);
  }

  async createGroup(title: string, handles: string[]): Promise<void> {
    const ids: string[] = [];
    for (const h of handles) ids.push((await this.api.user(h.replace(/^@/, ""))).user_id);
    const c = await this.api.createGroup(title.trim(), ids);
    await this.adopt(c);
  }

  /**
   * Opens a conversation I may not know yet (random matching made it, or
   * brought back the one with that person): the list is read again for it.
   */
  async openById(id: string): Promise<void> {
    if (!this.store.get(id)) {
      await this.loadConversations().catch(() => undefined);
      // A list read already under way may predate the conversation.
      if (!this.store.get(id)) await this.loadConversations();
    }
    await this.open(id);
  }

  private async adopt(c: Conversation): Promise<void> {
    this.store.applyList([c]);
    await this.loadConversations().catch(() => undefined);
    await this.open(c.conversation_id, true);
  }

  // ---------------------------------------------------------------- rooms

  /** A page of the public room directory, newest first. */
  listRooms(after: string | undefined, limit: number): Promise<RoomPage> {
    return this.api.rooms(after, limit);
  }

  /** Starts a public room (I am its admin) and opens it. */
  async createRoom(title: string): Promise<Conversation> {
    const c = await this.api.createRoom(title.trim());
    this.joinedAt.set(c.conversation_id, this.listReads);
    await this.adopt(c);
    return c;
  }

  /** Joins a public room (again, if I left it) and opens it. */
  async joinRoom(id: string): Promise<Conversation> {
    // Its frames count again from the moment I am in (its presence may overtake the answer).
    this.left.delete(id);
    const c = await this.api.joinRoom(id);
    this.joinedAt.set(id, this.listReads);
    await this.adopt(c);
    return c;
  }

  /** Whether I left this room since the page loaded (a directory read before may still say joined). */
  hasLeft(id: string): boolean {
    return this.left.has(id);
  }

  /** Leaves a room: it goes from the list, with what was unsent in it, and its frames stop. */
  async leaveRoom(id: string): Promise<void> {
    try {
      await this.api.leaveRoom(id);
    } catch (e) {
      // No such room (any more): gone all the same.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.left.add(id);
    this.dropConversation(id);
    this.emit();
  }

  /** Forgets a conversation I am no longer in, and everything of it here. */
  private dropConversation(id: string): void {
    this.resumes.forget(id);
    for (const item of this.outbox.dropConversation(id)) {
      for (const a of item.attachments ?? []) this.uploads.discard(a.upload_id).catch(() => undefined);
    }
    this.drafts.get(id)?.dispose();
    this.drafts.delete(id);
    for (const t of this.typing.get(id)?.values() ?? []) clearTimeout(t);
    this.typing.delete(id);
    this.readSent.delete(id);
    this.refused.delete(id);
    this.joinedAt.delete(id);
    this.store.remove(id);
    if (this.active === id) {
      this.active = null;
      this.openView = null;
    }
    // What was on the wire may have been one of its items: the next goes.
    this.pump();
  }

  /** Reads one conversation again: members' roles and read positions, retention. */
  async refreshConversation(id: string): Promise<void> {
    this.store.applyList([await this.api.conversation(id)]);
    this.emit();
  }

  // ----------------------------------------------------- receipts, new

  /** Where my stored message is: sent, delivered or seen (and by whom). */
  receipt(c: Conversation, m: Message): StoredReceipt {
    return receiptOf(c, m.seq, this.me.user_id, this.store.isDelivered(c.conversation_id, m.seq));
  }

  /** The seq of the message "New messages" go above in the open conversation, if any. */
  firstUnseen(id: string): number | undefined {
    const view = this.openView;
    if (view?.id !== id) return undefined;
    return this.store.firstUnseen(id, view.readAt, view.upTo);
  }

  // ---------------------------------------------------------- retention

  /** How long the conversation keeps messages (null: for good); every member hears of it by a `retention` frame. */
  async setRetention(id: string, days: RetentionDays | null): Promise<void> {
    this.store.applyList([await this.api.setRetention(id, days)]);
    this.emit();
  }

  /** Lets expired messages go now, and looks again when the next one expires (one timer, never a loop). */
  private scheduleExpiry(): void {
    const now = this.now();
    if (this.store.dropExpired(now)) this.emit();
    const next = this.store.nextExpiry(now);
    if (next === null) {
      if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
      this.expiryTimer = null;
      return;
    }
    if (this.expiryTimer !== null && this.expiryAt === next) return;
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryAt = next;
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        this.scheduleExpiry();
        this.emit();
      },
      Math.min(next - now, MAX_TIMER_MS),
    );
  }

  // ------------------------------------------------------- group admins

  /** Makes a member an admin or an admin a member (admins of a group only; a group keeps one admin). */
  async setRole(conversationId: string, userId: string, role: "admin" | "member"): Promise<void> {
    this.store.applyList([await this.api.setRole(conversationId, userId, role)]);
    this.emit();
  }

  // ------------------------------------------------------ people, blocks

  /** Users whose handle starts with `prefix`, a page at a time. */
  searchUsers(prefix: string, cursor: string | undefined, limit: number): Promise<UserPage> {
    return this.api.searchUsers(prefix, cursor, limit);
  }

  async loadBlocks(): Promise<void> {
    const list = await this.api.blocks();
    this.blocked.clear();
    for (const p of list) this.blocked.set(p.user_id, p);
    this.blocksLoaded = true;
    this.emit();
  }

  isBlocked(userId: string): boolean {
    return this.blocked.has(userId);
  }

  /**
   * Blocks someone: neither of us can write in our direct chat, and in groups
   * their messages reach me withheld (those already here are hidden at once).
   */
  async block(profile: Profile): Promise<void> {
    await this.api.block(profile.user_id);
    this.blocked.set(profile.user_id, profile);
    this.emit();
  }

  /** Unblocks someone; conversations that hold their withheld messages are read again, to show them. */
  async unblock(userId: string): Promise<void> {
    try {
      await this.api.unblock(userId);
    } catch (e) {
      // Not blocked (any more): what was wanted.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.blocked.delete(userId);
    for (const c of this.store.conversations.values()) {
      if (c.kind === "direct" && c.members.some((m) => m.user_id === userId)) this.refused.delete(c.conversation_id);
      if (!this.store.holdsWithheld(c.conversation_id, userId)) continue;
      this.store.forget(c.conversation_id);
      if (c.conversation_id === this.active) void this.loadHistory(c).catch(() => undefined);
    }
    this.emit();
  }

  /** Whether a message shows as from a blocked user. */
  withheld(m: Message): boolean {
    return isWithheld(m, this.blocked, this.me.user_id);
  }

  /** In a direct chat: whether I block the other person, or a send was refused because one of us blocks the other. */
  blockState(c: Conversation): BlockState | null {
    if (c.kind !== "direct") return null;
    const other = otherMembers(c, this.me.user_id)[0];
    if (!other) return null;
    if (this.blocked.has(other.user_id)) return { kind: "blocked", other };
    if (this.refused.has(c.conversation_id)) return { kind: "refused", other };
    return null;
  }

  /** Tries a refused direct chat again (the other person may have unblocked me): its failed sends go again. */
  tryAgain(conversationId: string): void {
    this.refused.delete(conversationId);
    for (const item of this.outbox.forConversation(conversationId)) {
      if (item.status === "failed") this.outbox.retry(item.id);
    }
    this.pump();
    this.emit();
  }
}

/** The people entries name: their senders, and who deleted them. */
function idsOf(entries: readonly Message[]): string[] {
  const ids: string[] = [];
  for (const m of entries) {
    ids.push(m.sender_id);
    if (m.deleted_by !== undefined) ids.push(m.deleted_by);
  }
  return ids;
}

/** The frame that puts an outbox item on the wire. */
function frameOf(item: OutboxItem): ClientFrame {
  const base = { id: item.id, conversation_id: item.conversation_id };
  const kind = kindOf(item);
  if (kind === "send") {
    const files = item.attachments?.map((a) => ({ upload_id: a.upload_id, name: a.name })) ?? [];
    // A message of files alone leaves the text out.
    if (!files.length) return { action: "send", ...base, text: item.text };
    return { action: "send", ...base, ...(item.text.trim() ? { text: item.text } : {}), attachments: files };
  }
  const seq = item.target_seq ?? 0;
  return kind === "edit" ? { action: "edit", ...base, seq, text: item.text } : { action: "delete", ...base, seq };
}

/** A message's counts with my vote moved from `from` to `to`. */
function moveVote(m: Message, from: Vote | undefined, to: Vote | undefined): { up: number; down: number; my_vote?: Vote } {
  let up = m.up ?? 0;
  let down = m.down ?? 0;
  if (from === "up") up -= 1;
  if (from === "down") down -= 1;
  if (to === "up") up += 1;
  if (to === "down") down += 1;
  return { up: Math.max(0, up), down: Math.max(0, down), ...(to ? { my_vote: to } : {}) };
}
