// A theme being edited: what the form holds (colours as typed, every
// background kind's settings kept while switching between them), the
// server's rules checked field by field before saving, and the server's
// own errors matched to their fields. No DOM here.

import { MIN_CONTRAST, checkContrast, formatRatio, normalizeColor, parseColor } from "./color";
import type { BackgroundKind, ColorKey, ParallaxLayer, Theme, ThemeColors, ThemeSpec } from "./types";

export const NAME_MAX = 64;
export const MAX_LAYERS = 8;
export const MIN_STOPS = 2;
export const MAX_STOPS = 5;
/** Emoji one theme lists (the server's limit). */
export const MAX_THEME_EMOJI = 50;

/** The server's ranges. */
export const RANGES = {
  angle: { min: 0, max: 360 },
  speed: { min: -2, max: 2 },
  offset: { min: -4096, max: 4096 },
  opacity: { min: 0, max: 1 },
  blur: { min: 0, max: 40 },
} as const;

export const COLOR_KEYS: readonly ColorKey[] = ["accent", "own_bubble", "own_text", "other_bubble", "other_text"];

/** Text colour → the bubble it sits on. */
export const CONTRAST_PAIRS = [
  { text: "own_text", bubble: "own_bubble" },
  { text: "other_text", bubble: "other_bubble" },
] as const satisfies readonly { text: ColorKey; bubble: ColorKey }[];

export interface Draft {
  name: string;
  /** As typed; checked on the way out. */
  colors: ThemeColors;
  kind: BackgroundKind;
  /** The colour background, and the colour behind parallax layers. */
  color: string;
  angle: number;
  stops: string[];
  image: string | null;
  imageBlur: number;
  layers: ParallaxLayer[];
  /** Emoji ids, in the order they were added; distinct, at most `MAX_THEME_EMOJI`. */
  emoji: string[];
}

export function newDraft(): Draft {
  return {
    name: "",
    colors: { accent: "#a78bfa", own_bubble: "#7c3aed", own_text: "#ffffff", other_bubble: "#ffffff", other_text: "#1e1b2e" },
    kind: "gradient",
    color: "#0f1226",
    angle: 160,
    stops: ["#0f172a", "#1e1b4b", "#4c1d95"],
    image: null,
    imageBlur: 0,
    layers: [],
    emoji: [],
  };
}

export function draftFromTheme(theme: Theme): Draft {
  const d = newDraft();
  const bg = theme.background;
  d.name = theme.name;
  d.colors = { ...theme.colors };
  d.kind = bg.kind;
  d.emoji = distinct(theme.emoji ?? []);
  switch (bg.kind) {
    case "color":
      d.color = bg.color;
      break;
    case "gradient":
      d.angle = bg.angle;
      d.stops = [...bg.stops];
      break;
    case "image":
      d.image = bg.upload_id;
      d.imageBlur = bg.blur;
      break;
    case "parallax":
      d.color = bg.color;
      d.layers = bg.layers.map((l) => ({ ...l }));
      break;
  }
  return d;
}

/** The spec to save (colours in `#rrggbb`); meaningful once `draftProblems` is empty. */
export function specFromDraft(d: Draft): ThemeSpec {
  const hex = (s: string) => normalizeColor(s) ?? s.trim();
  const colors = Object.fromEntries(COLOR_KEYS.map((k) => [k, hex(d.colors[k])])) as unknown as ThemeColors;
  const spec: ThemeSpec = { name: d.name.trim(), colors, background: { kind: "color", color: hex(d.color) } };
  switch (d.kind) {
    case "color":
      break;
    case "gradient":
      spec.background = { kind: "gradient", angle: d.angle, stops: d.stops.map(hex) };
      break;
    case "image":
      spec.background = { kind: "image", upload_id: d.image ?? "", blur: d.imageBlur };
      break;
    case "parallax":
      spec.background = { kind: "parallax", color: hex(d.color), layers: d.layers.map((l) => ({ ...l })) };
      break;
  }
  if (d.emoji.length) spec.emoji = [...d.emoji];
  return spec;
}

/**
 * What the preview draws while typing: the draft, with any colour that is
 * not (yet) a colour taken from `fallback`, so the preview never breaks.
 */
export function previewSpec(d: Draft, fallback: Draft = newDraft()): ThemeSpec {
  const pick = (value: string, prior: string) => normalizeColor(value) ?? normalizeColor(prior) ?? "#000000";
  const fixed: Draft = {
    ...d,
    colors: Object.fromEntries(COLOR_KEYS.map((k) => [k, pick(d.colors[k], fallback.colors[k])])) as unknown as ThemeColors,
    color: pick(d.color, fallback.color),
    stops: d.stops.map((s, i) => pick(s, fallback.stops[i] ?? fallback.stops[0] ?? "#000000")),
  };
  return specFromDraft(fixed);
}

