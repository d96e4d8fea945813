// Names of people a conversation does not list: a room's view lists only me,
// so its senders are looked up by id (GET /api/profiles). Ids asked for in
// the same turn (a page of history, a burst of live messages) go in one
// request of at most 100; an id is never asked for twice while known, on its
// way, or known not to exist. A failed request lets its ids be asked for
// again later. No DOM here.

import type { Profile } from "./types";

/** The most ids one request may carry. */
export const PROFILES_PER_REQUEST = 100;

export interface ProfileCacheOptions {
  load: (ids: string[]) => Promise<Profile[]>;
  /** Runs the queued lookups once the current turn is over (default: a zero timeout). */
  schedule?: (run: () => void) => void;
}

export class ProfileCache {
  private readonly known = new Map<string, Profile>();
  /** Asked for, and the server knows no such user. */
  private readonly unknown = new Set<string>();
  private readonly loading = new Set<string>();
  private queued = new Set<string>();
  private scheduled = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: ProfileCacheOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  get(userId: string): Profile | undefined {
    return this.known.get(userId);
  }

  /** Whether the server said there is no such user. */
  isUnknown(userId: string): boolean {
    return this.unknown.has(userId);
  }

  /** Profiles learned elsewhere (a member list, a search): never asked for. */
  put(profiles: Iterable<Profile>): void {
    for (const p of profiles) {
      this.known.set(p.user_id, p);
      this.unknown.delete(p.user_id);
    }
  }

  /** Asks for the ones not known yet, together with any others asked for in this turn. */
  want(userIds: Iterable<string>): void {
    for (const id of userIds) {
      if (!id || this.known.has(id) || this.unknown.has(id) || this.loading.has(id)) continue;
      this.queued.add(id);
    }
    if (!this.queued.size || this.scheduled) return;
    this.scheduled = true;
    const schedule =
      this.opts.schedule ??
      ((run: () => void) => {
        setTimeout(run, 0);
      });
    schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends what is queued now, in requests of at most 100 ids. */
  flush(): void {
    const ids = [...this.queued];
    this.queued = new Set();
    for (let i = 0; i < ids.length; i += PROFILES_PER_REQUEST) void this.fetch(ids.slice(i, i + PROFILES_PER_REQUEST));
  }

  private async fetch(ids: string[]): Promise<void> {
    for (const id of ids) this.loading.add(id);
    try {
      const users = await this.opts.load(ids);
      this.put(users);
      for (const id of ids) if (!this.known.has(id)) this.unknown.add(id);
      this.emit();
    } catch {
      // Asked for again when next wanted.
    } finally {
      for (const id of ids) this.loading.delete(id);
    }
  }
}
