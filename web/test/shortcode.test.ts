import { describe, expect, it } from "vitest";
import {
  insertShortcode,
  isEmojiOnly,
  matchShortcodes,
  moveInGrid,
  normalizeShortcode,
  shortcodeFromFileName,
  shortcodeProblem,
  shortcodeQueryAt,
  shortcodesIn,
  tokenize,
} from "../src/state/shortcode";

const PARTY = { shortcode: "party", emoji_id: "e-party" };
const BB = { shortcode: "bb", emoji_id: "e-bb" };

describe("tokenize", () => {
  it("makes images of listed names only; the rest stays text", () => {
    expect(tokenize("hi :party: and :nope:!", [PARTY])).toEqual([
      { kind: "text", text: "hi " },
      { kind: "emoji", shortcode: "party", emoji_id: "e-party" },
      { kind: "text", text: " and :nope:!" },
    ]);
  });

  it("lets a colon that closes a non-name open the next one (:a::bb: names bb)", () => {
    expect(tokenize(":a::bb:", [BB])).toEqual([
      { kind: "text", text: ":a:" },
      { kind: "emoji", shortcode: "bb", emoji_id: "e-bb" },
    ]);
    expect(tokenize(":a:bb:", [BB])).toEqual([
      { kind: "text", text: ":a" },
      { kind: "emoji", shortcode: "bb", emoji_id: "e-bb" },
    ]);
    expect(tokenize(":nope no::bb:", [BB])).toEqual([
      { kind: "text", text: ":nope no:" },
      { kind: "emoji", shortcode: "bb", emoji_id: "e-bb" },
    ]);
    expect(tokenize("\u{1F600}:bb:\u{1F600}", [BB])).toEqual([
      { kind: "text", text: "\u{1F600}" },
      { kind: "emoji", shortcode: "bb", emoji_id: "e-bb" },
      { kind: "text", text: "\u{1F600}" },
    ]);
  });

  it("consumes both colons of a name, listed or not, as the server's scan does", () => {
    // :nope: is a valid name (not this sender's emoji), so "party:" after it is text.
    expect(tokenize(":nope:party: :party:", [PARTY])).toEqual([
      { kind: "text", text: ":nope:party: " },
      { kind: "emoji", shortcode: "party", emoji_id: "e-party" },
    ]);
    // Back to back, both are names.
    expect(tokenize(":party::party:", [PARTY]).map((s) => s.kind)).toEqual(["emoji", "emoji"]);
  });

  it("renders every use of a listed name", () => {
    const segments = tokenize(":party: x :party:", [PARTY]);
    expect(segments.filter((s) => s.kind === "emoji")).toHaveLength(2);
  });

  it("keeps names outside 2-32 of [A-Za-z0-9_] as text", () => {
    const long = "a".repeat(33);
    const refs = [{ shortcode: long, emoji_id: "e-long" }, { shortcode: "x", emoji_id: "e-x" }, { shortcode: "no-dash", emoji_id: "e-d" }];
    for (const text of [`:${long}:`, ":x:", ":no-dash:", ":pa rty:"]) {
      expect(tokenize(text, [...refs, PARTY])).toEqual([{ kind: "text", text }]);
    }
    const exact = "b".repeat(32);
    expect(tokenize(`:${exact}:`, [{ shortcode: exact, emoji_id: "e-32" }])).toEqual([
      { kind: "emoji", shortcode: exact, emoji_id: "e-32" },
    ]);
  });

  it("a name is case-sensitive", () => {
    expect(tokenize(":Party:", [PARTY])).toEqual([{ kind: "text", text: ":Party:" }]);
  });

  it("leaves markup as text: nothing is parsed but colons", () => {
    const text = "<img src=x onerror=alert(1)> :party:";
    expect(tokenize(text, [PARTY])).toEqual([
      { kind: "text", text: "<img src=x onerror=alert(1)> " },
      { kind: "emoji", shortcode: "party", emoji_id: "e-party" },
    ]);
  });

  it("with no references it is all text", () => {
    expect(tokenize("hi :party:", undefined)).toEqual([{ kind: "text", text: "hi :party:" }]);
    expect(tokenize("", [PARTY])).toEqual([]);
  });
});

