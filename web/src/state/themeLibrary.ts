// My themes: the list, saving and deleting, publishing, copies from the
// market, and choosing where each applies (my default, a conversation's
// theme, my override in one conversation), which the conversation looks
// follow at once. No DOM here.

import { ApiError } from "./api";
import type { ConversationThemes } from "./themes";
import type { Theme, ThemeSpec } from "./types";

/** The most themes one library holds (the server's limit). */
export const MAX_THEMES = 100;

/** What the library needs from the HTTP API (tests pass a fake). */
export interface ThemeLibraryApi {
  themes(): Promise<Theme[]>;
  myTheme(): Promise<Theme | null>;
  createTheme(spec: ThemeSpec): Promise<Theme>;
  updateTheme(id: string, spec: ThemeSpec): Promise<Theme>;
  deleteTheme(id: string): Promise<void>;
  publishTheme(id: string): Promise<Theme>;
  unpublishTheme(id: string): Promise<Theme>;
  copyTheme(id: string): Promise<Theme>;
  setMyTheme(id: string | null): Promise<Theme | null>;
  setConversationTheme(conversationId: string, id: string | null): Promise<Theme | null>;
  setMyConversationTheme(conversationId: string, id: string | null): Promise<Theme | null>;
}

export class ThemeLibrary {
  /** Oldest first, as the server lists them. */
  items: Theme[] = [];
  /** My default theme, if any. */
  defaultTheme: Theme | null = null;
  status: "idle" | "loading" | "ready" | "failed" = "idle";
  private loading: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: ThemeLibraryApi,
    private readonly looks: ConversationThemes,
    readonly me: string,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  /** Loads once; `force` asks again (fresh image links). One request at a time. */
  load(force = false): Promise<void> {
    if (this.status === "ready" && !force) return Promise.resolve();
    this.loading ??= this.doLoad().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    if (this.status !== "ready") this.status = "loading";
    this.emit();
    try {
      const [items, chosen] = await Promise.all([this.api.themes(), this.api.myTheme()]);
      this.items = items;
      this.defaultTheme = chosen;
      this.status = "ready";
    } catch (e) {
      if (this.status !== "ready") this.status = "failed";
      throw e;
    } finally {
      this.emit();
    }
  }

  get full(): boolean {
    return this.items.length >= MAX_THEMES;
  }

  get(id: string): Theme | undefined {
    return this.items.find((t) => t.theme_id === id);
  }

  /** My copy of a market theme, if I made one. */
  copyOf(originalId: string): Theme | undefined {
    return this.items.find((t) => t.copied_from === originalId);
  }

  private put(theme: Theme): void {
    const at = this.items.findIndex((t) => t.theme_id === theme.theme_id);
    this.items = at < 0 ? [...this.items, theme] : this.items.map((t, i) => (i === at ? theme : t));
    if (this.defaultTheme?.theme_id === theme.theme_id) this.defaultTheme = theme;
  }

  async create(spec: ThemeSpec): Promise<Theme> {
    const theme = await this.api.createTheme(spec);
    this.put(theme);
    this.emit();
    return theme;
  }

  async update(id: string, spec: ThemeSpec): Promise<Theme> {
    const theme = await this.api.updateTheme(id, spec);
    this.put(theme);
    this.looks.mineChanged(id, theme);
    this.emit();
    return theme;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.deleteTheme(id);
    } catch (e) {
      // Already gone is what was asked for.
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.items = this.items.filter((t) => t.theme_id !== id);
    if (this.defaultTheme?.theme_id === id) this.defaultTheme = null;
    this.looks.mineChanged(id, null);
    this.emit();
  }

  async setPublished(id: string, published: boolean): Promise<Theme> {
    const theme = published ? await this.api.publishTheme(id) : await this.api.unpublishTheme(id);
    this.put(theme);
    this.emit();
    return theme;
  }

  /** Copies a published theme into my library. */
  async copy(id: string): Promise<Theme> {
    const theme = await this.api.copyTheme(id);
    this.put(theme);
    this.emit();
    return theme;
  }

  async setDefault(id: string | null): Promise<void> {
    const theme = await this.api.setMyTheme(id);
    this.defaultTheme = theme;
    this.looks.setDefault(theme);
    this.emit();
  }

  /** The theme every member of the conversation sees. */
  async setForConversation(conversationId: string, id: string | null): Promise<void> {
    const theme = await this.api.setConversationTheme(conversationId, id);
    this.looks.setConversation(conversationId, theme, this.me);
    this.emit();
  }

  /** My own theme for one conversation, over its theme. */
  async setOverride(conversationId: string, id: string | null): Promise<void> {
    const theme = await this.api.setMyConversationTheme(conversationId, id);
    this.looks.setOverride(conversationId, theme);
    this.emit();
  }
}

/** A sentence for a person, for an error from the theme API. */
export function themeErrorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    switch (e.code) {
      case "forbidden":
        return "Only group admins can set the theme everyone here sees.";
      case "quota_exceeded":
        return `You have ${MAX_THEMES} themes, the most a library holds. Delete one first.`;
      case "conflict":
        return "This theme changed elsewhere meanwhile. Reopen it and try again.";
      case "not_found":
        return "That theme no longer exists.";
      default:
        return e.message || "Something went wrong. Try again.";
    }
  }
  return "Chitter could not be reached. Check your connection and try again.";
}
