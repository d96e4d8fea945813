// Custom emoji: a cache of anyone's emoji by id (what messages show), and
// the signed-in user's own library (what the picker and the manager show).
// No DOM here.

import { ApiError } from "./api";
import { SHORTCODE_MAX, matchShortcodes } from "./shortcode";
import type { EmojiView, UploadList } from "./types";

/** The most emoji one library holds (the server's limit). */
export const MAX_EMOJI = 100;

export type EmojiState =
  | { status: "loading" }
  | { status: "ready"; view: EmojiView }
  /** Deleted: its messages show the shortcode as text. */
  | { status: "gone" }
  | { status: "failed" };

export interface EmojiCacheOptions {
  /** An emoji by id; null when it no longer exists. */
  load: (id: string) => Promise<EmojiView | null>;
  now?: () => number;
  /** Refetch this long before a URL expires, so no image is asked for with a dead link. */
  refreshMarginMs?: number;
  /** After a failed load (not a 404), wait this long before trying again. */
  retryAfterMs?: number;
}

interface Entry {
  state: EmojiState;
  /** A load is running. */
  loading: boolean;
  /** When the current view was fetched, or the last failure happened. */
  at: number;
}

const LOADING: EmojiState = { status: "loading" };
const GONE: EmojiState = { status: "gone" };
const FAILED: EmojiState = { status: "failed" };

/** Loads emoji views through the API: a 404 means deleted. */
export function emojiLoader(get: (id: string) => Promise<EmojiView>): (id: string) => Promise<EmojiView | null> {
  return async (id) => {
    try {
      return await get(id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  };
}

export class EmojiCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly margin: number;
  private readonly retryAfter: number;

  constructor(private readonly opts: EmojiCacheOptions) {
    this.margin = opts.refreshMarginMs ?? 30_000;
    this.retryAfter = opts.retryAfterMs ?? 15_000;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * What to show for an emoji now. Starts a load when it is unknown, its URL
   * is about to expire (the old view is still returned meanwhile), or an
   * earlier failure is old enough to retry. Safe to call while rendering:
   * listeners hear only when a load finishes.
   */
  lookup(id: string): EmojiState {
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { state: LOADING, loading: true, at: this.now() });
      void this.fetch(id);
      return LOADING;
    }
    if (!entry.loading && this.isStale(entry)) {
      entry.loading = true;
      void this.fetch(id);
    }
    return entry.state;
  }

  /** The state without starting anything. */
  peek(id: string): EmojiState | undefined {
    return this.entries.get(id)?.state;
  }

  /** A view known from elsewhere (the library, a rename), newer than anything cached. */
  put(view: EmojiView): void {
    const entry = this.entries.get(view.emoji_id);
    const at = this.now();
    if (entry) {
      entry.state = { status: "ready", view };
      entry.at = at;
    } else {
      this.entries.set(view.emoji_id, { state: { status: "ready", view }, loading: false, at });
    }
    this.emit();
  }

  /** Deleted here: no need to ask the server. */
  markGone(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.state = GONE;
    else this.entries.set(id, { state: GONE, loading: false, at: this.now() });
    this.emit();
  }

  /**
   * An image would not load from `url`: its link may have expired or the
   * emoji been deleted, so ask again, at most once per retry period.
   */
  imageFailed(id: string, url: string): void {
    const entry = this.entries.get(id);
    if (entry?.state.status !== "ready" || entry.state.view.url !== url || entry.loading) return;
    if (this.now() - entry.at < this.retryAfter) return;
    entry.loading = true;
    void this.fetch(id);
  }

  /** `view`'s link is dead or about to be: fetch a new one before showing it. */
  expiresSoon(view: EmojiView): boolean {
    const expires = Date.parse(view.url_expires_at);
    return Number.isNaN(expires) || expires - this.margin <= this.now();
  }

  private isStale(entry: Entry): boolean {
    const now = this.now();
    switch (entry.state.status) {
      case "ready":
        return this.expiresSoon(entry.state.view);
      case "failed":
        return now - entry.at >= this.retryAfter;
      case "gone":
      case "loading":
        return false;
    }
  }

  private async fetch(id: string): Promise<void> {
    let next: EmojiState;
    try {
      const view = await this.opts.load(id);
      next = view ? { status: "ready", view } : GONE;
    } catch {
      // Keep showing a view we have (its link may still work); else text.
      const current = this.entries.get(id)?.state;
      next = current?.status === "ready" ? current : FAILED;
    }
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.loading = false;
    // markGone while loading wins: the deletion is newer than the request.
    if (entry.state.status === "gone") return;
    entry.state = next;
    entry.at = this.now();
    this.emit();
  }
}

