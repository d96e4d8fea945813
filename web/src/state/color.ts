// sRGB colours as themes write them, and WCAG 2 contrast, computed exactly
// as the server does so the editor can say before saving what it will
// accept. No DOM here.

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** WCAG AA for normal text: the least contrast a bubble's text may have. */
export const MIN_CONTRAST = 4.5;

/**
 * CSS `#rgb`, `#rrggbb`, `rgb(r, g, b)` or `rgb(r g b)` with 0-255
 * integer components, case and surrounding space ignored; null otherwise.
 * No alpha: contrast must hold whatever is behind.
 */
export function parseColor(input: string): Rgb | null {
  const s = input.trim().toLowerCase();
  if (s.startsWith("#")) {
    const hex = s.slice(1);
    if (!/^[0-9a-f]+$/.test(hex)) return null;
    if (hex.length === 3) {
      const [r, g, b] = Array.from(hex, (d) => parseInt(d, 16) * 17);
      return { r: r ?? 0, g: g ?? 0, b: b ?? 0 };
    }
    if (hex.length === 6) {
      return { r: parseInt(hex.slice(0, 2), 16), g: parseInt(hex.slice(2, 4), 16), b: parseInt(hex.slice(4, 6), 16) };
    }
    return null;
  }
  if (!s.startsWith("rgb(") || !s.endsWith(")")) return null;
  const parts = s
    .slice(4, -1)
    .split(/[\s,]/)
    .filter((p) => p !== "");
  if (parts.length !== 3 || !parts.every((p) => /^\+?\d+$/.test(p))) return null;
  const [r, g, b] = parts.map((p) => Number(p));
  if ([r, g, b].some((v) => v === undefined || v > 255)) return null;
  return { r: r ?? 0, g: g ?? 0, b: b ?? 0 };
}

/** `#rrggbb`, the form themes keep. */
export function toHex(c: Rgb): string {
  const h = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0");
  return `#${h(c.r)}${h(c.g)}${h(c.b)}`;
}

/** The colour as `#rrggbb`, or null when it is not one the server takes. */
export function normalizeColor(input: string): string | null {
  const c = parseColor(input);
  return c ? toHex(c) : null;
}

/** WCAG 2 relative luminance, 0 (black) to 1 (white). */
export function luminance(c: Rgb): number {
  const channel = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

/** WCAG 2 contrast ratio, 1 to 21, the same either way round. */
export function contrast(a: Rgb, b: Rgb): number {
  const la = luminance(a);
  const lb = luminance(b);
  const [hi, lo] = la >= lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}

export interface ContrastCheck {
  ratio: number;
  passes: boolean;
}

/** Text against its bubble; null while either is not a colour. */
export function checkContrast(text: string, bubble: string): ContrastCheck | null {
  const t = parseColor(text);
  const b = parseColor(bubble);
  if (!t || !b) return null;
  const ratio = contrast(t, b);
  return { ratio, passes: ratio >= MIN_CONTRAST };
}

/** "4.47:1": cut, never rounded up, so a failing ratio never reads as 4.50. */
export function formatRatio(ratio: number): string {
  return `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;
}

/** `a` moved towards `b` by `t` (0: a, 1: b), in sRGB. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t };
}

export const WHITE: Rgb = { r: 255, g: 255, b: 255 };
export const INK: Rgb = { r: 14, g: 16, b: 24 };

/** White or near-black, whichever reads better on `bg`. */
export function readableOn(bg: Rgb): Rgb {
  return contrast(WHITE, bg) >= contrast(INK, bg) ? WHITE : INK;
}

/** `rgb(r g b / a)`. */
export function withAlpha(c: Rgb, alpha: number): string {
  const v = (x: number) => Math.round(Math.min(255, Math.max(0, x)));
  return `rgb(${v(c.r)} ${v(c.g)} ${v(c.b)} / ${Math.round(alpha * 1000) / 1000})`;
}

/** The mean of some colours (a gradient's overall tone). */
export function average(colors: readonly Rgb[]): Rgb {
  if (colors.length === 0) return { r: 0, g: 0, b: 0 };
  const sum = colors.reduce((acc, c) => ({ r: acc.r + c.r, g: acc.g + c.g, b: acc.b + c.b }), { r: 0, g: 0, b: 0 });
  return { r: sum.r / colors.length, g: sum.g / colors.length, b: sum.b / colors.length };
}
