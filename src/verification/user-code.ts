/**
 * User codes as people type them (RFC 8628 §6.1): lenient on input, strict on matching.
 * Case, spaces, dashes, underscores and dots are forgiven, and full-width characters from
 * a Japanese keyboard fold to ASCII; anything outside the service's alphabet, or the wrong
 * length, is refused here, before any KV read or Authlete call.
 */

export const CHARSETS = {
  BASE20: "BCDFGHJKLMNPQRSTVWXZ",
  NUMERIC: "0123456789",
} as const;

export interface UserCodeFormat {
  charset: keyof typeof CHARSETS;
  length: number;
}

/** Far above any honest input (a code with separators); bounds the work on hostile ones. */
const MAX_INPUT = 64;

export function normalizeUserCode(input: string, format: UserCodeFormat): string | null {
  if (input.length > MAX_INPUT) return null;
  const code = input
    .normalize("NFKC")
    .replace(/[\s\-_.\u30fc\u2010-\u2015]/g, "")
    .toUpperCase();
  const alphabet: string = CHARSETS[format.charset];
  if (code.length !== format.length || [...code].some((ch) => !alphabet.includes(ch))) return null;
  return code;
}

/** Groups of four (`WDJB-MJHT`), or of three when the length divides by three and not four (`019-450-730`). */
export function formatUserCode(code: string): string {
  const size = code.length % 4 !== 0 && code.length % 3 === 0 ? 3 : 4;
  return code.match(new RegExp(`.{1,${size}}`, "g"))?.join("-") ?? code;
}
