// The theme market, a page at a time: newest or most copied first, each
// page asked for with the previous page's cursor. Switching order starts
// over, and an answer for an order no longer shown is dropped. No DOM here.

import type { MarketOrder, MarketPage, MarketTheme, Theme } from "./types";

export const MARKET_PAGE_SIZE = 12;

export interface MarketApi {
  market(order: MarketOrder, limit: number, cursor?: string): Promise<MarketPage>;
  theme(id: string): Promise<Theme>;
}

export class MarketPager {
  order: MarketOrder = "newest";
  items: MarketTheme[] = [];
  /** The cursor for the next page; null on the last one. */
  next: string | null = null;
  status: "idle" | "loading" | "ready" | "failed" = "idle";
  /** A later page is on its way (the first page's load is `status`). */
  loadingMore = false;
  /** The last load failed; what is shown stays. */
  error: unknown = null;
  private generation = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: MarketApi,
    private readonly pageSize = MARKET_PAGE_SIZE,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  get hasMore(): boolean {
    return this.next !== null;
  }

  /** Shows an order from its first page; `force` reloads the one shown. */
  open(order: MarketOrder, force = false): Promise<void> {
    if (order === this.order && this.status !== "idle" && this.status !== "failed" && !force) return Promise.resolve();
    this.order = order;
    this.generation++;
    this.items = [];
    this.next = null;
    this.loadingMore = false;
    this.status = "loading";
    this.error = null;
    this.emit();
    return this.fetch(undefined);
  }

  /** The next page, if there is one and nothing is loading. */
  loadMore(): Promise<void> {
    if (this.next === null || this.loadingMore || this.status === "loading") return Promise.resolve();
    this.loadingMore = true;
    this.error = null;
    this.emit();
    return this.fetch(this.next);
  }

  private async fetch(cursor: string | undefined): Promise<void> {
    const generation = this.generation;
    const order = this.order;
    try {
      const page = await this.api.market(order, this.pageSize, cursor);
      if (generation !== this.generation) return;
      this.append(page.themes);
      this.next = page.next ?? null;
      this.status = "ready";
    } catch (e) {
      if (generation !== this.generation) return;
      this.error = e;
      if (cursor === undefined) this.status = "failed";
    } finally {
      if (generation === this.generation) {
        this.loadingMore = false;
        this.emit();
      }
    }
  }

  /** Adds a page; a theme already shown (counts moved it between pages) is updated in place. */
  private append(themes: readonly MarketTheme[]): void {
    const items = [...this.items];
    for (const t of themes) {
      const at = items.findIndex((x) => x.theme_id === t.theme_id);
      if (at < 0) items.push(t);
      else items[at] = t;
    }
    this.items = items;
  }

  /** A theme's newer state (its copy count after a copy, say); its owner's handle stays. */
  replace(theme: Theme): void {
    const at = this.items.findIndex((t) => t.theme_id === theme.theme_id);
    const old = this.items[at];
    if (!old) return;
    const next: MarketTheme = { ...theme, owner_handle: (theme as MarketTheme).owner_handle ?? old.owner_handle };
    this.items = this.items.map((t, i) => (i === at ? next : t));
    this.emit();
  }

  /** Asks the server for one theme again and shows it. */
  async refresh(id: string): Promise<void> {
    this.replace(await this.api.theme(id));
  }
}
