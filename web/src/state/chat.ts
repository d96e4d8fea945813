// The signed-in client: conversations, the socket, the outbox, and the rules
// tying them together. No DOM here; the views read it and call its actions.

import type { Api } from "./api";
import { socketUrl } from "./config";
import { Outbox, outboxKey } from "./outbox";
import { type ConnectionStatus, SocketClient, type SocketLike } from "./socket";
import { ChatStore } from "./store";
import type {
  AckFrame,
  ClientFrame,
  Conversation,
  ErrorFrame,
  KeyValueStore,
  Message,
  Profile,
  ResumedFrame,
  ServerFrame,
  ThemeFrame,
  TypingFrame,
} from "./types";

export const TYPING_SHOWN_MS = 4000;
export const TYPING_SEND_EVERY_MS = 3000;

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
  random?: () => number;
  now?: () => number;
}

export class Chat {
  readonly store = new ChatStore();
  readonly outbox: Outbox;
  readonly me: Profile;
  active: string | null = null;
  status: ConnectionStatus = "offline";

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
  private stopped = false;

  constructor(private readonly opts: ChatOptions) {
    this.api = opts.api;
    this.me = opts.me;
    this.outbox = new Outbox(opts.storage, outboxKey(opts.me.user_id));
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
    for (const c of this.store.conversations.values()) {
      c.resuming = false;
      this.resume(c.conversation_id);
    }
    this.outbox.resetForReconnect();
    this.pump();
    // Conversations started with us while we were away.
    void this.loadConversations().catch(() => undefined);
    this.markRead();
    this.opts.onConnected?.();
    this.emit();
  }

  private resume(conversationId: string, from: number = this.store.lastSeq(conversationId)): void {
    const c = this.store.get(conversationId);
    const id = `r-${(++this.resumeCounter).toString(36)}`;
    if (this.send({ action: "resume", id, conversation_id: conversationId, last_seq: from }) && c) c.resuming = true;
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
        this.store.applyPresence(f.conversation_id, f.online);
        break;
      case "error":
        this.onError(f);
        break;
      case "theme":
        this.opts.onTheme?.(f);
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
      // A conversation someone just started with us: the list brings it, and
      // its history loads when opened. Kept meanwhile, as the list may have
      // been read before this message was stored.
      this.orphans.push(m);
      void this.loadConversations().catch(() => undefined);
      return;
    }
    if (m.sender_id === this.me.user_id) this.settle(m.client_msg_id);
    if (result.kind === "added") {
      this.clearTyping(m.conversation_id, m.sender_id);
      if (result.gap && !this.store.get(m.conversation_id)?.resuming) this.resume(m.conversation_id);
      if (m.conversation_id === this.active) this.markRead();
    }
  }

  private onAck(a: AckFrame): void {
    if (a.status === "accepted") {
      this.outbox.onAccepted(a.id, a.emoji);
    } else {
      const item = this.outbox.onPersisted(a.id);
      if (item && a.seq !== undefined) {
        // The ack carries the emoji every member gets, so this shows what they see.
        const emoji = a.emoji ?? item.emoji;
        this.onMessage({
          conversation_id: a.conversation_id,
          seq: a.seq,
          message_id: a.message_id,
          sender_id: this.me.user_id,
          client_msg_id: a.id,
          text: item.text,
          ...(emoji?.length ? { emoji } : {}),
          sent_at: new Date(this.now()).toISOString(),
        });
      }
    }
    this.pump();
  }

  private onResumed(r: ResumedFrame): void {
    const c = this.store.get(r.conversation_id);
    if (r.more) this.resume(r.conversation_id, r.last_seq);
    else if (c) c.resuming = false;
  }

  private onError(e: ErrorFrame): void {
    if (e.id && this.outbox.onError(e.id, e.message)) {
      this.pump();
      return;
    }
    console.warn(`chitter: server error ${e.code}: ${e.message}`);
  }

  private onTyping(t: TypingFrame): void {
    if (t.user_id === this.me.user_id) return;
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

  /** Who is typing in a conversation right now. */
  typingIn(conversationId: string): string[] {
    return [...(this.typing.get(conversationId)?.keys() ?? [])];
  }

  // ---------------------------------------------------------- sending

  /** One send in flight at a time: the server may handle concurrent frames in any order. */
  private pump(): void {
    const next = this.outbox.next();
    if (!next) return;
    if (this.send({ action: "send", id: next.id, conversation_id: next.conversation_id, text: next.text })) {
      this.outbox.markSending(next.id);
    }
  }

  /** Our own message came back stored (by resume or history): its outbox entry is done. */
  private settle(clientMsgId: string): void {
    if (this.outbox.get(clientMsgId)) {
      this.outbox.onPersisted(clientMsgId);
      this.pump();
    }
  }

  sendMessage(text: string): boolean {
    if (!this.active || !text.trim()) return false;
    this.outbox.add(this.active, text);
    this.typingSentAt = 0;
    this.pump();
    this.emit();
    return true;
  }

  retry(id: string): void {
    this.outbox.retry(id);
    this.pump();
    this.emit();
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
    this.listLoad ??= this.api
      .conversations()
      .then((list) => {
        if (this.stopped) return;
        this.store.applyList(list);
        const orphans = this.orphans;
        this.orphans = [];
        for (const m of orphans) if (this.store.get(m.conversation_id)) this.onMessage(m);
        this.emit();
      })
      .finally(() => {
        this.listLoad = null;
      });
    return this.listLoad;
  }

  async open(id: string): Promise<void> {
    const c = this.store.get(id);
    if (!c) return;
    this.active = id;
    this.emit();
    if (!c.historyLoaded) {
      c.historyLoaded = true;
      try {
        const page = await this.api.history(id);
        for (const m of this.store.addHistory(id, page, true)) {
          if (m.sender_id === this.me.user_id) this.settle(m.client_msg_id);
        }
      } catch (e) {
        c.historyLoaded = false;
        throw e;
      } finally {
        this.emit();
      }
    }
    this.markRead();
  }

  /** Back to the list (the narrow layout shows one or the other). */
  close(): void {
    this.active = null;
    this.emit();
  }

  async loadOlder(): Promise<boolean> {
    const c = this.active ? this.store.get(this.active) : undefined;
    if (!c?.historyLoaded || c.olderBefore === null || c.loadingOlder) return false;
    c.loadingOlder = true;
    this.emit();
    try {
      const page = await this.api.history(c.conversation_id, c.olderBefore);
      this.store.addHistory(c.conversation_id, page, false);
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

  private async adopt(c: Conversation): Promise<void> {
    this.store.applyList([c]);
    await this.loadConversations().catch(() => undefined);
    await this.open(c.conversation_id);
  }
}
