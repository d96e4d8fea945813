import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RESUME_TIMEOUT_MS, Resumes } from "../src/state/resumes";

function tracker() {
  const retried: string[] = [];
  // random 0.5: each backoff delay is exactly its base (1 s, 2 s, 4 s, ...).
  const resumes = new Resumes({ retry: (id) => retried.push(id), random: () => 0.5 });
  return { resumes, retried };
}

describe("resumes", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("knows only its own requests", () => {
    const { resumes } = tracker();
    resumes.sent("r-1", "c1");
    expect(resumes.failed("send-1", true)).toBeUndefined();
    expect(resumes.failed("r-1", true)).toBe("c1");
    // Already failed: a second error for it is not a resume any more.
    expect(resumes.failed("r-1", true)).toBeUndefined();
  });

  it("retries a failing conversation with a doubling wait, and from the bottom once answered", async () => {
    const { resumes, retried } = tracker();
    const failAndWait = async (id: string, ms: number) => {
      resumes.sent(id, "c1");
      resumes.failed(id, true);
      await vi.advanceTimersByTimeAsync(ms - 1);
      const before = retried.length;
      await vi.advanceTimersByTimeAsync(1);
      return retried.length - before;
    };
    expect(await failAndWait("r-1", 1000)).toBe(1);
    expect(await failAndWait("r-2", 2000)).toBe(1);
    expect(await failAndWait("r-3", 4000)).toBe(1);
    resumes.sent("r-4", "c1");
    resumes.answered("c1", "r-4");
    expect(await failAndWait("r-5", 1000)).toBe(1);
    expect(retried).toEqual(["c1", "c1", "c1", "c1"]);
  });

  it("lets a refused resume go", async () => {
    const { resumes, retried } = tracker();
    resumes.sent("r-1", "c1");
    expect(resumes.failed("r-1", false)).toBe("c1");
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS * 4);
    expect(retried).toEqual([]);
  });

  it("asks again for a request left unanswered, and not for one answered", async () => {
    const { resumes, retried } = tracker();
    resumes.sent("r-1", "c1");
    resumes.sent("r-2", "c2");
    resumes.answered("c2", "r-2");
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS - 1);
    expect(retried).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(retried).toEqual(["c1"]);
  });

  it("keeps the request that replaced one answered late", () => {
    const { resumes } = tracker();
    resumes.sent("r-1", "c1");
    resumes.sent("r-2", "c1");
    resumes.answered("c1", "r-1");
    // r-2 is still in flight: its error is known, and retried.
    expect(resumes.failed("r-2", true)).toBe("c1");
  });

  it("forgets a conversation, and everything on clear: no retry and no timeout fires after", async () => {
    const { resumes, retried } = tracker();
    resumes.sent("r-1", "c1");
    resumes.failed("r-1", true);
    resumes.forget("c1");
    resumes.sent("r-2", "c2");
    resumes.sent("r-3", "c3");
    resumes.failed("r-3", true);
    resumes.clear();
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS * 4);
    expect(retried).toEqual([]);
    expect(resumes.failed("r-2", true)).toBeUndefined();
  });
});
