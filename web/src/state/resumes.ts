// The `resume` in flight for each conversation, and what happens when it
// gets no good answer. A resume that failed for a passing reason (an
// `unavailable` or `internal` error: a push of its page failed, or the
// store did) is asked again after a backoff, and one with no answer at all
// (its `resumed` frame was lost) after a timeout: otherwise the
// conversation would wait for its gap to fill until the next reconnect.

import { Backoff } from "./backoff";

/** How long a resume may go unanswered before it is asked again. */
export const RESUME_TIMEOUT_MS = 15_000;

type Timer = ReturnType<typeof setTimeout>;

export interface ResumesOptions {
  /** Ask the conversation's resume again (from wherever it has got to). */
  retry: (conversationId: string) => void;
  random?: () => number;
}

export class Resumes {
  /** By conversation: the request in flight and its deadline. */
  private readonly inFlight = new Map<string, { id: string; timer: Timer }>();
  /** By conversation: the next retry, and how far up the backoff it is. */
  private readonly retries = new Map<string, { backoff: Backoff; timer: Timer | null }>();

  constructor(private readonly opts: ResumesOptions) {}

  /** Request `id` went out for the conversation (a retry waiting for it is no longer needed). */
  sent(id: string, conversationId: string): void {
    this.cancelRetry(conversationId);
    this.endFlight(conversationId);
    const timer = setTimeout(() => {
      this.inFlight.delete(conversationId);
      this.opts.retry(conversationId);
    }, RESUME_TIMEOUT_MS);
    this.inFlight.set(conversationId, { id, timer });
  }

  /**
   * `resumed` answered request `id` of the conversation: its next failure
   * starts the backoff from the bottom. Returns false for a late answer to
   * a request that another has replaced, which stays in flight (and whose
   * own answer is the one to follow).
   */
  answered(conversationId: string, id?: string): boolean {
    const flight = this.inFlight.get(conversationId);
    if (flight && id !== undefined && flight.id !== id) return false;
    this.forget(conversationId);
    return true;
  }

  /**
   * An `error` answered request `id`. If it was a resume, returns its
   * conversation, which is asked again after the backoff's next delay when
   * `retry` (the failure may pass); otherwise undefined.
   */
  failed(id: string, retry: boolean): string | undefined {
    for (const [conversationId, flight] of this.inFlight) {
      if (flight.id !== id) continue;
      this.endFlight(conversationId);
      if (retry) this.scheduleRetry(conversationId);
      return conversationId;
    }
    return undefined;
  }

  /** Nothing more is asked for the conversation (answered, left, or removed). */
  forget(conversationId: string): void {
    this.endFlight(conversationId);
    this.cancelRetry(conversationId);
    this.retries.delete(conversationId);
  }

  /** A new connection resumes everything anew; or the client stops. */
  clear(): void {
    for (const conversationId of new Set([...this.inFlight.keys(), ...this.retries.keys()])) this.forget(conversationId);
  }

  private endFlight(conversationId: string): void {
    const flight = this.inFlight.get(conversationId);
    if (flight) clearTimeout(flight.timer);
    this.inFlight.delete(conversationId);
  }

  private cancelRetry(conversationId: string): void {
    const retry = this.retries.get(conversationId);
    if (retry?.timer != null) clearTimeout(retry.timer);
    if (retry) retry.timer = null;
  }

  private scheduleRetry(conversationId: string): void {
    let retry = this.retries.get(conversationId);
    if (!retry) {
      retry = { backoff: new Backoff(this.opts.random), timer: null };
      this.retries.set(conversationId, retry);
    }
    if (retry.timer !== null) clearTimeout(retry.timer);
    const entry = retry;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.opts.retry(conversationId);
    }, entry.backoff.next());
  }
}
