import { describe, expect, it } from "vitest";
import { contrast, palette, SCHEMES } from "../../src/verification/theme";

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

  it.each(["light", "dark"] as const)("the %s scheme: every text colour ≥ 4.5:1 on every surface it is used on, borders ≥ 3:1", (scheme) => {
    const c = SCHEMES[scheme];
    for (const surface of [c.card, c.bg, c.input, c.warnBg, c.dangerBg, c.neutral]) {
      expect(contrast(c.ink, surface), `ink on ${surface}`).toBeGreaterThanOrEqual(4.5);
    }
    for (const text of [c.muted, c.err]) {
      for (const surface of [c.card, c.bg, c.input]) expect(contrast(text, surface), `${text} on ${surface}`).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(c.err, c.dangerBg)).toBeGreaterThanOrEqual(3);
    expect(contrast(c.field, c.card)).toBeGreaterThanOrEqual(3);
    expect(contrast(c.field, c.input)).toBeGreaterThanOrEqual(3);
  });

  it.each(["#1a56db", "#ffd400", "#777777", "#000000", "#ffffff", "#e11d48"])(
    "accent %s on the dark card: readable text, and an edge that stands out",
    (accent) => {
      const p = palette(accent, "dark");
      expect(contrast(p.accent, p.onAccent)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(p.accentBorder, SCHEMES.dark.card)).toBeGreaterThanOrEqual(3);
    },
  );
});
