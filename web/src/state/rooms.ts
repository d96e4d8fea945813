// The public room directory, a page at a time: newest rooms first, each
// further page asked for after the last room shown (`next_after`). Reading
// it again keeps what is shown until the new first page is here, and an
// answer to an earlier reading is dropped. No DOM here.

import type { Conversation, RoomPage, RoomSummary } from "./types";

export const ROOMS_PAGE = 20;
/** A room's title: 1-100 characters. */
export const ROOM_TITLE_MAX = 100;

export type RoomTitleCheck = { ok: true; title: string } | { ok: false; message: string };

/** Reads a new room's title as the server will: trimmed, 1-100 characters (code points), no control characters. */
export function checkRoomTitle(input: string): RoomTitleCheck {
  const title = input.trim();
  if (!title) return { ok: false, message: "Give the room a name." };
  if (Array.from(title).length > ROOM_TITLE_MAX) return { ok: false, message: `A room’s name is at most ${ROOM_TITLE_MAX} characters.` };
  if (/\p{Cc}/u.test(title)) return { ok: false, message: "A room’s name can’t have line breaks or tabs." };
  return { ok: true, title };
}

export interface RoomsApi {
  rooms(after: string | undefined, limit: number): Promise<RoomPage>;
}

export class RoomDirectory {
  items: RoomSummary[] = [];
  /** `after` for the next page; null on the last one. */
  next: string | null = null;
  status: "idle" | "loading" | "ready" | "failed" = "idle";
  /** A later page is on its way (the first page's load is `status`). */
  loadingMore = false;
  /** The last load failed; what is shown stays. */
  error: unknown = null;
  private generation = 0;
  /** The page that failed (`after`, undefined for the first), or null. */
  private failed: string | undefined | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: RoomsApi,
    private readonly pageSize = ROOMS_PAGE,
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

  /** Reads the first page (again); rooms shown stay until it is here. */
  load(): Promise<void> {
    this.generation++;
    this.loadingMore = false;
    this.status = "loading";
    this.error = null;
    this.emit();
    return this.fetch(undefined);
  }

  /** Asks again for the page that failed. */
  retry(): Promise<void> {
    if (this.failed === null) return Promise.resolve();
    return this.failed === undefined ? this.load() : this.loadMore();
  }

  /** The next page, if there is one and nothing is loading. */
  loadMore(): Promise<void> {
    if (this.next === null || this.loadingMore || this.status === "loading") return Promise.resolve();
    this.loadingMore = true;
    this.error = null;
    this.emit();
    return this.fetch(this.next);
  }

  private async fetch(after: string | undefined): Promise<void> {
    const generation = this.generation;
    this.failed = null;
    try {
      const page = await this.api.rooms(after, this.pageSize);
      if (generation !== this.generation) return;
      this.items = after === undefined ? dedupe(page.rooms) : dedupe([...this.items, ...page.rooms]);
      this.next = page.next_after ?? null;
      this.status = "ready";
    } catch (e) {
      if (generation !== this.generation) return;
      this.error = e;
      this.failed = after;
      if (after === undefined) this.status = this.items.length ? "ready" : "failed";
    } finally {
      if (generation === this.generation) {
        this.loadingMore = false;
        this.emit();
      }
    }
  }

  /** A room I created or joined, as its view now is: joined, with its counts (a new one goes first). */
  joined(view: Conversation): void {
    const at = this.items.findIndex((r) => r.conversation_id === view.conversation_id);
    const old = this.items[at];
    const room: RoomSummary = {
      conversation_id: view.conversation_id,
      title: view.title ?? old?.title ?? "",
      created_by: view.created_by,
      created_at: view.created_at,
      last_active: view.last_active,
      member_count: view.member_count ?? old?.member_count ?? 1,
      online: view.online,
      joined: true,
    };
    this.items = old ? this.items.map((r, i) => (i === at ? room : r)) : [room, ...this.items];
    this.emit();
  }
}

/** The first of each room (a room may come twice if pages shifted between requests). */
function dedupe(rooms: readonly RoomSummary[]): RoomSummary[] {
  const seen = new Set<string>();
  return rooms.filter((r) => {
    if (seen.has(r.conversation_id)) return false;
    seen.add(r.conversation_id);
    return true;
  });
}