// ---------------------------------------------------------------- checks

/** Field path (as the server names it) → what is wrong there. */
export type Problems = Record<string, string>;

const COLOR_PROBLEM = "Use #rgb, #rrggbb or rgb(r, g, b).";

function outside(value: number, range: { min: number; max: number }): boolean {
  return !Number.isFinite(value) || value < range.min || value > range.max;
}

function rangeProblem(range: { min: number; max: number }): string {
  return `Must be between ${range.min} and ${range.max}.`;
}

/** The name as the server counts it: trimmed, in characters. */
export function nameProblem(name: string): string | null {
  // Characters as the server counts them: code points, not UTF-16 units.
  const n = Array.from(name.trim()).length;
  if (n === 0) return "Give it a name.";
  if (n > NAME_MAX) return `At most ${NAME_MAX} characters.`;
  if (/\p{Cc}/u.test(name.trim())) return "No control characters.";
  return null;
}

export function contrastProblem(ratio: number): string {
  return `Contrast ${formatRatio(ratio)} with its bubble; at least ${MIN_CONTRAST}:1 is needed to read it.`;
}

/**
 * Everything the server would refuse, by field; empty when it can be saved.
 * `goneEmoji`: ids known deleted (a 404), which the server would refuse too.
 */
export function draftProblems(d: Draft, goneEmoji?: (id: string) => boolean): Problems {
  const p: Problems = {};
  const name = nameProblem(d.name);
  if (name) p.name = name;
  for (const k of COLOR_KEYS) if (!parseColor(d.colors[k])) p[`colors.${k}`] = COLOR_PROBLEM;
  for (const { text, bubble } of CONTRAST_PAIRS) {
    const check = checkContrast(d.colors[text], d.colors[bubble]);
    if (check && !check.passes) p[`colors.${text}`] = contrastProblem(check.ratio);
  }
  switch (d.kind) {
    case "color":
      if (!parseColor(d.color)) p["background.color"] = COLOR_PROBLEM;
      break;
    case "gradient":
      if (outside(d.angle, RANGES.angle)) p["background.angle"] = rangeProblem(RANGES.angle);
      if (d.stops.length < MIN_STOPS || d.stops.length > MAX_STOPS) p["background.stops"] = `Use ${MIN_STOPS}–${MAX_STOPS} colours.`;
      d.stops.forEach((s, i) => {
        if (!parseColor(s)) p[`background.stops[${i}]`] = COLOR_PROBLEM;
      });
      break;
    case "image":
      if (!d.image) p["background.upload_id"] = "Choose an image.";
      if (outside(d.imageBlur, RANGES.blur)) p["background.blur"] = rangeProblem(RANGES.blur);
      break;
    case "parallax":
      if (!parseColor(d.color)) p["background.color"] = COLOR_PROBLEM;
      if (d.layers.length === 0) p["background.layers"] = "Add at least one layer.";
      else if (d.layers.length > MAX_LAYERS) p["background.layers"] = `At most ${MAX_LAYERS} layers.`;
      d.layers.forEach((l, i) => {
        const f = (name: string) => `background.layers[${i}].${name}`;
        if (outside(l.speed, RANGES.speed)) p[f("speed")] = rangeProblem(RANGES.speed);
        if (outside(l.offset_x, RANGES.offset)) p[f("offset_x")] = rangeProblem(RANGES.offset);
        if (outside(l.offset_y, RANGES.offset)) p[f("offset_y")] = rangeProblem(RANGES.offset);
        if (outside(l.opacity, RANGES.opacity)) p[f("opacity")] = rangeProblem(RANGES.opacity);
        if (outside(l.blur, RANGES.blur)) p[f("blur")] = rangeProblem(RANGES.blur);
      });
      break;
  }
  const emoji = emojiSetProblem(d.emoji, goneEmoji);
  if (emoji) p.emoji = emoji;
  return p;
}

/**
 * Splits a server message that starts with a field path ("colors.own_text
 * contrasts 1.21:1 ...", "background.layers[0].opacity must be ...") into
 * the path and the rest; `field` is null when it names none.
 */
export function splitFieldError(message: string): { field: string | null; text: string } {
  const m = /^((?:name|colors|background|emoji)(?:\.[a-z_]+|\[\d+\])*)\s+(.+)$/s.exec(message);
  if (!m?.[1] || !m[2]) return { field: null, text: message };
  const text = m[2].charAt(0).toUpperCase() + m[2].slice(1);
  return { field: m[1], text: /[.!?]$/.test(text) ? text : `${text}.` };
}

