// What a test asks of its own issuer of the test IdP (test-issuer.ts). Types only, so the
// workers tests can import them without Node's modules.
export interface TenantOptions {
  /** The discovery document: served (default), a 500, not JSON, or naming another issuer. */
  discovery?: "ok" | "500" | "malformed" | "wrong-issuer";
  /** The token endpoint: answers (default) or a 500. */
  token?: "ok" | "500";
  /** The IdP's clock against the real one, seconds (iat, exp, auth_time follow it). */
  clockOffsetSeconds?: number;
  /** ID token claims set over the defaults; null removes one. */
  idToken?: Record<string, unknown>;
  /** Sign the ID token with a key that is not the published one (same kid). */
  badSignature?: boolean;
  /** Extra claims of the userinfo endpoint. */
  userinfo?: Record<string, unknown>;
  /** The subject (default alice). */
  sub?: string;
}
