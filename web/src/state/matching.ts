// Random matching: ask, wait (the server keeps a wait 15 minutes), and be
// paired with someone in a direct conversation, learnt from the answer to
// the ask or from a `matched` frame (which may come twice). What the server
// says is re-read on every (re)connect, so a wait survives a reload and a
// lapsed one shows as over. No DOM here.

import type { Api } from "./api";
import type { MatchState, MatchedFrame, Profile } from "./types";

/** The server's 15 minutes, after which a wait lapses. */
export const MATCH_WAIT_MS = 15 * 60 * 1000;

export type MatchView =
  /** Not asked yet (the first connect asks). */
  | { status: "unknown" }
  | { status: "idle" }
  | { status: "waiting"; since: string }
  | { status: "matched"; conversation_id: string; with: Profile };

/** Shown in the matched conversation until dismissed. */
export interface MatchNotice {
  conversation_id: string;
  with: Profile;
}

export type MatchAction = "start" | "cancel" | "next";

export interface MatcherOptions {
  api: Pick<Api, "match" | "requestMatch" | "leaveMatch">;
  /** A new match: bring its conversation into the list and open it. */
  onMatched: (conversationId: string) => Promise<void> | void;
  now?: () => number;
  waitMs?: number;
}

/** How a state was learnt: a new match is announced unless a plain read finds one I was not waiting for. */
type Source = "ask" | "frame" | "read";

export class Matcher {
  state: MatchView = { status: "unknown" };
  /** The action under way, if any. */
  busy: MatchAction | null = null;
  /** The last action's failure, as a sentence. */
  error = "";
  notice: MatchNotice | null = null;

  private readonly listeners = new Set<() => void>();
  /** Grows with every change not made by an answer: an answer to an older question then knows it is stale. */
  private epoch = 0;
  private lapseTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly opts: MatcherOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Reads where I stand (after a (re)connect: a frame may have been missed, a wait may have lapsed). */
  async refresh(): Promise<void> {
    const epoch = this.epoch;
    let answer: MatchState;
    try {
      answer = await this.opts.api.match();
    } catch {
      return;
    }
    // Something newer (a frame, an action) came meanwhile: it wins.
    if (epoch !== this.epoch || this.busy) return;
    this.apply(answer, "read");
  }

  /** Asks to be matched. */
  start(): Promise<void> {
    return this.run("start", async () => this.opts.api.requestMatch());
  }

  /** Stops waiting. */
  cancel(): Promise<void> {
    return this.run("cancel", async () => {
      await this.opts.api.leaveMatch();
      return { state: "idle" };
    });
  }

  /** Leaves the match I am in and asks for someone new. */
  next(): Promise<void> {
    return this.run("next", async () => {
      await this.opts.api.leaveMatch();
      // Left: a match with the same person again (the same conversation) is a new one.
      this.state = { status: "idle" };
      return this.opts.api.requestMatch();
    });
  }

  /** A `matched` frame; a second one for the match I am in changes nothing. */
  onFrame(f: MatchedFrame): void {
    this.epoch += 1;
    this.apply({ state: "matched", conversation_id: f.conversation_id, with: f.with }, "frame");
  }

  dismissNotice(): void {
    if (!this.notice) return;
    this.notice = null;
    this.emit();
  }

  dismissError(): void {
    if (!this.error) return;
    this.error = "";
    this.emit();
  }

  stop(): void {
    this.stopped = true;
    this.clearLapse();
    this.listeners.clear();
  }

  private async run(action: MatchAction, request: () => Promise<MatchState>): Promise<void> {
    if (this.busy) return;
    this.busy = action;
    this.error = "";
    if (action !== "start") this.notice = null;
    this.emit();
    const epoch = this.epoch;
    let answer: MatchState | null = null;
    try {
      answer = await request();
    } catch {
      this.error =
        action === "cancel"
          ? "Could not stop looking. Check your connection and try again."
          : "Could not look for someone. Check your connection and try again.";
    } finally {
      this.busy = null;
    }
    if (this.stopped) return;
    if (answer && epoch === this.epoch) this.apply(answer, "ask");
    else if (answer) void this.refresh();
    this.emit();
  }

  private apply(answer: MatchState, source: Source): void {
    const before = this.state;
    switch (answer.state) {
      case "idle":
        this.clearLapse();
        this.state = { status: "idle" };
        if (before.status === "matched") this.notice = null;
        break;
      case "waiting":
        this.state = { status: "waiting", since: answer.since };
        this.scheduleLapse(answer.since);
        break;
      case "matched": {
        this.clearLapse();
        const same = before.status === "matched" && before.conversation_id === answer.conversation_id;
        this.state = { status: "matched", conversation_id: answer.conversation_id, with: answer.with };
        // A read finds a match made while away only if I was waiting for one.
        const announce = !same && (source !== "read" || before.status === "waiting");
        if (announce) {
          this.notice = { conversation_id: answer.conversation_id, with: answer.with };
          void Promise.resolve(this.opts.onMatched(answer.conversation_id)).catch(() => undefined);
        }
        break;
      }
    }
    this.emit();
  }

  /** A wait lapses on the server after 15 minutes: look again then. */
  private scheduleLapse(since: string): void {
    this.clearLapse();
    const started = Date.parse(since);
    const due = (Number.isNaN(started) ? this.now() : started) + (this.opts.waitMs ?? MATCH_WAIT_MS) + 1000;
    // Clocks differ: if it is already past, look again in a while, not at once (and not over and over).
    const delay = due > this.now() ? due - this.now() : 30_000;
    this.lapseTimer = setTimeout(() => {
      this.lapseTimer = null;
      void this.refresh();
    }, delay);
  }

  private clearLapse(): void {
    if (this.lapseTimer) clearTimeout(this.lapseTimer);
    this.lapseTimer = null;
  }
}