describe("shortcodesIn (the server's resolution)", () => {
  it("finds distinct names in order of first use (the server's own cases)", () => {
    expect(shortcodesIn("hi :wave: and :party_parrot:!")).toEqual(["wave", "party_parrot"]);
    expect(shortcodesIn(":a::bb::cc:")).toEqual(["bb", "cc"]);
    expect(shortcodesIn("at 10:30:45 sharp")).toEqual(["30"]);
    expect(shortcodesIn(":wave: :wave:")).toEqual(["wave"]);
    expect(shortcodesIn(":ab: :ab:cd:")).toEqual(["ab"]);
    expect(shortcodesIn("::: :: :x: :ok")).toEqual([]);
    expect(shortcodesIn(":nope no: :yes:")).toEqual(["yes"]);
    expect(shortcodesIn("\u{1F600}:smile:\u{1F600}")).toEqual(["smile"]);
  });

  it("lets only a colon that closes a non-name open the next one", () => {
    expect(shortcodesIn(":a:bb:")).toEqual(["bb"]);
    expect(shortcodesIn(":ab:cd:")).toEqual(["ab"]);
    expect(shortcodesIn(":ab::cd:")).toEqual(["ab", "cd"]);
    expect(shortcodesIn(`:${"a".repeat(33)}:ok:`)).toEqual(["ok"]);
    expect(shortcodesIn("12:30 and 13:45")).toEqual([]);
  });

  it("a repeated name still takes its closing colon", () => {
    expect(shortcodesIn(":wave: hi :wave:cd: :zz:")).toEqual(["wave", "zz"]);
    expect(shortcodesIn(":ab:ab:ab:")).toEqual(["ab"]);
  });

  it("stops at the limit", () => {
    const text = Array.from({ length: 25 }, (_, i) => `:e${i}:`).join(" ");
    expect(shortcodesIn(text)).toHaveLength(20);
    expect(shortcodesIn(text, 3)).toEqual(["e0", "e1", "e2"]);
  });

  it("agrees with tokenize on which names are taken", () => {
    const refs = [{ shortcode: "ab", emoji_id: "e-ab" }, { shortcode: "cd", emoji_id: "e-cd" }];
    const text = ":ab: :ab:cd: :cd:";
    expect(shortcodesIn(text)).toEqual(["ab", "cd"]);
    expect(tokenize(text, refs).filter((s) => s.kind === "emoji").map((s) => s.shortcode)).toEqual(["ab", "ab", "cd"]);
  });
});

describe("names", () => {
  it("suggests a valid name from a file name", () => {
    expect(shortcodeFromFileName("party.png")).toBe("party");
    expect(shortcodeFromFileName("Party Parrot!.gif")).toBe("Party_Parrot");
    expect(shortcodeFromFileName("café-au-lait.webp")).toBe("cafe_au_lait");
    expect(shortcodeFromFileName("x.png")).toBe("emoji_x");
    expect(shortcodeFromFileName("😀.png")).toBe("emoji");
    const long = shortcodeFromFileName(`${"ab_".repeat(20)}.png`);
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^[A-Za-z0-9_]{2,32}$/);
    expect(long.endsWith("_")).toBe(false);
  });

  it("explains what is wrong with a name, accepting surrounding colons", () => {
    expect(shortcodeProblem("party")).toBeNull();
    expect(shortcodeProblem(":party:")).toBeNull();
    expect(normalizeShortcode("  :party: ")).toBe("party");
    expect(shortcodeProblem("")).toMatch(/name/);
    expect(shortcodeProblem("a")).toMatch(/2/);
    expect(shortcodeProblem("a".repeat(33))).toMatch(/32/);
    expect(shortcodeProblem("no-dash")).toMatch(/letters/);
    expect(shortcodeProblem("café")).toMatch(/letters/);
  });
});

