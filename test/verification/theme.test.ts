import { describe, expect, it } from "vitest";
import { contrast, palette } from "../../src/verification/theme";

describe("theme: any accent stays readable (WCAG AA)", () => {
  it.each(["#1a56db", "#ffd400", "#777777", "#000000", "#ffffff", "#e11d48"])("accent %s gets button text with contrast ≥ 4.5:1", (accent) => {
    const p = palette(accent);
    expect(contrast(p.accent, p.onAccent)).toBeGreaterThanOrEqual(4.5);
    // The button's edge is visible on the white card (1.4.11).
    expect(contrast(p.accentBorder, "#ffffff")).toBeGreaterThanOrEqual(3);
  });

  it("the fixed colours: text ≥ 4.5:1 on white and on the page background, field borders ≥ 3:1", () => {
    for (const ink of ["#111827", "#4b5563", "#b42318"]) {
      expect(contrast(ink, "#ffffff")).toBeGreaterThanOrEqual(4.5);
      expect(contrast(ink, "#f3f4f6")).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast("#111827", "#fff8e6")).toBeGreaterThanOrEqual(4.5);
    expect(contrast("#6b7280", "#ffffff")).toBeGreaterThanOrEqual(3);
  });
});
