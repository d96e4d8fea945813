import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MATCH_WAIT_MS, Matcher } from "../src/state/matching";
import type { MatchState, MatchedFrame } from "../src/state/types";
import { BOB, settle } from "./helpers";

const T0 = Date.parse("2026-01-01T10:00:00Z");
const WAITING: MatchState = { state: "waiting", since: "2026-01-01T10:00:00Z" };
const IDLE: MatchState = { state: "idle" };
const MATCHED: MatchState = { state: "matched", conversation_id: "c-1", with: BOB };
const FRAME: MatchedFrame = { type: "matched", conversation_id: "c-1", with: BOB };

/** A fake /api/match: each call takes the next answer (or waits until the test resolves it). */
function setup() {
  const calls: string[] = [];
  const answers: { get: MatchState[]; post: (MatchState | Promise<MatchState>)[] } = { get: [], post: [] };
  const api = {
    match: vi.fn((): Promise<MatchState> => {
      calls.push("GET");
      return Promise.resolve(answers.get.shift() ?? IDLE);
    }),
    requestMatch: vi.fn((): Promise<MatchState> => {
      calls.push("POST");
      return Promise.resolve(answers.post.shift() ?? WAITING);
    }),
    leaveMatch: vi.fn(() => {
      calls.push("DELETE");
      return Promise.resolve();
    }),
  };
  const opened: string[] = [];
  const matcher = new Matcher({
    api,
    now: () => Date.now(),
    onMatched: (id) => {
      opened.push(id);
    },
  });
  return { matcher, api, calls, answers, opened };
}

describe("random matching", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits when nobody else is, then a matched frame opens the conversation with a notice, once", async () => {
    const { matcher, calls, opened } = setup();
    await matcher.start();
    expect(calls).toEqual(["POST"]);
    expect(matcher.state).toEqual({ status: "waiting", since: "2026-01-01T10:00:00Z" });
    matcher.onFrame(FRAME);
    expect(matcher.state).toEqual({ status: "matched", conversation_id: "c-1", with: BOB });
    expect(matcher.notice).toEqual({ conversation_id: "c-1", with: BOB });
    expect(opened).toEqual(["c-1"]);
    // The frame may come twice: nothing happens the second time.
    matcher.dismissNotice();
    matcher.onFrame(FRAME);
    expect(opened).toEqual(["c-1"]);
    expect(matcher.notice).toBeNull();
  });

  it("is matched at once when someone waits, and the frame that follows the answer changes nothing", async () => {
    const { matcher, answers, opened } = setup();
    answers.post.push(MATCHED);
    await matcher.start();
    expect(matcher.state.status).toBe("matched");
    expect(opened).toEqual(["c-1"]);
    matcher.onFrame(FRAME);
    matcher.onFrame(FRAME);
    expect(opened).toEqual(["c-1"]);
  });

  it("does not fall back to waiting when the frame overtakes the answer to the ask", async () => {
    const { matcher, answers, calls, opened } = setup();
    let answer: (s: MatchState) => void = () => undefined;
    answers.post.push(new Promise<MatchState>((resolve) => (answer = resolve)));
    const asking = matcher.start();
    expect(matcher.busy).toBe("start");
    matcher.onFrame(FRAME);
    answers.get.push(MATCHED);
    answer(WAITING);
    await asking;
    await settle();
    // The stale answer is not taken; the server is asked where things stand instead.
    expect(calls).toEqual(["POST", "GET"]);
    expect(matcher.state.status).toBe("matched");
    expect(opened).toEqual(["c-1"]);
  });

  it("cancels a wait", async () => {
    const { matcher, calls } = setup();
    await matcher.start();
    await matcher.cancel();
    expect(calls).toEqual(["POST", "DELETE"]);
    expect(matcher.state).toEqual({ status: "idle" });
  });

  it("finds someone new: leaves the match, then asks again; the same person again is a new match", async () => {
    const { matcher, answers, calls, opened } = setup();
    answers.post.push(MATCHED);
    await matcher.start();
    answers.post.push(MATCHED);
    await matcher.next();
    expect(calls).toEqual(["POST", "DELETE", "POST"]);
    expect(opened).toEqual(["c-1", "c-1"]);
    expect(matcher.notice?.conversation_id).toBe("c-1");
  });

  it("leaving to look again clears the notice and waits", async () => {
    const { matcher, answers } = setup();
    answers.post.push(MATCHED);
    await matcher.start();
    await matcher.next();
    expect(matcher.notice).toBeNull();
    expect(matcher.state.status).toBe("waiting");
  });

  it("after a reload, a wait is still a wait, and a match I was not waiting for is not announced", async () => {
    const waiting = setup();
    waiting.answers.get.push(WAITING);
    await waiting.matcher.refresh();
    expect(waiting.matcher.state.status).toBe("waiting");

    const matched = setup();
    matched.answers.get.push(MATCHED);
    await matched.matcher.refresh();
    expect(matched.matcher.state.status).toBe("matched");
    expect(matched.opened).toEqual([]);
    expect(matched.matcher.notice).toBeNull();
  });

  it("after a reconnect, learns of a match made while away when it was waiting", async () => {
    const { matcher, answers, opened } = setup();
    await matcher.start();
    answers.get.push(MATCHED);
    await matcher.refresh();
    expect(opened).toEqual(["c-1"]);
    expect(matcher.notice?.conversation_id).toBe("c-1");
  });

  it("looks again when the wait lapses on the server, and shows idle", async () => {
    const { matcher, calls } = setup();
    await matcher.start();
    await vi.advanceTimersByTimeAsync(MATCH_WAIT_MS - 1000);
    expect(calls).toEqual(["POST"]);
    await vi.advanceTimersByTimeAsync(2001);
    expect(calls).toEqual(["POST", "GET"]);
    expect(matcher.state).toEqual({ status: "idle" });
  });

  it("says so when the server cannot be reached, keeping the state", async () => {
    const { matcher, api } = setup();
    api.requestMatch.mockImplementationOnce(() => Promise.reject(new Error("offline")));
    await matcher.start();
    expect(matcher.error).toMatch(/Could not look for someone/);
    expect(matcher.busy).toBeNull();
    expect(matcher.state).toEqual({ status: "unknown" });
    await matcher.start();
    expect(matcher.error).toBe("");
    expect(matcher.state.status).toBe("waiting");
  });

  it("takes one action at a time", async () => {
    const { matcher, calls } = setup();
    const first = matcher.start();
    const second = matcher.start();
    await Promise.all([first, second]);
    expect(calls).toEqual(["POST"]);
  });
});