describe("composing", () => {
  it("finds the :name being typed before the caret", () => {
    expect(shortcodeQueryAt("hi :pa", 6)).toEqual({ start: 3, query: "pa" });
    expect(shortcodeQueryAt(":pa", 3)).toEqual({ start: 0, query: "pa" });
    expect(shortcodeQueryAt("hi :party: :pa", 14)).toEqual({ start: 11, query: "pa" });
    expect(shortcodeQueryAt("x :party::pa", 12)).toEqual({ start: 9, query: "pa" });
    // Caret inside the word: what is before it.
    expect(shortcodeQueryAt("hi :party", 6)).toEqual({ start: 3, query: "pa" });
  });

  it("does not start on one letter, times, URLs or after a word", () => {
    expect(shortcodeQueryAt("hi :p", 5)).toBeNull();
    expect(shortcodeQueryAt("at 12:30", 8)).toBeNull();
    expect(shortcodeQueryAt("see http://pa", 13)).toBeNull();
    expect(shortcodeQueryAt("word:pa", 7)).toBeNull();
    expect(shortcodeQueryAt("hi pa", 5)).toBeNull();
    expect(shortcodeQueryAt("hi :pa ", 7)).toBeNull();
  });

  it("matches names starting with the query first, then containing it", () => {
    const items = [{ shortcode: "zap" }, { shortcode: "party" }, { shortcode: "Pancake" }, { shortcode: "sparkle" }, { shortcode: "wave" }];
    expect(matchShortcodes(items, "pa").map((i) => i.shortcode)).toEqual(["Pancake", "party", "sparkle"]);
    expect(matchShortcodes(items, "PA", 2).map((i) => i.shortcode)).toEqual(["Pancake", "party"]);
    expect(matchShortcodes(items, "")).toHaveLength(5);
    expect(matchShortcodes(items, "qq")).toEqual([]);
  });

  it("inserts :name: and a space, leaving the caret after them", () => {
    expect(insertShortcode("hi ", 3, 3, "party")).toEqual({ text: "hi :party: ", caret: 11 });
    // Replacing what was typed (autocomplete).
    expect(insertShortcode("hi :pa", 3, 6, "party")).toEqual({ text: "hi :party: ", caret: 11 });
    // No second space before one that is there.
    expect(insertShortcode("a  b", 2, 2, "ok")).toEqual({ text: "a :ok: b", caret: 6 });
    // Replacing a selection.
    expect(insertShortcode("one two", 4, 7, "ok")).toEqual({ text: "one :ok: ", caret: 9 });
  });

  it("moves a highlight around a grid", () => {
    // 10 items, 4 wide: rows 0-3, 4-7, 8-9.
    expect(moveInGrid(0, "ArrowRight", 10, 4)).toBe(1);
    expect(moveInGrid(0, "ArrowLeft", 10, 4)).toBe(0);
    expect(moveInGrid(9, "ArrowRight", 10, 4)).toBe(9);
    expect(moveInGrid(1, "ArrowDown", 10, 4)).toBe(5);
    expect(moveInGrid(5, "ArrowDown", 10, 4)).toBe(9);
    expect(moveInGrid(6, "ArrowDown", 10, 4)).toBe(6);
    expect(moveInGrid(5, "ArrowUp", 10, 4)).toBe(1);
    expect(moveInGrid(1, "ArrowUp", 10, 4)).toBe(1);
    expect(moveInGrid(5, "End", 10, 4)).toBe(9);
    expect(moveInGrid(5, "a", 10, 4)).toBeNull();
    expect(moveInGrid(0, "ArrowRight", 0, 4)).toBeNull();
  });

  it("tells emoji-only messages, which show large", () => {
    expect(isEmojiOnly(tokenize(":party: :party:", [PARTY]))).toBe(true);
    expect(isEmojiOnly(tokenize("hi :party:", [PARTY]))).toBe(false);
    expect(isEmojiOnly(tokenize(":nope:", [PARTY]))).toBe(false);
    expect(isEmojiOnly(tokenize(Array(9).fill(":party:").join(""), [PARTY]))).toBe(false);
  });
});
