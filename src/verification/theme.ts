/** The page's look: the operator's name, logo and accent colour (PRODUCT_NAME, LOGO_URL, ACCENT_COLOR). */
export interface Theme {
  productName: string;
  logoUrl: string | null;
  /** #rrggbb */
  accent: string;
}

/** Used when the page configuration itself failed to load, so even that error page has a look. */
export const FALLBACK_THEME: Theme = { productName: "Device sign-in", logoUrl: null, accent: "#1a56db" };

const WHITE = "#ffffff";
const BLACK = "#000000";

/**
 * The fixed colours of each scheme (the page follows the browser's: `color-scheme: light
 * dark`). Every text colour reaches 4.5:1 on `card`, `bg`, `warnBg` and `dangerBg`, and
 * `field` (input and secondary-button borders) 3:1 on `card` (test/verification/theme.test.ts).
 */
export const SCHEMES = {
  light: {
    ink: "#111827",
    muted: "#4b5563",
    line: "#d1d5db",
    field: "#6b7280",
    bg: "#f3f4f6",
    card: "#ffffff",
    input: "#ffffff",
    err: "#b42318",
    warnBg: "#fff8e6",
    warnLine: "#d97706",
    dangerBg: "#fdecea",
    neutral: "#e5e7eb",
  },
  dark: {
    ink: "#f3f4f6",
    muted: "#c0c6cf",
    line: "#4b5563",
    field: "#9ca3af",
    bg: "#111827",
    card: "#1f2937",
    input: "#111827",
    err: "#fca5a5",
    warnBg: "#3b2f0b",
    warnLine: "#f59e0b",
    dangerBg: "#451a1a",
    neutral: "#374151",
  },
} as const;

export type Scheme = keyof typeof SCHEMES;

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
 * whichever contrasts more (one of the two always reaches 4.58:1). An accent that does not
 * stand out from the card (pale on white, dark on the dark card) gets an ink border, so the
 * button's edge still does (WCAG 1.4.11, 3:1).
 */
export function palette(accent: string, scheme: Scheme = "light") {
  const { card, ink } = SCHEMES[scheme];
  return {
    accent,
    onAccent: contrast(accent, WHITE) >= contrast(accent, BLACK) ? WHITE : BLACK,
    accentBorder: contrast(accent, card) >= 3 ? accent : ink,
  };
}