// ---------------------------------------------------------------- library

/** What the library needs from the HTTP API (tests pass a fake). */
export interface EmojiLibraryApi {
  myEmoji(): Promise<EmojiView[]>;
  createEmoji(uploadId: string, shortcode: string): Promise<EmojiView>;
  renameEmoji(id: string, shortcode: string): Promise<EmojiView>;
  deleteEmoji(id: string): Promise<void>;
  uploads(): Promise<UploadList>;
}

export interface Usage {
  bytesUsed: number;
  quotaBytes: number;
}

export class EmojiLibrary {
  /** By shortcode, as the server lists them. */
  items: EmojiView[] = [];
  status: "idle" | "loading" | "ready" | "failed" = "idle";
  usage: Usage | null = null;
  private loading: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: EmojiLibraryApi,
    private readonly cache: EmojiCache,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Loads the list once, and again when a link in it is about to expire (the
   * pickers and the manager call this as they open); `force` asks again
   * anyway. One request at a time either way.
   */
  load(force = false): Promise<void> {
    const fresh = this.status === "ready" && !this.items.some((view) => this.cache.expiresSoon(view));
    if (fresh && !force) return Promise.resolve();
    this.loading ??= this.doLoad().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    if (this.status !== "ready") this.status = "loading";
    this.emit();
    try {
      this.set(await this.api.myEmoji());
      this.status = "ready";
    } catch (e) {
      if (this.status !== "ready") this.status = "failed";
      throw e;
    } finally {
      this.emit();
    }
  }

  async loadUsage(): Promise<void> {
    const list = await this.api.uploads();
    this.usage = { bytesUsed: list.bytes_used, quotaBytes: list.quota_bytes };
    this.emit();
  }

  private set(items: EmojiView[]): void {
    this.items = [...items].sort(byShortcode);
    for (const view of items) this.cache.put(view);
  }

  get full(): boolean {
    return this.items.length >= MAX_EMOJI;
  }

  byShortcode(shortcode: string): EmojiView | undefined {
    return this.items.find((e) => e.shortcode === shortcode);
  }

  /** Another of my emoji already has this name (names are case-sensitive, as on the server). */
  isTaken(shortcode: string, exceptId?: string): boolean {
    return this.items.some((e) => e.shortcode === shortcode && e.emoji_id !== exceptId);
  }

  /** `base`, or `base_2`, `base_3`, ... whichever is free first. */
  freeName(base: string): string {
    if (!this.isTaken(base)) return base;
    for (let n = 2; ; n++) {
      const suffix = `_${n}`;
      const name = base.slice(0, SHORTCODE_MAX - suffix.length) + suffix;
      if (!this.isTaken(name)) return name;
    }
  }

  search(query: string, limit?: number): EmojiView[] {
    return matchShortcodes(this.items, query, limit);
  }

  async create(uploadId: string, shortcode: string): Promise<EmojiView> {
    const view = await this.api.createEmoji(uploadId, shortcode);
    this.items = [...this.items.filter((e) => e.emoji_id !== view.emoji_id), view].sort(byShortcode);
    this.cache.put(view);
    this.emit();
    return view;
  }

  async rename(id: string, shortcode: string): Promise<EmojiView> {
    const view = await this.api.renameEmoji(id, shortcode);
    this.items = this.items.map((e) => (e.emoji_id === id ? view : e)).sort(byShortcode);
    this.cache.put(view);
    this.emit();
    return view;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.deleteEmoji(id);
    } catch (e) {
      // Already gone is what was asked for.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.items = this.items.filter((e) => e.emoji_id !== id);
    this.cache.markGone(id);
    this.emit();
  }
}

function byShortcode(a: EmojiView, b: EmojiView): number {
  return a.shortcode < b.shortcode ? -1 : a.shortcode > b.shortcode ? 1 : 0;
}

// ------------------------------------------------------------- messages

/** Display size of an emoji `height` px tall, keeping its shape (wide ones capped at twice as wide). */
export function emojiSize(view: Pick<EmojiView, "width" | "height">, height: number): { width: number; height: number } {
  const w = view.width > 0 ? view.width : 1;
  const h = view.height > 0 ? view.height : 1;
  const ratio = Math.min(2, w / h);
  return { width: Math.max(1, Math.round(height * ratio)), height };
}

/** "1.2 KB", "3.4 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i] ?? ""}`;
}
