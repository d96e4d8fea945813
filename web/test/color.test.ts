import { describe, expect, it } from "vitest";
import { MIN_CONTRAST, checkContrast, contrast, formatRatio, luminance, normalizeColor, parseColor, readableOn, toHex, withAlpha } from "../src/state/color";

describe("colours as the server reads them", () => {
  it("takes #rgb, #rrggbb and rgb() in any case and spacing, and keeps #rrggbb", () => {
    expect(normalizeColor("#4F46E5")).toBe("#4f46e5");
    expect(normalizeColor(" #abc ")).toBe("#aabbcc");
    expect(normalizeColor("rgb(79, 70, 229)")).toBe("#4f46e5");
    expect(normalizeColor("RGB(79 70 229)")).toBe("#4f46e5");
    expect(normalizeColor("rgb(0,0,0)")).toBe("#000000");
    expect(normalizeColor("rgb(+1, 007, 255)")).toBe("#0107ff");
  });

  it("refuses what the server refuses", () => {
    for (const bad of ["", "red", "#abcd", "#12345g", "#1234567", "rgb(256, 0, 0)", "rgb(1, 2)", "rgb(1, 2, 3, 4)", "rgb(1.5, 2, 3)", "rgba(1, 2, 3)", "rgb(-1, 2, 3)", "rgb(1%, 2, 3)", "#"]) {
      expect(parseColor(bad), bad).toBeNull();
    }
  });

  it("formats back to #rrggbb, clamping and rounding", () => {
    expect(toHex({ r: 255.4, g: -3, b: 16 })).toBe("#ff0010");
    expect(withAlpha({ r: 255, g: 255, b: 255 }, 0.74)).toBe("rgb(255 255 255 / 0.74)");
  });
});

describe("WCAG contrast", () => {
  it("computes relative luminance and the ratio as WCAG 2 defines them", () => {
    expect(luminance({ r: 0, g: 0, b: 0 })).toBe(0);
    expect(luminance({ r: 255, g: 255, b: 255 })).toBeCloseTo(1, 10);
    expect(contrast({ r: 0, g: 0, b: 0 }, { r: 255, g: 255, b: 255 })).toBeCloseTo(21, 10);
    // Symmetric.
    const a = { r: 79, g: 70, b: 229 };
    const b = { r: 255, g: 255, b: 255 };
    expect(contrast(a, b)).toBeCloseTo(contrast(b, a), 12);
    // Known values: #777 on white is 4.48 (fails AA), #767676 is 4.54 (passes).
    expect(checkContrast("#777777", "#ffffff")?.ratio).toBeCloseTo(4.478, 2);
    expect(checkContrast("#777777", "#ffffff")?.passes).toBe(false);
    expect(checkContrast("#767676", "#ffffff")?.passes).toBe(true);
    // Pure blue and pure red on white: 8.59:1 and 3.99:1.
    expect(formatRatio(checkContrast("#0000ff", "#ffffff")?.ratio ?? 0)).toBe("8.59:1");
    expect(formatRatio(checkContrast("#ff0000", "#ffffff")?.ratio ?? 0)).toBe("3.99:1");
  });

  it("uses the linear part of the sRGB curve for dark channels", () => {
    // 10/255 = 0.0392 is below 0.03928: divided by 12.92, not raised.
    expect(luminance({ r: 10, g: 10, b: 10 })).toBeCloseTo(10 / 255 / 12.92, 12);
    expect(luminance({ r: 11, g: 11, b: 11 })).toBeCloseTo(((11 / 255 + 0.055) / 1.055) ** 2.4, 12);
  });

  it("passes at exactly 4.5 and says nothing about what is not a colour", () => {
    expect(MIN_CONTRAST).toBe(4.5);
    expect(checkContrast("#fff", "nope")).toBeNull();
    // Never shows a failing ratio rounded up to the threshold.
    expect(formatRatio(4.4999)).toBe("4.49:1");
    expect(formatRatio(21)).toBe("21.00:1");
  });

  it("picks white or ink text for a background", () => {
    expect(toHex(readableOn({ r: 20, g: 20, b: 60 }))).toBe("#ffffff");
    expect(toHex(readableOn({ r: 250, g: 240, b: 200 }))).not.toBe("#ffffff");
  });
});
