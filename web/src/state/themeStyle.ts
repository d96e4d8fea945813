// What a theme looks like in CSS terms: the custom properties the chat panel
// reads, and its background. Only colours this module formats itself (from
// parsed values) reach CSS. No DOM here.

import { INK, type Rgb, WHITE, average, contrast, mix, parseColor, readableOn, toHex, withAlpha } from "./color";
import type { Background, ThemeColors, ThemeSpec } from "./types";

/** The built-in look's colours, used where a value cannot be read. */
export const BUILTIN_COLORS: ThemeColors = {
  accent: "#5b57f5",
  own_bubble: "#5b57f5",
  own_text: "#ffffff",
  other_bubble: "#ffffff",
  other_text: "#171a26",
};

/** Behind an image until it arrives. */
const IMAGE_BASE: Rgb = { r: 21, g: 23, b: 30 };

/** Every property `themeVars` sets (the chat panel's theme surface, see README). */
export const THEME_VAR_NAMES = [
  "--accent",
  "--accent-text",
  "--bubble-own",
  "--bubble-own-text",
  "--bubble-own-meta",
  "--bubble-other",
  "--bubble-other-text",
  "--bubble-other-meta",
  "--chat-bg",
  "--chat-bg-glow-1",
  "--chat-bg-glow-2",
  "--chat-pattern",
  "--chat-surface",
  "--chat-text",
  "--chat-text-muted",
  "--chat-border",
  "--read-tick",
  "--focus-ring",
] as const;

export type ThemeVars = Record<(typeof THEME_VAR_NAMES)[number], string>;

function color(value: string | undefined, fallback: string): Rgb {
  return parseColor(value ?? "") ?? parseColor(fallback) ?? WHITE;
}

/** The colour that stands for the whole background (what surfaces sit on). */
export function baseColor(bg: Background): Rgb {
  switch (bg.kind) {
    case "color":
    case "parallax":
      return color(bg.color, "#10121a");
    case "gradient": {
      const stops = bg.stops.map((s) => parseColor(s)).filter((c): c is Rgb => c !== null);
      return stops.length ? average(stops) : IMAGE_BASE;
    }
    case "image":
      return IMAGE_BASE;
  }
}

/** Light backgrounds take dark text on their glass surfaces, and the other way round. */
export function backgroundTone(bg: Background): "light" | "dark" {
  return readableOn(baseColor(bg)) === WHITE ? "dark" : "light";
}

/** The first candidate that stands out from `on` by 3:1 (non-text contrast), else the last. */
function distinct(on: Rgb, candidates: readonly Rgb[]): Rgb {
  return candidates.find((c) => contrast(c, on) >= 3) ?? candidates[candidates.length - 1] ?? WHITE;
}

/** The chat panel's custom properties for a theme. */
export function themeVars(spec: ThemeSpec): ThemeVars {
  const c = spec.colors;
  const accent = color(c.accent, BUILTIN_COLORS.accent);
  const ownBubble = color(c.own_bubble, BUILTIN_COLORS.own_bubble);
  const ownText = color(c.own_text, BUILTIN_COLORS.own_text);
  const otherBubble = color(c.other_bubble, BUILTIN_COLORS.other_bubble);
  const otherText = color(c.other_text, BUILTIN_COLORS.other_text);
  const base = baseColor(spec.background);
  const light = backgroundTone(spec.background) === "light";
  const mint: Rgb = { r: 125, g: 255, b: 212 };
  const teal: Rgb = { r: 4, g: 121, b: 90 };
  return {
    "--accent": toHex(accent),
    "--accent-text": toHex(readableOn(accent)),
    "--bubble-own": toHex(ownBubble),
    "--bubble-own-text": toHex(ownText),
    "--bubble-own-meta": withAlpha(ownText, 0.74),
    "--bubble-other": toHex(otherBubble),
    "--bubble-other-text": toHex(otherText),
    "--bubble-other-meta": withAlpha(otherText, 0.64),
    "--chat-bg": toHex(base),
    // A theme draws its own background: no built-in glow or dots.
    "--chat-bg-glow-1": "transparent",
    "--chat-bg-glow-2": "transparent",
    "--chat-pattern": "transparent",
    "--chat-surface": light ? withAlpha(mix(base, WHITE, 0.75), 0.78) : withAlpha(mix(base, INK, 0.55), 0.74),
    "--chat-text": light ? "#171a26" : "#eef0f6",
    "--chat-text-muted": light ? "#454c5e" : "#c0c6d4",
    "--chat-border": light ? "rgb(20 24 40 / 0.1)" : "rgb(255 255 255 / 0.1)",
    // Read ticks must differ from the bubble; the built-in mint where it shows.
    "--read-tick": toHex(distinct(ownBubble, [mint, accent, teal, ownText])),
    "--focus-ring": toHex(distinct(base, [accent, readableOn(base)])),
  };
}

/** The CSS `background` of a background's base (its colour or gradient); images and layers go above it. */
export function baseBackground(bg: Background): string {
  if (bg.kind === "gradient") {
    const stops = bg.stops.map((s) => parseColor(s)).filter((c): c is Rgb => c !== null);
    if (stops.length >= 2) {
      const angle = Number.isFinite(bg.angle) ? Math.min(360, Math.max(0, bg.angle)) : 180;
      return `linear-gradient(${Math.round(angle * 100) / 100}deg, ${stops.map(toHex).join(", ")})`;
    }
  }
  return toHex(baseColor(bg));
}

/** A URL as a CSS `url()`, with the characters that could end it escaped. */
export function cssUrl(url: string): string {
  return `url("${url.replace(/["\\\n\r\f]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`)}")`;
}
