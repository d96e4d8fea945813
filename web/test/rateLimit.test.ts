import { describe, expect, it } from "vitest";
import { retryAfterSeconds } from "../src/state/rateLimit";

describe("rate limit waits", () => {
  it("takes the number given, as a number or a header's string, rounded up", () => {
    expect(retryAfterSeconds(4)).toBe(4);
    expect(retryAfterSeconds("12")).toBe(12);
    expect(retryAfterSeconds(2.2)).toBe(3);
  });

  it("falls back on the message's figure, and waits at least a second", () => {
    expect(retryAfterSeconds(undefined, "too many sends; try again in 6 s")).toBe(6);
    expect(retryAfterSeconds(null, "too many sends")).toBe(1);
    expect(retryAfterSeconds(0, "try again in 0 s")).toBe(1);
    expect(retryAfterSeconds("soon", "try again in 3 s")).toBe(3);
  });
});
