import { PASSWORD_HASH } from "../config/password-hash";
import { base64url, constantTimeEqual } from "../crypto";

/**
 * PBKDF2-SHA256 through WebCrypto, the only password KDF the Workers runtime offers, in the
 * format the USERS variable holds (config/password-hash.ts). scripts/hash-password.mjs writes the
 * same format, and a test checks the two agree.
 */

const enc = new TextEncoder();

export async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = PASSWORD_HASH.exec(encoded);
  if (!m) return false;
  const actual = await derive(password, base64url.decode(m[2]!) as Uint8Array<ArrayBuffer>, Number(m[1]));
  return constantTimeEqual(base64url.decode(m[3]!), actual);
}

export function iterationsOf(encoded: string): number {
  return Number(PASSWORD_HASH.exec(encoded)?.[1] ?? 0);
}
