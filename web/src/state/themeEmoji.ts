// The emoji picker's "From this theme" section, and moving through the
// picker's sections by keyboard. No DOM here.
//
// The server turns a `:shortcode:` into an image only when it names one of
// the sender's own emoji, so a theme emoji I do not own would go out as
// text: it is offered only when the same emoji is in my library.

import type { EmojiState } from "./emoji";
import { normalizeShortcode } from "./shortcode";
import type { EmojiView } from "./types";

export const NOT_MINE_NOTE = "Only your own emoji show as images: add it in the emoji manager";

export type ThemeEmojiChoice =
  /** Mine: inserts as usual (the view is my library's). */
  | { kind: "mine"; id: string; view: EmojiView }
  /** Someone else's: shown, not inserted. */
  | { kind: "theirs"; id: string; view: EmojiView }
  /** My library failed to load, so whose it is cannot be told. */
  | { kind: "unknown"; id: string; view: EmojiView }
  /** Its view, or my library, is still on the way. */
  | { kind: "loading"; id: string };

/**
 * The theme's emoji as the picker offers them, in the theme's order.
 * `mine`: my library, or null while it loads (`"failed"` when it could not).
 * Deleted and unloadable emoji are left out: there is nothing to insert.
 * With a query, only those whose name contains it (names still loading drop out).
 */
export function themeEmojiChoices(
  ids: readonly string[],
  mine: readonly EmojiView[] | null | "failed",
  lookup: (id: string) => EmojiState,
  query = "",
): ThemeEmojiChoice[] {
  const q = normalizeShortcode(query).toLowerCase();
  const own = mine === null || mine === "failed" ? null : new Map(mine.map((e) => [e.emoji_id, e]));
  const out: ThemeEmojiChoice[] = [];
  for (const id of new Set(ids)) {
    const mineView = own?.get(id);
    const state = mineView ? ({ status: "ready", view: mineView } as const) : lookup(id);
    if (state.status === "gone" || state.status === "failed") continue;
    if (state.status === "loading" || mine === null) {
      if (!q) out.push({ kind: "loading", id });
      continue;
    }
    if (q && !state.view.shortcode.toLowerCase().includes(q)) continue;
    const kind = mineView ? "mine" : mine === "failed" ? "unknown" : "theirs";
    out.push({ kind, id, view: state.view });
  }
  return out;
}

/**
 * Arrow keys over grids one after another (each `columns` wide, `sizes`
 * options each), as one flat index: left and right run on across sections,
 * up and down keep the column, stepping into the next section's first row
 * or the previous one's last. Null for keys it does not handle.
 */
export function moveInSections(index: number, key: string, sizes: readonly number[], columns: number): number | null {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const cols = Math.max(1, columns);
  const clamp = (n: number) => Math.min(total - 1, Math.max(0, n));
  // The section `index` falls in, and where that section starts.
  let section = 0;
  let start = 0;
  while (section < sizes.length - 1 && index >= start + (sizes[section] ?? 0)) start += sizes[section++] ?? 0;
  const size = sizes[section] ?? 0;
  const at = index - start;
  const column = at % cols;
  switch (key) {
    case "ArrowRight":
      return clamp(index + 1);
    case "ArrowLeft":
      return clamp(index - 1);
    case "Home":
      return 0;
    case "End":
      return total - 1;
    case "ArrowDown": {
      if (at + cols < size) return index + cols;
      // Not on the last row yet: its last option.
      if (Math.floor(at / cols) < Math.floor((size - 1) / cols)) return start + size - 1;
      let next = section + 1;
      let nextStart = start + size;
      while (next < sizes.length && (sizes[next] ?? 0) === 0) next++;
      if (next >= sizes.length) return index;
      for (let s = section + 1; s < next; s++) nextStart += sizes[s] ?? 0;
      return nextStart + Math.min(column, (sizes[next] ?? 1) - 1);
    }
    case "ArrowUp": {
      if (at - cols >= 0) return index - cols;
      let prev = section - 1;
      let prevStart = start;
      while (prev >= 0 && (sizes[prev] ?? 0) === 0) prev--;
      if (prev < 0) return index;
      for (let s = section - 1; s >= prev; s--) prevStart -= sizes[s] ?? 0;
      const prevSize = sizes[prev] ?? 0;
      const lastRow = Math.floor((prevSize - 1) / cols) * cols;
      return prevStart + Math.min(lastRow + column, prevSize - 1);
    }
    default:
      return null;
  }
}
