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
  /** The `iss` of the authorization response (RFC 9207): the tenant's issuer (default), none, or this value. */
  authorizationIss?: "issuer" | "omit" | { value: string };
  /** Discovery says authorization_response_iss_parameter_supported: true. */
  advertiseIss?: boolean;
  /**
   * A hostile provider: its authorization endpoint sends the browser on to this URL (another
   * provider's authorization request, made with parameters of the attacker's choosing), with the
   * `state` it was given and, when set, this `redirect_uri`.
   */
  mixUp?: { to: string };
  /** Answers at these paths (under the issuer) made this many bytes larger, streamed in chunks without Content-Length. */
  pad?: Record<string, number>;
  /** Answers at these paths send their headers and then nothing more. */
  stall?: string[];
  /** Served as JSON at these paths (under the issuer), e.g. a stand-in for another service's API. */
  bodies?: Record<string, unknown>;
  /** The JSON of `/cdn-cgi/access/certs` (a Cloudflare Access team's keys). */
  certs?: unknown;
}
