// Random values: device codes, tokens, user codes. All from crypto.getRandomValues.
import type { UserCodeCharset } from "./types";

export const CHARSETS: Record<UserCodeCharset, string> = {
  BASE20: "BCDFGHJKLMNPQRSTVWXZ",
  NUMERIC: "0123456789",
};

export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64urlDecode(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** 256 bits as 43 base64url characters, the shape of Authlete's device codes and tokens. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

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
