/**
 * User codes as people type them (RFC 8628 §6.1): lenient on input, strict on matching.
 * Case, spaces, dashes, underscores and dots are forgiven, full-width characters from
 * a Japanese keyboard fold to ASCII, invisible characters pasted from chat apps are dropped,
 * and a pasted link gives its `user_code`; anything outside the service's alphabet, or the wrong
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
/** A pasted verification_uri_complete is longer than a code; the code inside it is held to MAX_INPUT. */
const MAX_PASTED = 512;

/** Invisible characters that copying from chat apps and web pages brings along. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** What the person typed or pasted, reduced to the code they meant: a link's `user_code`, without separators or invisible characters, upper case. */
function clean(input: string): string | null {
  if (input.length > MAX_PASTED) return null;
  let text = input.replace(INVISIBLE, "");
  // A pasted link (…/device?user_code=WDJB-MJHT): the code is its user_code parameter.
  const link = /[?&]user_code=([^&#\s]*)/i.exec(text);
  if (link) {
    try {
      text = decodeURIComponent(link[1]!.replace(/\+/g, " "));
    } catch {
      return null;
    }
  }
  if (text.length > MAX_INPUT) return null;
  return text
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .replace(/[\s\-_.\u30fc\u2010-\u2015]/g, "")
    .toUpperCase();
}

export function normalizeUserCode(input: string, format: UserCodeFormat): string | null {
  const code = clean(input);
  return code !== null && !whatIsWrong(code, format) ? code : null;
}

/** Why an input is not a code: a character codes never use (a vowel, a digit among letters), or the wrong length. */
export type CodeProblem = "charset" | "length";

export function codeProblem(input: string, format: UserCodeFormat): CodeProblem | null {
  const code = clean(input);
  return code === null ? "length" : whatIsWrong(code, format);
}

function whatIsWrong(code: string, format: UserCodeFormat): CodeProblem | null {
  const alphabet: string = CHARSETS[format.charset];
  if ([...code].some((ch) => !alphabet.includes(ch))) return "charset";
  return code.length === format.length ? null : "length";
}

/** Groups of four (`WDJB-MJHT`), or of three when the length divides by three and not four (`019-450-730`). */
export function formatUserCode(code: string): string {
  const size = code.length % 4 !== 0 && code.length % 3 === 0 ? 3 : 4;
  return code.match(new RegExp(`.{1,${size}}`, "g"))?.join("-") ?? code;
}
