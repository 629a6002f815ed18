// User codes, from crypto.getRandomValues. Device codes and tokens are the Worker's own
// randomToken (src/crypto.ts: 256 bits as 43 base64url characters, the shape of Authlete's).
import type { UserCodeCharset } from "./types";

export const CHARSETS: Record<UserCodeCharset, string> = {
  BASE20: "BCDFGHJKLMNPQRSTVWXZ",
  NUMERIC: "0123456789",
};

/**
 * `userCodeLength` 0 means "service default", which Authlete does not document ([U] §8.2):
 * 8 for BASE20 and 9 for NUMERIC, as java-common's UserCodeGenerator does.
 */
export function effectiveUserCodeLength(charset: UserCodeCharset, length: number): number {
  if (length > 0) return length;
  return charset === "NUMERIC" ? 9 : 8;
}

/** Uniform over the alphabet: bytes at or above the largest multiple of its size are rejected. */
export function randomUserCode(charset: UserCodeCharset, length: number): string {
  const alphabet = CHARSETS[charset];
  const n = alphabet.length;
  const limit = 256 - (256 % n);
  let out = "";
  while (out.length < length) {
    const buf = crypto.getRandomValues(new Uint8Array(Math.max(16, length * 2)));
    for (const b of buf) {
      if (b >= limit) continue;
      out += alphabet[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

/** null when no unused code was found (tiny code space, e.g. NUMERIC of length 1). */
export function uniqueUserCode(charset: UserCodeCharset, length: number, taken: (code: string) => boolean): string | null {
  const len = effectiveUserCodeLength(charset, length);
  for (let i = 0; i < 100; i++) {
    const code = randomUserCode(charset, len);
    if (!taken(code)) return code;
  }
  return null;
}
