// Finding people by the start of their handle, as it is typed: a search waits
// until typing pauses, answers that come back for an older query are
// dropped, and further pages come from the cursor. No DOM here.

import { ApiError } from "./api";
import type { Profile, UserPage } from "./types";

/** What the server takes as a prefix: 1-32 of A-Z a-z 0-9 _ (case does not matter). */
const PREFIX = /^[A-Za-z0-9_]{1,32}$/;
export const SEARCH_DEBOUNCE_MS = 250;
export const SEARCH_PAGE = 10;

export type PrefixCheck = { kind: "empty" } | { kind: "invalid"; message: string } | { kind: "ok"; prefix: string };

/** Reads what was typed as a handle prefix: a leading @ and spaces around it are fine. */
export function checkPrefix(input: string): PrefixCheck {
  const text = input.trim().replace(/^@/, "");
  if (!text) return { kind: "empty" };
  if (text.length > 32) return { kind: "invalid", message: "Handles are at most 32 characters." };
  if (!PREFIX.test(text)) return { kind: "invalid", message: "Handles have only letters, digits and _." };
  return { kind: "ok", prefix: text.toLowerCase() };
}

export type SearchStatus = "idle" | "waiting" | "loading" | "done" | "error";

export interface PeopleSearchOptions {
  load: (prefix: string, cursor: string | undefined, limit: number) => Promise<UserPage>;
  pageSize?: number;
  debounceMs?: number;
}

export class PeopleSearch {
  /** The prefix the results are for (null: nothing to search). */
  prefix: string | null = null;
  results: Profile[] = [];
  /** Absent: no further page. */
  nextCursor: string | undefined;
  status: SearchStatus = "idle";
  loadingMore = false;
  /** Why what was typed cannot be searched ("" when it can). */
  problem = "";
  error = "";

  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Grows with every new query: answers for an older one are dropped. */
  private generation = 0;

  constructor(private readonly opts: PeopleSearchOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private get pageSize(): number {
    return this.opts.pageSize ?? SEARCH_PAGE;
  }

  /** What is typed now: searched once typing pauses (at once with `immediate`). */
  setQuery(input: string, immediate = false): void {
    const check = checkPrefix(input);
    // The same prefix (a space or an @ more): what is shown, or on its way, stands.
    if (check.kind === "ok" && check.prefix === this.prefix && this.status !== "error" && !immediate) return;
    this.cancelTimer();
    this.generation += 1;
    this.error = "";
    this.loadingMore = false;
    if (check.kind !== "ok") {
      this.prefix = null;
      this.results = [];
      this.nextCursor = undefined;
      this.status = "idle";
      this.problem = check.kind === "invalid" ? check.message : "";
      this.emit();
      return;
    }
    this.problem = "";
    this.prefix = check.prefix;
    this.status = "waiting";
    this.emit();
    const generation = this.generation;
    if (immediate) void this.first(generation);
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.first(generation);
      }, this.opts.debounceMs ?? SEARCH_DEBOUNCE_MS);
    }
  }

  /** The next page, added under the ones shown. */
  async more(): Promise<void> {
    const prefix = this.prefix;
    const cursor = this.nextCursor;
    if (prefix === null || cursor === undefined || this.loadingMore || this.status !== "done") return;
    const generation = this.generation;
    this.loadingMore = true;
    this.error = "";
    this.emit();
    try {
      const page = await this.opts.load(prefix, cursor, this.pageSize);
      if (generation !== this.generation) return;
      const known = new Set(this.results.map((p) => p.user_id));
      this.results = [...this.results, ...page.users.filter((p) => !known.has(p.user_id))];
      this.nextCursor = page.next_cursor;
    } catch (e) {
      if (generation !== this.generation) return;
      this.error = searchErrorMessage(e);
    } finally {
      if (generation === this.generation) {
        this.loadingMore = false;
        this.emit();
      }
    }
  }

  /** Forgets the query and its results. */
  clear(): void {
    this.setQuery("");
  }

  dispose(): void {
    this.cancelTimer();
    this.generation += 1;
    this.listeners.clear();
  }

  private async first(generation: number): Promise<void> {
    const prefix = this.prefix;
    if (prefix === null || generation !== this.generation) return;
    this.status = "loading";
    this.emit();
    try {
      const page = await this.opts.load(prefix, undefined, this.pageSize);
      if (generation !== this.generation) return;
      this.results = page.users;
      this.nextCursor = page.next_cursor;
      this.status = "done";
    } catch (e) {
      if (generation !== this.generation) return;
      this.results = [];
      this.nextCursor = undefined;
      this.status = "error";
      this.error = searchErrorMessage(e);
    }
    this.emit();
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function searchErrorMessage(e: unknown): string {
  if (e instanceof ApiError && e.status === 400) return "Handles have only letters, digits and _.";
  return "The search didn’t go through. Check your connection and try again.";
}
