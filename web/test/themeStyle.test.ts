import { describe, expect, it } from "vitest";
import { checkContrast, parseColor } from "../src/state/color";
import { THEME_VAR_NAMES, backgroundTone, baseBackground, cssUrl, themeVars } from "../src/state/themeStyle";
import type { ThemeSpec } from "../src/state/types";

const spec: ThemeSpec = {
  name: "Dusk",
  colors: { accent: "#7c5cff", own_bubble: "#4f46e5", own_text: "#ffffff", other_bubble: "#ffffff", other_text: "#111827" },
  background: { kind: "parallax", color: "#0b1020", layers: [] },
};

describe("theme CSS", () => {
  it("sets every property of the chat panel's theme surface from the theme's colours", () => {
    const vars = themeVars(spec);
    expect(Object.keys(vars).sort()).toEqual([...THEME_VAR_NAMES].sort());
    expect(vars["--accent"]).toBe("#7c5cff");
    expect(vars["--bubble-own"]).toBe("#4f46e5");
    expect(vars["--bubble-own-text"]).toBe("#ffffff");
    expect(vars["--bubble-other"]).toBe("#ffffff");
    expect(vars["--bubble-other-text"]).toBe("#111827");
    expect(vars["--chat-bg"]).toBe("#0b1020");
    expect(vars["--chat-pattern"]).toBe("transparent");
  });

  it("puts light text on dark backgrounds' surfaces and dark text on light ones", () => {
    expect(backgroundTone(spec.background)).toBe("dark");
    expect(themeVars(spec)["--chat-text"]).toBe("#eef0f6");
    const light: ThemeSpec = { ...spec, background: { kind: "gradient", angle: 0, stops: ["#ffffff", "#fde68a"] } };
    expect(backgroundTone(light.background)).toBe("light");
    expect(themeVars(light)["--chat-text"]).toBe("#171a26");
  });

  it("chooses accent text and read ticks that stand out", () => {
    const yellow: ThemeSpec = { ...spec, colors: { ...spec.colors, accent: "#ffe066", own_bubble: "#7dffd4", own_text: "#102030" } };
    const vars = themeVars(yellow);
    expect(checkContrast(vars["--accent-text"], "#ffe066")?.passes).toBe(true);
    // Mint ticks on a mint bubble would vanish.
    expect(vars["--read-tick"]).not.toBe("#7dffd4");
    expect(checkContrast(vars["--read-tick"], "#7dffd4")?.ratio).toBeGreaterThanOrEqual(3);
  });

  it("writes only parsed colours into CSS, whatever a spec holds", () => {
    const hostile: ThemeSpec = {
      ...spec,
      colors: { ...spec.colors, accent: "red; background: url(x)" },
      background: { kind: "gradient", angle: 45, stops: ["#000", "url(javascript:1)", "#fff"] },
    };
    const vars = themeVars(hostile);
    for (const value of Object.values(vars)) expect(value).not.toMatch(/url|;/);
    expect(baseBackground(hostile.background)).toBe("linear-gradient(45deg, #000000, #ffffff)");
  });

  it("draws gradients at their angle and others as their colour", () => {
    expect(baseBackground({ kind: "gradient", angle: 160, stops: ["#1e1b4b", "#6d28d9", "#db2777"] })).toBe(
      "linear-gradient(160deg, #1e1b4b, #6d28d9, #db2777)",
    );
    expect(baseBackground({ kind: "color", color: "#abc" })).toBe("#aabbcc");
    expect(parseColor(baseBackground({ kind: "image", upload_id: "u", blur: 0 }))).not.toBeNull();
  });

  it("quotes URLs so they cannot end the url()", () => {
    expect(cssUrl('http://x/a"b\\c\nd')).toBe('url("http://x/a%22b%5Cc%0Ad")');
    expect(cssUrl("http://localhost:3000/blobs/media/u1?X-Amz-Signature=abc&x=1")).toBe('url("http://localhost:3000/blobs/media/u1?X-Amz-Signature=abc&x=1")');
  });
});
