// Which theme each conversation shows me, by the server's precedence: my
// override for it, then the conversation's theme, then my default, then the
// built-in look. Fetched per conversation when first shown, kept current by
// `theme` frames and my own choices, refetched before its image links
// expire. No DOM here.

import type { ConversationLooks, Theme, ThemeFrame, ThemeSource } from "./types";

/** The candidates without `shown`. */
export type Candidates = Omit<ConversationLooks, "shown">;

export function resolveShown(c: Candidates): ThemeSource {
  if (c.override) return "override";
  if (c.conversation) return "conversation";
  if (c.default) return "default";
  return "builtin";
}

/** The theme a conversation shows; null for the built-in look. */
export function shownTheme(looks: ConversationLooks): Theme | null {
  switch (looks.shown) {
    case "override":
      return looks.override ?? null;
    case "conversation":
      return looks.conversation ?? null;
    case "default":
      return looks.default ?? null;
    case "builtin":
      return null;
  }
}

/** A change to some candidates; a null theme clears one. */
export interface LooksPatch {
  override?: Theme | null;
  conversation?: { theme: Theme | null; setBy: string };
  default?: Theme | null;
}

export function patchLooks(looks: ConversationLooks, patch: LooksPatch): ConversationLooks {
  const next: ConversationLooks = { ...looks };
  if (patch.override !== undefined) {
    if (patch.override) next.override = patch.override;
    else delete next.override;
  }
  if (patch.conversation) {
    if (patch.conversation.theme) {
      next.conversation = patch.conversation.theme;
      next.conversation_set_by = patch.conversation.setBy;
    } else {
      delete next.conversation;
      delete next.conversation_set_by;
    }
  }
  if (patch.default !== undefined) {
    if (patch.default) next.default = patch.default;
    else delete next.default;
  }
  next.shown = resolveShown(next);
  return next;
}

function mergePatch(a: LooksPatch | null, b: LooksPatch): LooksPatch {
  return { ...(a ?? {}), ...b };
}

export function applyThemeFrame(looks: ConversationLooks, frame: ThemeFrame): ConversationLooks {
  return patchLooks(looks, { conversation: { theme: frame.theme ?? null, setBy: frame.set_by } });
}

/** When the shown theme's image links stop working (ms), or null when it has none. */
export function linksExpireAt(theme: Theme | null): number | null {
  if (!theme?.images_expire_at || Object.keys(theme.images).length === 0) return null;
  const t = Date.parse(theme.images_expire_at);
  return Number.isNaN(t) ? null : t;
}

export type LooksState = { status: "loading" } | { status: "ready"; looks: ConversationLooks } | { status: "failed" };

export interface Effective {
  theme: Theme | null;
  source: ThemeSource | "preview";
}

export interface ConversationThemesOptions {
  load: (conversationId: string) => Promise<ConversationLooks>;
  now?: () => number;
  /** Refetch this long before image links expire. */
  refreshMarginMs?: number;
  /** After a failed load or a broken image, wait this long before asking again. */
  retryAfterMs?: number;
}

interface Entry {
  looks: ConversationLooks | null;
  loading: boolean;
  /** Ask again at the next lookup (a reconnect may have missed frames). */
  stale: boolean;
  failed: boolean;
  /** When the last load started. */
  at: number;
  /** Changes made while a load was out: newer than what it brings. */
  during: LooksPatch | null;
}

const LOADING: LooksState = { status: "loading" };
const FAILED: LooksState = { status: "failed" };

export class ConversationThemes {
  /** A theme tried on from the market, shown in place of any conversation's own. */
  preview: Theme | null = null;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly margin: number;
  private readonly retryAfter: number;

