// Reconnect delays: 1 s doubling to a 30 s ceiling, each scaled by a random
// factor in [0.5, 1.5) so a server restart is not met by every client at once.

export const INITIAL_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;

export function backoffDelay(attempt: number, random: number): number {
  const base = Math.min(INITIAL_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  return base * (0.5 + random);
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt; each call moves one step up the schedule. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.random());
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  /** After a connection opens, the next failure starts from the bottom again. */
  reset(): void {
    this.attempt = 0;
  }
}
