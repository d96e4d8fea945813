import { describe, expect, it } from "vitest";
import { clockTime, dayLabel, fullTime, shortWhen } from "../src/state/format";

describe("times as the message list shows them", () => {
  const at = "2026-03-12T14:05:00Z";

  it("formats as the locale does, the same on every call", () => {
    const d = new Date(at);
    const clock = d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    expect(clockTime(at)).toBe(clock);
    expect(clockTime(at)).toBe(clock);
    expect(fullTime(at)).toBe(d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
  });

  it("shows nothing for a time it cannot read", () => {
    expect(clockTime("not a time")).toBe("");
    expect(fullTime("")).toBe("");
    expect(shortWhen("soon")).toBe("");
    expect(dayLabel("later")).toBe("");
  });

  it("names the day: today, yesterday, a weekday this week, a date before", () => {
    const now = new Date(2026, 2, 12, 18, 0);
    const local = (day: number) => new Date(2026, 2, day, 9, 30).toISOString();
    expect(dayLabel(local(12), now)).toBe("Today");
    expect(dayLabel(local(11), now)).toBe("Yesterday");
    expect(dayLabel(local(2), now)).toBe(new Date(2026, 2, 2).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" }));
    expect(shortWhen(local(12), now)).toBe(clockTime(local(12)));
    expect(shortWhen(local(9), now)).toBe(new Date(2026, 2, 9).toLocaleDateString([], { weekday: "short" }));
    expect(shortWhen(local(1), now)).toBe(new Date(2026, 2, 1).toLocaleDateString([], { day: "numeric", month: "short" }));
  });
});