/**
 * A refusal from the server as a field and what to say there. Any
 * `emoji[i]` is the emoji set as a whole (the form has one field for it);
 * `missing` is the id it named, so the editor can mark that one.
 */
export function serverProblem(message: string, emoji: readonly string[]): { field: string | null; text: string; missing?: string } {
  const split = splitFieldError(message);
  const item = /^emoji\[(\d+)\]$/.exec(split.field ?? "");
  if (!item?.[1]) return split;
  const i = Number(item[1]);
  const missing = emoji[i];
  const text = `Emoji ${i + 1} of the set no longer exists. Remove it, then save.`;
  return missing === undefined ? { field: "emoji", text } : { field: "emoji", text, missing };
}

// ----------------------------------------------------------------- emoji

/** Each id once, first place kept (as the server keeps them). */
export function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

export function emojiSetProblem(ids: readonly string[], gone?: (id: string) => boolean): string | null {
  if (ids.length > MAX_THEME_EMOJI) return `At most ${MAX_THEME_EMOJI} emoji.`;
  const deleted = gone ? ids.filter(gone).length : 0;
  if (deleted === 1) return "One emoji in the set was deleted. Remove it to save.";
  if (deleted > 1) return `${deleted} emoji in the set were deleted. Remove them to save.`;
  return null;
}

/** Adds at the end, unless it is there already or the set is full. */
export function addEmoji(ids: readonly string[], id: string): string[] {
  if (ids.includes(id) || ids.length >= MAX_THEME_EMOJI) return [...ids];
  return [...ids, id];
}

export function removeEmoji(ids: readonly string[], id: string): string[] {
  return ids.filter((e) => e !== id);
}

/** In the set: out; else in, at the end (when there is room). */
export function toggleEmoji(ids: readonly string[], id: string): string[] {
  return ids.includes(id) ? removeEmoji(ids, id) : addEmoji(ids, id);
}

// ---------------------------------------------------------------- layers

/** Further layers move faster, so a new one on top starts nearer than the last. */
const DEPTHS = [0.15, 0.45, 0.8, 1.1, 0.3, 0.6, 0.95, 1.3];

export function addLayer(layers: readonly ParallaxLayer[], uploadId: string): ParallaxLayer[] {
  if (layers.length >= MAX_LAYERS) return [...layers];
  const speed = DEPTHS[layers.length] ?? 0.5;
  return [...layers, { upload_id: uploadId, speed, offset_x: 0, offset_y: 0, opacity: 1, blur: 0 }];
}

/** Moves layer `index` by `delta` places (drawing order), staying in bounds. */
export function moveLayer(layers: readonly ParallaxLayer[], index: number, delta: number): ParallaxLayer[] {
  const to = Math.min(layers.length - 1, Math.max(0, index + delta));
  const out = [...layers];
  const [moved] = out.splice(index, 1);
  if (moved === undefined) return [...layers];
  out.splice(to, 0, moved);
  return out;
}

export function removeLayer(layers: readonly ParallaxLayer[], index: number): ParallaxLayer[] {
  return layers.filter((_, i) => i !== index);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Changes one layer, keeping every number in its range. */
export function updateLayer(layers: readonly ParallaxLayer[], index: number, patch: Partial<ParallaxLayer>): ParallaxLayer[] {
  return layers.map((l, i) => {
    if (i !== index) return l;
    const next = { ...l, ...patch };
    return {
      ...next,
      speed: clamp(next.speed, RANGES.speed.min, RANGES.speed.max),
      offset_x: clamp(next.offset_x, RANGES.offset.min, RANGES.offset.max),
      offset_y: clamp(next.offset_y, RANGES.offset.min, RANGES.offset.max),
      opacity: clamp(next.opacity, RANGES.opacity.min, RANGES.opacity.max),
      blur: clamp(next.blur, RANGES.blur.min, RANGES.blur.max),
    };
  });
}

/** The uploads a draft's current background shows. */
export function draftUploads(d: Draft): string[] {
  if (d.kind === "image") return d.image ? [d.image] : [];
  if (d.kind === "parallax") return d.layers.map((l) => l.upload_id);
  return [];
}

/** A speed in words, for the layer list and screen readers. */
export function describeSpeed(speed: number): string {
  if (speed === 0) return "stays put";
  if (speed === 1) return "moves with the messages";
  if (speed < 0) return "moves against the messages";
  if (speed < 1) return speed < 0.4 ? "far away, moves slowly" : "moves slower than the messages";
  return "near, moves faster than the messages";
}
