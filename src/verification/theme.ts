/** The page's look: the operator's name, logo and accent colour (PRODUCT_NAME, LOGO_URL, ACCENT_COLOR). */
export interface Theme {
  productName: string;
  logoUrl: string | null;
  /** #rrggbb */
  accent: string;
}

/** Used when the page configuration itself failed to load, so even that error page has a look. */
export const FALLBACK_THEME: Theme = { productName: "Device sign-in", logoUrl: null, accent: "#1a56db" };

const INK = "#111827";
const WHITE = "#ffffff";
const BLACK = "#000000";

/** WCAG 2.x relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * Whatever accent an operator picks, button text stays AA-readable: it is white or black,
 * whichever contrasts more (one of the two always reaches 4.58:1). A pale accent also gets an
 * ink border so the button still stands out from the white card (WCAG 1.4.11, 3:1).
 */
export function palette(accent: string) {
  return {
    accent,
    onAccent: contrast(accent, WHITE) >= contrast(accent, BLACK) ? WHITE : BLACK,
    accentBorder: contrast(accent, WHITE) >= 3 ? accent : INK,
  };
}
