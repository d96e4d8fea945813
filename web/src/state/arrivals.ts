/** More rows than this new in one render came as a page (history, a gap filled), not as arrivals. */
const AT_ONCE = 3;

export interface Row {
  key: string;
  /** A stored message's seq; null for an unsent one. */
  seq: number | null;
  /** The id a stored message was sent under. */
  clientId?: string | undefined;
}

/**
 * Which rows of one conversation's list arrived while it was on screen.
 * Those animate in, once; the rows of its opening, of pages loaded above or
 * below and of a gap filled after a reconnect do not (a page is fifty rows,
 * and fifty animations starting together cost the opening of a chat long
 * frames). A sent message's stored row takes the place of its pending one
 * and does not pop in a second time.
 */
export class Arrivals {
  private readonly seen = new Set<string>();
  private readonly arriving = new Set<string>();
  /** The newest seq shown so far. */
  private newest: number | null = null;
  private open = false;

  /**
   * Every row of a render, in order; whether the conversation's history is
   * on screen (its first page has landed); and whether missed messages are
   * being caught up (after a reconnect they come one frame each, so one
   * render at a time cannot tell them from arrivals). Returns the keys that
   * animate. A key keeps animating on the renders after (taking its class
   * away would cut the animation short).
   */
  update(rows: readonly Row[], historyShown: boolean, catchingUp = false): ReadonlySet<string> {
    const fresh = rows.filter((row) => !this.seen.has(row.key));
    const live = this.open && !catchingUp
      ? fresh.filter(
          (row) =>
            (row.seq === null || this.newest === null || row.seq > this.newest) && !(row.clientId !== undefined && this.seen.has(row.clientId)),
        )
      : [];
    if (live.length <= AT_ONCE) for (const row of live) this.arriving.add(row.key);
    for (const row of fresh) {
      this.seen.add(row.key);
      if (row.seq !== null && (this.newest === null || row.seq > this.newest)) this.newest = row.seq;
    }
    if (historyShown) this.open = true;
    return this.arriving;
  }
}
