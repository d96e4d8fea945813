import { describe, expect, it } from "vitest";
import { Arrivals, type Row } from "../src/state/arrivals";

const stored = (from: number, to: number): Row[] => Array.from({ length: to - from + 1 }, (_, i) => ({ key: `s${from + i}`, seq: from + i }));

describe("arrivals", () => {
  it("animates nothing of the opening or of pages loaded after, and what comes in later, once per row", () => {
    const a = new Arrivals();
    // The opening, whichever render the history lands in.
    expect(a.update([], false).size).toBe(0);
    expect(a.update(stored(1, 50), true).size).toBe(0);
    // Newer and older pages.
    expect(a.update(stored(1, 100), true).size).toBe(0);
    expect(a.update(stored(1, 150), true).size).toBe(0);
    // A message from the other side; it keeps animating on the renders after.
    expect([...a.update(stored(1, 151), true)]).toEqual(["s151"]);
    expect([...a.update(stored(1, 151), true)]).toEqual(["s151"]);
    // A gap filled after a reconnect is a page too.
    expect([...a.update(stored(1, 171), true)]).toEqual(["s151"]);
  });

  it("pops a sent message in once: its stored row follows its pending one", () => {
    const a = new Arrivals();
    a.update(stored(1, 5), true);
    expect(a.update([...stored(1, 5), { key: "c-1", seq: null }], true).has("c-1")).toBe(true);
    expect(a.update([...stored(1, 6).slice(0, 5), { key: "s6", seq: 6, clientId: "c-1" }], true).has("s6")).toBe(false);
    // Another device's send shows only as stored.
    expect(a.update([...stored(1, 6), { key: "s7", seq: 7, clientId: "c-other" }], true).has("s7")).toBe(true);
  });

  it("animates nothing shown before the history is loaded", () => {
    const a = new Arrivals();
    expect(a.update([{ key: "c-restored", seq: null }, ...stored(3, 3)], false).size).toBe(0);
    expect(a.update([{ key: "c-restored", seq: null }, ...stored(1, 4)], true).size).toBe(0);
    expect([...a.update([{ key: "c-restored", seq: null }, ...stored(1, 5)], true)]).toEqual(["s5"]);
  });

  it("animates none of the messages caught up after a reconnect, though they come one render each", () => {
    const a = new Arrivals();
    a.update(stored(1, 10), true);
    for (let seq = 11; seq <= 40; seq++) expect(a.update(stored(1, seq), true, true).size).toBe(0);
    // Caught up: the next one is an arrival again.
    expect([...a.update(stored(1, 41), true, false)]).toEqual(["s41"]);
  });

  it("animates an empty chat's first message", () => {
    const a = new Arrivals();
    a.update([], true);
    expect([...a.update(stored(1, 1), true)]).toEqual(["s1"]);
  });
});
