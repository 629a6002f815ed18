/**
 * PBKDF2-SHA256 through WebCrypto, the only password KDF the Workers runtime offers.
 * scripts/hash-password.mjs writes the same format, and a test checks the two agree.
 */

/** `pbkdf2-sha256:<iterations>:<salt>:<hash>`, base64url. No `$`: wrangler expands it in .dev.vars. */
export const PASSWORD_HASH = /^pbkdf2-sha256:(\d{1,7}):([A-Za-z0-9_-]{16,}):([A-Za-z0-9_-]{43})$/;
/** Workers' WebCrypto refuses PBKDF2 above 100,000 iterations. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PBKDF2_MIN_ITERATIONS = 10_000;

const enc = new TextEncoder();

export async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = PASSWORD_HASH.exec(encoded);
  if (!m) return false;
  const expected = fromBase64Url(m[3]!);
  const actual = await derive(password, fromBase64Url(m[2]!), Number(m[1]));
  // Every byte is compared, so the time taken says nothing about how much matched.
  let diff = expected.length ^ actual.length;
  for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ (actual[i] ?? 0);
  return diff === 0;
}

export function iterationsOf(encoded: string): number {
  return Number(PASSWORD_HASH.exec(encoded)?.[1] ?? 0);
}

function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}
