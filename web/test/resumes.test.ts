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
    expect(resumes.failed("send-1")).toBeUndefined();
    expect(resumes.failed("r-1")).toBe("c1");
    // Already failed: a second error for it is not a resume any more.
    expect(resumes.failed("r-1")).toBeUndefined();
  });

  it("retries a failing conversation with a doubling wait, and from the bottom once answered", async () => {
    const { resumes, retried } = tracker();
    const failAndWait = async (id: string, ms: number) => {
      resumes.sent(id, "c1");
      resumes.failed(id);
      await vi.advanceTimersByTimeAsync(ms - 1);
      const before = retried.length;
      await vi.advanceTimersByTimeAsync(1);
      return retried.length - before;
    };
    expect(await failAndWait("r-1", 1000)).toBe(1);
    expect(await failAndWait("r-2", 2000)).toBe(1);
    expect(await failAndWait("r-3", 4000)).toBe(1);
    resumes.sent("r-4", "c1");
    resumes.answered("c1");
    expect(await failAndWait("r-5", 1000)).toBe(1);
    expect(retried).toEqual(["c1", "c1", "c1", "c1"]);
  });

  it("asks again for a request left unanswered, and not for one answered", async () => {
    const { resumes, retried } = tracker();
    resumes.sent("r-1", "c1");
    resumes.sent("r-2", "c2");
    resumes.answered("c2");
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS + 1000);
    expect(retried).toEqual(["c1"]);
  });

  it("forgets everything on clear: no retry and no timeout fires after it", async () => {
    const { resumes, retried } = tracker();
    resumes.sent("r-1", "c1");
    resumes.sent("r-2", "c2");
    resumes.failed("r-2");
    resumes.clear();
    await vi.advanceTimersByTimeAsync(RESUME_TIMEOUT_MS * 4);
    expect(retried).toEqual([]);
    expect(resumes.failed("r-1")).toBeUndefined();
  });
});
