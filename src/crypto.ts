import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";

/**
 * The few cryptographic helpers the Worker needs, in one place: random tokens, keyed digests
 * and constant-time comparison, all on WebCrypto; base64 comes from hono.
 */

/** base64url without padding, as in JWTs and cookies. */
export const base64url = {
  // hono's encoder takes the bytes' buffer; a view of part of one is copied first.
  encode: (bytes: Uint8Array): string => encodeBase64Url(bytes.slice().buffer).replace(/=+$/, ""),
  decode: (text: string): Uint8Array => decodeBase64Url(text),
};

const enc = new TextEncoder();

/** `bytes` random bytes (default 256 bits), base64url: unguessable, and safe in a cookie, a key or a CSP nonce. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * HMAC-SHA256 under the Worker's secret (EDGE_SECRET): what a code, an address, a username or
 * a session id becomes inside a storage key, a log tag or a CSRF token. A plain hash would not
 * do: a user code has only 20^8 values, so an unkeyed digest is reversed by trying them all.
 * `purpose` separates the uses, so the same value never gives the same digest in two places.
 *
 * During a rotation it holds the previous secret too (EDGE_SECRET_PREVIOUS): everything is
 * written and signed under the current one (`mac`, `tag`), and what was made before is still
 * found and accepted (`macs`, `verify`), so a rotation ends no flow, no sign-in and no grant,
 * and resets no budget (protection/limiter.ts counts in both buckets).
 */
export class KeyedHash {
  private readonly keys: Promise<CryptoKey>[];

  constructor(secret: string, previous: string | null = null) {
    const secrets = previous !== null && previous !== secret ? [secret, previous] : [secret];
    this.keys = secrets.map((s) => crypto.subtle.importKey("raw", enc.encode(s), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
  }

  /** Whether a previous secret is still read: lookups then try a second digest. */
  get rotating(): boolean {
    return this.keys.length > 1;
  }

  /** base64url, 43 characters, under the current secret: what is written or signed now. */
  async mac(purpose: string, value: string): Promise<string> {
    return this.macUnder(this.keys[0]!, purpose, value);
  }

  /** The digest under every secret, the current one first: the names a lookup tries, in order. */
  macs(purpose: string, value: string): Promise<string[]> {
    return Promise.all(this.keys.map((key) => this.macUnder(key, purpose, value)));
  }

  /** Whether `mac` is the digest of `value` under any secret (each compared in constant time). */
  async verify(purpose: string, value: string, mac: string): Promise<boolean> {
    return (await this.macs(purpose, value)).map((m) => constantTimeEqual(m, mac)).includes(true);
  }

  /** A short correlation tag for the log: enough to follow one code through its lines, nothing to reverse. */
  async tag(purpose: string, value: string): Promise<string> {
    return (await this.mac(purpose, value)).slice(0, 12);
  }

  /** Whether `tag` is the tag of `value` under any secret. */
  async verifyTag(purpose: string, value: string, tag: string): Promise<boolean> {
    return (await this.macs(purpose, value)).map((m) => constantTimeEqual(m.slice(0, 12), tag)).includes(true);
  }

  private async macUnder(key: Promise<CryptoKey>, purpose: string, value: string): Promise<string> {
    return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", await key, enc.encode(`${purpose}\u0000${value}`))));
  }
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

/**
 * A 256-bit key for one purpose, derived from the Worker's secret with HKDF-SHA256 (RFC 5869):
 * `info` names the use, so a key for one thing (say, sealing the OpenID login state) is never
 * the key of another, and the secret itself never becomes a cipher key.
 */
export async function deriveKey(secret: string, info: string): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey("raw", enc.encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: enc.encode(info) }, ikm, 256);
  return new Uint8Array(bits);
}