  constructor(private readonly opts: ConversationThemesOptions) {
    this.margin = opts.refreshMarginMs ?? 120_000;
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
   * What a conversation shows now. Starts a load when unknown, stale, its
   * image links are about to expire, or a failure is old enough to retry;
   * the current looks stay meanwhile. Safe to call while rendering.
   */
  lookup(conversationId: string): LooksState {
    let entry = this.entries.get(conversationId);
    if (!entry) {
      entry = { looks: null, loading: false, stale: true, failed: false, at: 0, during: null };
      this.entries.set(conversationId, entry);
    }
    if (!entry.loading && this.needsLoad(entry)) this.load(conversationId, entry);
    if (entry.looks) return { status: "ready", looks: entry.looks };
    return entry.failed && !entry.loading ? FAILED : LOADING;
  }

  /** The looks held, without starting anything. */
  peek(conversationId: string): ConversationLooks | null {
    return this.entries.get(conversationId)?.looks ?? null;
  }

  /** The theme to draw for a conversation (or none open): a preview wins. */
  effective(conversationId: string | null): Effective {
    if (this.preview) return { theme: this.preview, source: "preview" };
    if (!conversationId) return { theme: null, source: "builtin" };
    const state = this.lookup(conversationId);
    if (state.status !== "ready") return { theme: null, source: "builtin" };
    return { theme: shownTheme(state.looks), source: state.looks.shown };
  }

  private needsLoad(entry: Entry): boolean {
    const now = this.now();
    if (entry.failed) return now - entry.at >= this.retryAfter;
    if (entry.stale || !entry.looks) return true;
    const expires = linksExpireAt(shownTheme(entry.looks));
    return expires !== null && expires - this.margin <= now && now - entry.at >= this.retryAfter;
  }

  private load(conversationId: string, entry: Entry): void {
    entry.loading = true;
    entry.stale = false;
    entry.at = this.now();
    entry.during = null;
    this.opts.load(conversationId).then(
      (looks) => {
        entry.loading = false;
        entry.failed = false;
        entry.looks = entry.during ? patchLooks(looks, entry.during) : { ...looks, shown: resolveShown(looks) };
        entry.during = null;
        this.emit();
      },
      () => {
        entry.loading = false;
        // Keep what was shown; without anything, the built-in look.
        entry.failed = entry.looks === null;
        entry.during = null;
        this.emit();
      },
    );
  }

  private patch(conversationId: string, patch: LooksPatch): void {
    const entry = this.entries.get(conversationId);
    if (!entry) return;
    if (entry.looks) entry.looks = patchLooks(entry.looks, patch);
    if (entry.loading) entry.during = mergePatch(entry.during, patch);
  }

  /** A member set or cleared the conversation's theme. */
  applyFrame(frame: ThemeFrame): void {
    this.patch(frame.conversation_id, { conversation: { theme: frame.theme ?? null, setBy: frame.set_by } });
    this.emit();
  }

  setConversation(conversationId: string, theme: Theme | null, setBy: string): void {
    this.patch(conversationId, { conversation: { theme, setBy } });
    this.emit();
  }

  setOverride(conversationId: string, theme: Theme | null): void {
    this.patch(conversationId, { override: theme });
    this.emit();
  }

  /** My default is every conversation's fallback. */
  setDefault(theme: Theme | null): void {
    for (const id of this.entries.keys()) this.patch(id, { default: theme });
    this.emit();
  }

  /**
   * One of my themes changed or was deleted (null): my default and
   * overrides name it live; a conversation keeps the copy it was given.
   */
  mineChanged(themeId: string, theme: Theme | null): void {
    for (const [id, entry] of this.entries) {
      const looks = entry.looks;
      if (!looks) {
        entry.stale = true;
        continue;
      }
      if (looks.override?.theme_id === themeId) this.patch(id, { override: theme });
      if (looks.default?.theme_id === themeId) this.patch(id, { default: theme });
    }
    this.emit();
  }

  /** Everything may have changed unseen (a reconnect): ask again when next shown. */
  invalidate(): void {
    for (const entry of this.entries.values()) entry.stale = true;
    this.emit();
  }

  /** An image would not load (its link may have expired): ask again, at most once per retry period. */
  imageFailed(conversationId: string): void {
    const entry = this.entries.get(conversationId);
    if (!entry || entry.loading || this.now() - entry.at < this.retryAfter) return;
    entry.stale = true;
    this.emit();
  }

  setPreview(theme: Theme | null): void {
    this.preview = theme;
    this.emit();
  }
}
