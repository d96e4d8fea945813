import { describe, expect, it } from "vitest";
import {
  MAX_LAYERS,
  MAX_THEME_EMOJI,
  addEmoji,
  addLayer,
  draftFromTheme,
  draftProblems,
  moveLayer,
  nameProblem,
  newDraft,
  previewSpec,
  removeEmoji,
  removeLayer,
  serverProblem,
  specFromDraft,
  splitFieldError,
  toggleEmoji,
  updateLayer,
} from "../src/state/themeDraft";
import { theme } from "./helpers";

function parallaxDraft() {
  const d = newDraft();
  d.name = "Dusk";
  d.kind = "parallax";
  d.layers = addLayer(addLayer([], "u1"), "u2");
  return d;
}

describe("theme drafts", () => {
  it("starts as a theme the server accepts, apart from its name", () => {
    const d = newDraft();
    expect(draftProblems(d)).toEqual({ name: "Give it a name." });
    d.name = "  Night  ";
    expect(draftProblems(d)).toEqual({});
    expect(specFromDraft(d).name).toBe("Night");
  });

  it("normalises colours on the way out and keeps only the chosen background kind", () => {
    const d = parallaxDraft();
    d.colors.accent = "RGB(255 0 0)";
    d.color = "#abc";
    const spec = specFromDraft(d);
    expect(spec.colors.accent).toBe("#ff0000");
    expect(spec.background).toEqual({ kind: "parallax", color: "#aabbcc", layers: d.layers });
    d.kind = "gradient";
    d.stops = ["#000", "rgb(255,255,255)"];
    d.angle = 90;
    expect(specFromDraft(d).background).toEqual({ kind: "gradient", angle: 90, stops: ["#000000", "#ffffff"] });
  });

  it("round-trips a saved theme, keeping its emoji", () => {
    const t = theme("t", {
      emoji: ["e1"],
      background: { kind: "parallax", color: "#101010", layers: [{ upload_id: "u1", speed: 0.3, offset_x: 4, offset_y: -8, opacity: 0.5, blur: 2 }] },
    });
    const spec = specFromDraft(draftFromTheme(t));
    expect(spec).toEqual({ name: t.name, colors: t.colors, background: t.background, emoji: ["e1"] });
  });

  it("flags low contrast on the text colour's field, as the server does", () => {
    const d = newDraft();
    d.name = "Pale";
    d.colors.own_text = "#ffffff";
    d.colors.own_bubble = "#e0e0ff";
    const problems = draftProblems(d);
    expect(Object.keys(problems)).toEqual(["colors.own_text"]);
    expect(problems["colors.own_text"]).toMatch(/^Contrast 1\.\d\d:1 .*4\.5:1/);
    d.colors.own_bubble = "#4f46e5";
    expect(draftProblems(d)).toEqual({});
  });

  it("flags colours that are not colours, and does not also judge their contrast", () => {
    const d = newDraft();
    d.name = "x";
    d.colors.other_text = "black";
    expect(draftProblems(d)).toEqual({ "colors.other_text": expect.stringMatching(/#rgb/) as unknown });
  });

  it("checks every background kind's fields with the server's paths and ranges", () => {
    const d = parallaxDraft();
    d.layers = updateLayer(d.layers, 0, {});
    d.layers = updateLayer(d.layers, 1, { opacity: 0.5 }).map((l, i) => (i === 1 ? { ...l, opacity: 1.5, speed: Number.NaN } : l));
    expect(Object.keys(draftProblems(d)).sort()).toEqual(["background.layers[1].opacity", "background.layers[1].speed"]);
    d.layers = [];
    expect(draftProblems(d)).toHaveProperty(["background.layers"]);
    d.kind = "image";
    expect(draftProblems(d)).toHaveProperty(["background.upload_id"]);
    d.image = "u1";
    d.imageBlur = 41;
    expect(draftProblems(d)).toEqual({ "background.blur": "Must be between 0 and 40." });
    d.kind = "gradient";
    d.stops = ["#000"];
    d.angle = 361;
    expect(Object.keys(draftProblems(d)).sort()).toEqual(["background.angle", "background.stops"]);
    d.stops = ["#000", "nope"];
    d.angle = 0;
    expect(Object.keys(draftProblems(d))).toEqual(["background.stops[1]"]);
  });

  it("counts a name's characters as the server does", () => {
    expect(nameProblem("a".repeat(64))).toBeNull();
    expect(nameProblem("a".repeat(65))).toMatch(/64/);
    // 64 emoji are 64 characters, though 128 UTF-16 units.
    expect(nameProblem("😀".repeat(64))).toBeNull();
    expect(nameProblem("   ")).toMatch(/name/);
    expect(nameProblem("tab\there")).toMatch(/control/);
    expect(nameProblem("<img src=x onerror=alert(1)>")).toBeNull();
  });

  it("previews with the last good colour while one is half typed", () => {
    const d = newDraft();
    d.colors.accent = "#12";
    d.stops = ["#000000", "#ff"];
    const spec = previewSpec(d);
    expect(spec.colors.accent).toBe(newDraft().colors.accent);
    expect(spec.background).toMatchObject({ kind: "gradient", stops: ["#000000", newDraft().stops[1]] });
  });
});

describe("server errors by field", () => {
  it("splits the field path from the message", () => {
    expect(splitFieldError("colors.own_text contrasts 1.21:1 with its bubble; at least 4.5:1 is needed to read it")).toEqual({
      field: "colors.own_text",
      text: "Contrasts 1.21:1 with its bubble; at least 4.5:1 is needed to read it.",
    });
    expect(splitFieldError("background.layers[0].opacity must be between 0 and 1")).toEqual({
      field: "background.layers[0].opacity",
      text: "Must be between 0 and 1.",
    });
    expect(splitFieldError("name must be 1-64 characters without control characters").field).toBe("name");
    expect(splitFieldError("background.stops[2] must be a CSS colour: #rgb, #rrggbb or rgb(r, g, b)").field).toBe("background.stops[2]");
    expect(splitFieldError("request body: missing field `colors`")).toEqual({ field: null, text: "request body: missing field `colors`" });
  });
});

describe("the emoji set", () => {
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `e${from + i}`);

  it("adds at the end, once each, keeping the order", () => {
    let set = addEmoji([], "b");
    set = addEmoji(set, "a");
    set = addEmoji(set, "c");
    expect(set).toEqual(["b", "a", "c"]);
    expect(addEmoji(set, "a")).toEqual(["b", "a", "c"]);
    expect(removeEmoji(set, "a")).toEqual(["b", "c"]);
    expect(removeEmoji(set, "zz")).toEqual(["b", "a", "c"]);
  });

  it("toggles out from where it was and back in at the end", () => {
    const set = ["a", "b", "c"];
    expect(toggleEmoji(set, "b")).toEqual(["a", "c"]);
    expect(toggleEmoji(toggleEmoji(set, "b"), "b")).toEqual(["a", "c", "b"]);
    expect(set).toEqual(["a", "b", "c"]);
  });

  it("holds at most 50: a full set takes no more, but still lets one go", () => {
    const full = ids(MAX_THEME_EMOJI);
    expect(MAX_THEME_EMOJI).toBe(50);
    expect(addEmoji(full, "new")).toEqual(full);
    expect(toggleEmoji(full, "new")).toEqual(full);
    expect(toggleEmoji(full, "e7")).toHaveLength(49);
    expect(toggleEmoji(toggleEmoji(full, "e7"), "new").at(-1)).toBe("new");
    expect(addEmoji(ids(49), "new")).toHaveLength(50);
  });

  it("loads a theme's emoji without repeats, as the server keeps them, and saves them in order", () => {
    const d = draftFromTheme(theme("t", { emoji: ["x", "y", "x", "z", "y"] }));
    expect(d.emoji).toEqual(["x", "y", "z"]);
    d.emoji = toggleEmoji(toggleEmoji(d.emoji, "x"), "x");
    expect(specFromDraft(d).emoji).toEqual(["y", "z", "x"]);
    d.emoji = [];
    expect(specFromDraft(d)).not.toHaveProperty("emoji");
  });

  it("will not save more than 50, or emoji known to be deleted", () => {
    const d = newDraft();
    d.name = "Party";
    d.emoji = ids(51);
    expect(draftProblems(d)).toEqual({ emoji: "At most 50 emoji." });
    d.emoji = ["a", "b", "c"];
    expect(draftProblems(d)).toEqual({});
    expect(draftProblems(d, (id) => id === "b")).toEqual({ emoji: expect.stringMatching(/^One emoji in the set was deleted/) as unknown });
    expect(draftProblems(d, (id) => id !== "a").emoji).toMatch(/^2 emoji in the set were deleted/);
  });

  it("puts the server's emoji[i] on the emoji set and names the emoji it meant", () => {
    const sent = ["a", "b", "c", "d"];
    expect(serverProblem("emoji[3] names no emoji", sent)).toEqual({
      field: "emoji",
      text: "Emoji 4 of the set no longer exists. Remove it, then save.",
      missing: "d",
    });
    expect(serverProblem("emoji[9] names no emoji", sent)).toEqual({ field: "emoji", text: expect.stringMatching(/^Emoji 10 /) as unknown });
    expect(serverProblem("emoji may list at most 50 emoji", sent)).toEqual({ field: "emoji", text: "May list at most 50 emoji." });
    // Other fields pass through as they were.
    expect(serverProblem("background.layers[0].opacity must be between 0 and 1", sent)).toEqual({
      field: "background.layers[0].opacity",
      text: "Must be between 0 and 1.",
    });
  });
});

describe("parallax layers", () => {
  it("adds up to eight, each a little nearer than the last", () => {
    let layers = addLayer([], "u0");
    expect(layers[0]).toEqual({ upload_id: "u0", speed: 0.15, offset_x: 0, offset_y: 0, opacity: 1, blur: 0 });
    for (let i = 1; i < 10; i++) layers = addLayer(layers, `u${i}`);
    expect(layers).toHaveLength(MAX_LAYERS);
    expect(layers[1]?.speed).toBeGreaterThan(layers[0]?.speed ?? Infinity);
  });

  it("moves a layer up or down the drawing order, staying in bounds", () => {
    const layers = ["a", "b", "c"].reduce((ls, id) => addLayer(ls, id), addLayer([], "z").slice(0, 0));
    const ids = (ls: typeof layers) => ls.map((l) => l.upload_id);
    expect(ids(moveLayer(layers, 0, 1))).toEqual(["b", "a", "c"]);
    expect(ids(moveLayer(layers, 2, -1))).toEqual(["a", "c", "b"]);
    expect(ids(moveLayer(layers, 0, -1))).toEqual(["a", "b", "c"]);
    expect(ids(moveLayer(layers, 2, 1))).toEqual(["a", "b", "c"]);
    expect(ids(removeLayer(layers, 1))).toEqual(["a", "c"]);
    // The original is untouched.
    expect(ids(layers)).toEqual(["a", "b", "c"]);
  });

  it("keeps edited numbers within the server's ranges", () => {
    const [l] = updateLayer(addLayer([], "u"), 0, { speed: 9, opacity: -1, blur: 100, offset_x: -5000, offset_y: 5000 });
    expect(l).toMatchObject({ speed: 2, opacity: 0, blur: 40, offset_x: -4096, offset_y: 4096 });
  });
});
