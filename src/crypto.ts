import { base64url } from "jose";

/**
 * The few cryptographic helpers the Worker needs, in one place: random tokens, digests and
 * constant-time comparison, all on WebCrypto; base64url comes from jose.
 */
export { base64url };

const enc = new TextEncoder();

/** `bytes` random bytes (default 256 bits), base64url: unguessable, and safe in a cookie, a key or a CSP nonce. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** base64url SHA-256 of `value`: 43 characters. */
export async function sha256(value: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(value))));
}

/**
 * Compares two secrets without revealing through timing how much of them matched: every byte
 * is compared, whatever the lengths. Plain code rather than the Workers runtime's
 * `timingSafeEqual`, so the same check runs in Node's tests.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = typeof a === "string" ? enc.encode(a) : a;
  const y = typeof b === "string" ? enc.encode(b) : b;
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
