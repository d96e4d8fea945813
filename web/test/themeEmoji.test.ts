import { describe, expect, it } from "vitest";
import type { EmojiState } from "../src/state/emoji";
import { moveInGrid } from "../src/state/shortcode";
import { moveInSections, themeEmojiChoices } from "../src/state/themeEmoji";
import type { EmojiView } from "../src/state/types";

function view(id: string, shortcode: string, owner = "u-me"): EmojiView {
  return {
    emoji_id: id,
    shortcode,
    owner,
    content_type: "image/png",
    width: 64,
    height: 64,
    created_at: "2026-01-01T09:00:00Z",
    url: `/blobs/media/${id}?sig=1`,
    url_expires_at: "2026-01-01T11:00:00Z",
  };
}

const party = view("e-party", "party");
const cat = view("e-cat", "cat", "u-bob");
const wave = view("e-wave", "wave");

function states(map: Record<string, EmojiState>): (id: string) => EmojiState {
  return (id) => map[id] ?? { status: "loading" };
}

describe("the picker's theme emoji", () => {
  const lookup = states({
    "e-party": { status: "ready", view: party },
    "e-cat": { status: "ready", view: cat },
    "e-gone": { status: "gone" },
    "e-broken": { status: "failed" },
  });

  it("offers mine (by id, with my library's view) and shows others' as not insertable, in the theme's order", () => {
    const renamed = { ...party, shortcode: "party_time" };
    const out = themeEmojiChoices(["e-cat", "e-party", "e-cat"], [renamed, wave], lookup);
    expect(out).toEqual([
      { kind: "theirs", id: "e-cat", view: cat },
      { kind: "mine", id: "e-party", view: renamed },
    ]);
  });

  it("judges by id, not name: someone else's :party: is not mine", () => {
    const theirParty = view("e-party-2", "party", "u-bob");
    const out = themeEmojiChoices(["e-party-2"], [party], states({ "e-party-2": { status: "ready", view: theirParty } }));
    expect(out).toEqual([{ kind: "theirs", id: "e-party-2", view: theirParty }]);
  });

  it("leaves out deleted and unloadable emoji, and waits for views and my library", () => {
    expect(themeEmojiChoices(["e-gone", "e-broken", "e-new"], [party], lookup)).toEqual([{ kind: "loading", id: "e-new" }]);
    expect(themeEmojiChoices(["e-party", "e-cat"], null, lookup).map((c) => c.kind)).toEqual(["loading", "loading"]);
    expect(themeEmojiChoices(["e-party", "e-cat"], "failed", lookup).map((c) => c.kind)).toEqual(["unknown", "unknown"]);
  });

  it("filters by the search, as a name part, ignoring colons and case", () => {
    const ids = ["e-party", "e-cat", "e-new"];
    expect(themeEmojiChoices(ids, [party], lookup, ":PAR").map((c) => c.id)).toEqual(["e-party"]);
    expect(themeEmojiChoices(ids, [party], lookup, "at").map((c) => c.id)).toEqual(["e-cat"]);
    expect(themeEmojiChoices(ids, [party], lookup, "zzz")).toEqual([]);
  });
});

describe("moving through the picker's sections", () => {
  // Four columns; six of mine (two rows, the second short), then five of the theme's.
  const sizes = [6, 5];
  const move = (i: number, key: string) => moveInSections(i, key, sizes, 4);

  it("runs left and right on across the sections", () => {
    expect(move(5, "ArrowRight")).toBe(6);
    expect(move(6, "ArrowLeft")).toBe(5);
    expect(move(10, "ArrowRight")).toBe(10);
    expect(move(0, "ArrowLeft")).toBe(0);
    expect(move(7, "Home")).toBe(0);
    expect(move(0, "End")).toBe(10);
  });

  it("keeps the column going down into the next section and up into the previous one's last row", () => {
    expect(move(1, "ArrowDown")).toBe(5);
    // Column 0 of the short last row → column 0 of the theme's first row.
    expect(move(4, "ArrowDown")).toBe(6);
    expect(move(5, "ArrowDown")).toBe(7);
    expect(move(7, "ArrowUp")).toBe(5);
    // Column 3 of the theme's first row: the short row above ends before it.
    expect(move(9, "ArrowUp")).toBe(5);
    expect(move(10, "ArrowUp")).toBe(6);
    expect(move(10, "ArrowDown")).toBe(10);
    expect(move(2, "ArrowUp")).toBe(2);
  });

  it("steps to the last option when the row below ends short of this column", () => {
    expect(move(3, "ArrowDown")).toBe(5);
  });

  it("is the plain grid with one section, and skips empty ones", () => {
    for (const key of ["ArrowRight", "ArrowLeft", "ArrowUp", "Home", "End"]) {
      for (let i = 0; i < 11; i++) expect(moveInSections(i, key, [11], 4)).toBe(moveInGrid(i, key, 11, 4));
    }
    expect(moveInSections(0, "ArrowDown", [0, 3], 4)).toBe(0);
    expect(moveInSections(1, "ArrowDown", [2, 0, 3], 4)).toBe(3);
    expect(moveInSections(3, "ArrowUp", [2, 0, 3], 4)).toBe(1);
    expect(moveInSections(2, "ArrowUp", [2, 0, 3], 4)).toBe(0);
    expect(moveInSections(0, "ArrowDown", [0, 0], 4)).toBeNull();
    expect(moveInSections(0, "Tab", sizes, 4)).toBeNull();
  });
});
