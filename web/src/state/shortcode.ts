// `:shortcode:`s in text, by the server's rule: a name is 2-32 of
// A-Z a-z 0-9 _ between colons and takes both (even when repeated), and a
// colon that closes something that is not a name may open the next one
// (`:a::bb:` names bb). No DOM here.

import type { EmojiRef } from "./types";

export const SHORTCODE_MIN = 2;
export const SHORTCODE_MAX = 32;
/** The most distinct emoji the server resolves in one message. */
export const MAX_EMOJI_PER_MESSAGE = 20;

const NAME = /^[A-Za-z0-9_]{2,32}$/;

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function isShortcode(s: string): boolean {
  return NAME.test(s);
}

/** What a person typed as a name, without surrounding space or colons (the server accepts `:party:`). */
export function normalizeShortcode(input: string): string {
  return input.trim().replace(/^:+|:+$/g, "");
}

/** Why a typed name is not a valid shortcode, or null when it is. */
export function shortcodeProblem(input: string): string | null {
  const s = normalizeShortcode(input);
  if (s.length === 0) return "Give it a name.";
  if (/[^A-Za-z0-9_]/.test(s)) return "Use only letters A–Z, digits and _.";
  if (s.length < SHORTCODE_MIN) return "At least 2 characters.";
  if (s.length > SHORTCODE_MAX) return "At most 32 characters.";
  return null;
}

/** A valid name suggested by a file name: "Party Parrot!.gif" → "Party_Parrot". */
export function shortcodeFromFileName(fileName: string): string {
  const stem = fileName.replace(/\.[^.]*$/, "");
  let s = stem
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "")
    .slice(0, SHORTCODE_MAX)
    .replace(/_$/, "");
  if (s.length < SHORTCODE_MIN) s = s ? `emoji_${s}` : "emoji";
  return s;
}

export type Segment = { kind: "text"; text: string } | { kind: "emoji"; shortcode: string; emoji_id: string };

/**
 * Splits message text into text and emoji segments. Every valid name is
 * consumed with both colons, as the server's scan does; only names in
 * `refs` become emoji, the rest stay text. Adjacent text is merged.
 */
export function tokenize(text: string, refs: readonly EmojiRef[] | undefined): Segment[] {
  const byName = new Map<string, string>();
  for (const r of refs ?? []) if (!byName.has(r.shortcode)) byName.set(r.shortcode, r.emoji_id);
  const out: Segment[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const last = out[out.length - 1];
    if (last?.kind === "text") last.text += t;
    else out.push({ kind: "text", text: t });
  };
  if (byName.size === 0) {
    pushText(text);
    return out;
  }
  let textFrom = 0;
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 58 /* : */) {
      i++;
      continue;
    }
    const start = i + 1;
    let end = start;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    if (end < text.length && text.charCodeAt(end) === 58 && end - start >= SHORTCODE_MIN && end - start <= SHORTCODE_MAX) {
      const name = text.slice(start, end);
      const id = byName.get(name);
      if (id !== undefined) {
        pushText(text.slice(textFrom, i));
        out.push({ kind: "emoji", shortcode: name, emoji_id: id });
        textFrom = end + 1;
      }
      i = end + 1;
    } else {
      // Not a name: a closing colon may open the next one.
      i = Math.max(end, start);
    }
  }
  pushText(text.slice(textFrom));
  return out;
}

/** The distinct valid names in a text, in order of first use, at most `limit` (the server's resolution). */
export function shortcodesIn(text: string, limit = MAX_EMOJI_PER_MESSAGE): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length && out.length < limit) {
    if (text.charCodeAt(i) !== 58) {
      i++;
      continue;
    }
    const start = i + 1;
    let end = start;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    const valid = end < text.length && text.charCodeAt(end) === 58 && end - start >= SHORTCODE_MIN && end - start <= SHORTCODE_MAX;
    if (valid) {
      const name = text.slice(start, end);
      if (!out.includes(name)) out.push(name);
      // A repeat is still a name: its closing colon opens nothing.
      i = end + 1;
    } else {
      i = Math.max(end, start);
    }
  }
  return out;
}

/**
 * Emoji only, with nothing but spaces between, and not too many: shown
 * large, as chat apps do.
 */
export function isEmojiOnly(segments: readonly Segment[], max = 8): boolean {
  let count = 0;
  for (const s of segments) {
    if (s.kind === "emoji") count++;
    else if (s.text.trim()) return false;
  }
  return count > 0 && count <= max;
}

// -------------------------------------------------------------- composing

export interface ShortcodeQuery {
  /** Index of the opening colon. */
  start: number;
  /** What follows it, up to the caret. */
  query: string;
}

/** Autocomplete starts after this many name characters, so `:D` and `:)` stay plain. */
export const QUERY_MIN = 2;

/**
 * The `:na` being typed just before the caret, if any. The colon must start
 * the text or follow a space, bracket or another colon, so times (12:30)
 * and URLs do not trigger it.
 */
export function shortcodeQueryAt(text: string, caret: number): ShortcodeQuery | null {
  let i = caret;
  while (i > 0 && isNameChar(text.charCodeAt(i - 1))) i--;
  const length = caret - i;
  if (length < QUERY_MIN || length > SHORTCODE_MAX || i === 0 || text.charCodeAt(i - 1) !== 58) return null;
  const colon = i - 1;
  const before = colon > 0 ? text[colon - 1] : undefined;
  if (before !== undefined && !/[\s([{:"'«“]/.test(before)) return null;
  return { start: colon, query: text.slice(i, caret) };
}

/** Names matching a query: those that start with it first, then those containing it; case-insensitive. */
export function matchShortcodes<T extends { shortcode: string }>(items: readonly T[], query: string, limit = Infinity): T[] {
  const q = normalizeShortcode(query).toLowerCase();
  if (!q) return items.slice(0, limit);
  const starts: T[] = [];
  const contains: T[] = [];
  for (const item of items) {
    const name = item.shortcode.toLowerCase();
    if (name.startsWith(q)) starts.push(item);
    else if (name.includes(q)) contains.push(item);
  }
  const byName = (a: T, b: T) => a.shortcode.localeCompare(b.shortcode);
  return [...starts.sort(byName), ...contains.sort(byName)].slice(0, limit);
}

export interface Edit {
  text: string;
  caret: number;
}

/**
 * Puts `:name:` in place of text[from, to) and a space after it unless one
 * follows already, leaving the caret after both.
 */
export function insertShortcode(text: string, from: number, to: number, name: string): Edit {
  const after = text.slice(to);
  const token = `:${name}:${/^\s/.test(after) ? "" : " "}`;
  return { text: text.slice(0, from) + token + after, caret: from + token.length };
}

/** Moves a highlight in a grid of `count` items laid out `columns` wide; null for keys that do not move it. */
export function moveInGrid(index: number, key: string, count: number, columns: number): number | null {
  if (count === 0) return null;
  const cols = Math.max(1, columns);
  const clamp = (n: number) => Math.min(count - 1, Math.max(0, n));
  switch (key) {
    case "ArrowRight":
      return clamp(index + 1);
    case "ArrowLeft":
      return clamp(index - 1);
    case "ArrowDown":
      return index + cols < count ? index + cols : index;
    case "ArrowUp":
      return index - cols >= 0 ? index - cols : index;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
