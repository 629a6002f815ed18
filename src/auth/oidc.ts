import * as oauth from "oauth4webapi";
import { type OidcProviderConfig, VERIFIED_CLAIMS } from "../config";
import { BodyTooLarge, readResponse } from "../http/bounded-body";
import type { Authenticator, Federation, Identity, LoginRequest, LoginStart, ProviderButton } from "./authenticator";
import { FederationError } from "./federation-error";
import type { PasswordAuthenticator } from "./password";

/**
 * Sign-in at the operator's own OpenID providers (Okta, Entra ID, Google, Keycloak, an
 * Authlete-backed server…): the authorization code flow with PKCE (S256), `state` and `nonce`,
 * every protocol step done by oauth4webapi. This module decides only policy: which provider,
 * how long discovery is trusted, what becomes the subject, and how each failure is classed.
 */

/** Bound on each call to a provider (discovery, token, JWKS, userinfo), its body included. */
const PROVIDER_TIMEOUT_MS = 5_000;
/**
 * Bound on each answer's body. The largest legitimate ones are a few KB for discovery and JWKS
 * (Keycloak's, among the largest, stay under 10 KB) and tens of KB for token and userinfo
 * responses (an Entra ID token with its 200 group ids is about 10 KB); past this it is not an
 * answer we can use, and reading it on would only spend the isolate's 128 MB.
 */
export const MAX_PROVIDER_BODY_BYTES = 256 * 1024;
/** Authlete's subject: printable ASCII, at most 100 characters (docs/authlete-api.md §5.1). */
const SUBJECT = /^[\x21-\x7e]{1,100}$/;
/** What the ID token and userinfo say about the token itself rather than the person: never offered to consent. */
const PROTOCOL_CLAIMS = new Set([
  "iss",
  "sub",
  "aud",
  "exp",
  "iat",
  "nbf",
  "jti",
  "nonce",
  "azp",
  "at_hash",
  "c_hash",
  "s_hash",
  "auth_time",
  "acr",
  "amr",
  "sid",
]);
/** oauth4webapi's default tolerance for JWT timestamps, used for `iat` too. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface OidcOptions {
  fetch: typeof fetch;
  /** Epoch ms; oauth4webapi's timestamp checks follow it (its clock skew is set from it). */
  now: () => number;
  /** How long a discovery document is kept, in this isolate and in the edge cache (DISCOVERY_CACHE_SECONDS; 0 = never). */
  cacheSeconds: number;
}

interface Discovered {
  as: Promise<oauth.AuthorizationServer>;
  until: number;
}

export class OidcFederation implements Federation {
  readonly providers: readonly ProviderButton[];
  private readonly byId: Map<string, OidcProviderConfig>;
  private readonly discovered = new Map<string, Discovered>();

  constructor(
    providers: OidcProviderConfig[],
    private readonly o: OidcOptions,
  ) {
    this.byId = new Map(providers.map((p) => [p.id, p]));
    this.providers = providers.map((p) => ({ id: p.id, label: p.label }));
  }

  async begin(providerId: string, request: LoginRequest = {}): Promise<LoginStart> {
    const p = this.provider(providerId);
    const as = await this.discover(p);
    if (!as.authorization_endpoint) throw new FederationError("unavailable", "no authorization_endpoint");
    const url = new URL(as.authorization_endpoint);
    if (url.protocol !== "https:" && !insecure(p)) throw new FederationError("unavailable", "authorization_endpoint is not https");
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const query: Record<string, string> = {
      client_id: p.clientId,
      // This provider's own redirect URI: an answer can come back only where its provider sends it.
      redirect_uri: p.redirectUri,
      // The query response mode is the default for `code` (OAuth 2.0 Multiple Response Types §5).
      response_type: "code",
      scope: p.scopes,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
    };
    // What the device's client asked for, as a voluntary request (OpenID Connect Core §3.1.2.1); the ID token's `acr` says what was done.
    if (request.acrValues?.length) query["acr_values"] = request.acrValues.join(" ");
    // A bound on the age of the provider's own authentication (OpenID Connect Core §3.1.2.1); 0: authenticate now,
    // which prompt=login says to providers that read max_age loosely.
    if (request.maxAge !== undefined) {
      query["max_age"] = String(request.maxAge);
      if (request.maxAge === 0) query["prompt"] = "login";
    }
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return { url, codeVerifier, state, nonce, ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}) };
  }

  async complete(providerId: string, callback: URLSearchParams, login: Omit<LoginStart, "url">): Promise<Identity> {
    const p = this.provider(providerId);
    const as = await this.discover(p);
    const client = this.client(p);
    try {
      // `state` again (the caller matched it already); `iss` (RFC 9207) must be this provider's whenever it is present,
      // and present when the provider's discovery promises it (authorization_response_iss_parameter_supported); `error=`.
      const params = oauth.validateAuthResponse(as, client, callback, login.state);
      const res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth(p), params, p.redirectUri, login.codeVerifier, this.http(p));
      // iss, aud, exp, iat, nonce, azp (when several audiences), auth_time's type; with max_age asked, auth_time
      // present and no older than it (OpenID Connect Core §3.1.3.7 (13)): a provider that ignored it is refused.
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
        expectedNonce: login.nonce,
        requireIdToken: true,
        ...(login.maxAge !== undefined ? { maxAge: login.maxAge } : {}),
      });
      // The signature, with the provider's JWKS (oauth4webapi leaves it to the caller for token-endpoint ID tokens).
      await this.verifySignature(p, as, res);
      const idToken = oauth.getValidatedIdTokenClaims(tokens)!;
      const nowSeconds = Math.floor(this.o.now() / 1000);
      if (idToken.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw new FederationError("rejected", "ID token iat is in the future");
      let claims: Record<string, unknown> = { ...idToken };
      if (p.userinfo) {
        const info = await oauth.userInfoRequest(as, client, tokens.access_token, this.http(p));
        // The userinfo `sub` must be the ID token's (OpenID Connect Core §5.3.4).
        claims = { ...(await oauth.processUserInfoResponse(as, client, idToken.sub, info)), ...idToken };
      }
      return identityOf(p, claims, nowSeconds);
    } catch (err) {
      throw classify(err);
    }
  }

  private provider(id: string): OidcProviderConfig {
    const p = this.byId.get(id);
    if (!p) throw new FederationError("rejected", "unknown provider");
    return p;
  }

  private client(p: OidcProviderConfig): oauth.Client {
    return {
      client_id: p.clientId,
      // So that expiry checks follow the Worker's clock (a test's, or Date.now).
      [oauth.clockSkew]: Math.round((this.o.now() - Date.now()) / 1000),
      [oauth.clockTolerance]: CLOCK_TOLERANCE_SECONDS,
    };
  }

  /**
   * Every call to a provider, its body read here in full under the call's timeout and
   * MAX_PROVIDER_BODY_BYTES, so oauth4webapi only ever parses bytes already in hand. No answer
   * at all (refused, reset, DNS), or a body that stalls past the timeout: the provider is
   * unavailable. A body past the bound: an answer we cannot use.
   */
  private readonly reach = async (url: string, init: oauth.CustomFetchOptions<string, BodyInit | undefined>): Promise<Response> => {
    const where = new URL(url).pathname;
    try {
      const res = await this.o.fetch(url, init as RequestInit);
      const body = await readResponse(res, MAX_PROVIDER_BODY_BYTES, init.signal ?? undefined);
      // A null-body status (204, 304) takes no body, not even an empty one.
      return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new FederationError("rejected", `${where}: ${err.message}`);
      throw new FederationError("unavailable", `${where}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  };

  private http(p: OidcProviderConfig) {
    return {
      [oauth.customFetch]: this.reach,
      // Plain http is allowed only for loopback issuers (config/page.ts), i.e. local runs.
      [oauth.allowInsecureRequests]: insecure(p),
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    };
  }

  /**
   * The provider's metadata, kept for `cacheSeconds` in this isolate and in the edge cache
   * (the Cache API), so a sign-in usually costs no discovery round trip. Only a document that
   * passed oauth4webapi's validation (JSON, and `issuer` exactly the configured one) is kept
   * anywhere: one bad answer costs one failed button press, not `cacheSeconds` of outage.
   */
  private discover(p: OidcProviderConfig): Promise<oauth.AuthorizationServer> {
    const now = this.o.now();
    const kept = this.discovered.get(p.issuer);
    if (kept && kept.until > now) return kept.as;
    const as = this.fetchDiscovery(p).catch((err: unknown) => {
      // Concurrent sign-ins shared this attempt; a later, successful one may have replaced it already.
      if (this.discovered.get(p.issuer)?.as === as) this.discovered.delete(p.issuer);
      throw new FederationError("unavailable", `discovery: ${describe(err)}`);
    });
    if (this.o.cacheSeconds > 0) this.discovered.set(p.issuer, { as, until: now + this.o.cacheSeconds * 1000 });
    return as;
  }

  private async fetchDiscovery(p: OidcProviderConfig): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(p.issuer);
    const cache = this.o.cacheSeconds > 0 && typeof caches !== "undefined" ? await caches.open("oidc-discovery").catch(() => undefined) : undefined;
    let source: { url: string; hit: boolean; body?: ArrayBuffer; type?: string | null } | undefined;
    const res = await oauth.discoveryRequest(issuer, {
      ...this.http(p),
      [oauth.customFetch]: async (url: string, init: oauth.CustomFetchOptions<"GET">) => {
        const hit = await cache?.match(url).catch(() => undefined);
        if (hit) {
          source = { url, hit: true };
          return hit;
        }
        const fresh = await this.reach(url, init);
        const body = await fresh.arrayBuffer();
        source = { url, hit: false, body, type: fresh.headers.get("Content-Type") };
        return new Response(body, fresh);
      },
    });
    let as: oauth.AuthorizationServer;
    try {
      as = await oauth.processDiscoveryResponse(issuer, res);
    } catch (err) {
      // A cached copy that no longer validates (the configured issuer changed) is dropped with the failure.
      if (source?.hit) await cache?.delete(source.url).catch(() => false);
      throw err;
    }
    if (cache && source && !source.hit && source.body) {
      const headers = { "Content-Type": source.type ?? "application/json", "Cache-Control": `max-age=${this.o.cacheSeconds}` };
      await cache.put(source.url, new Response(source.body, { headers })).catch(() => {});
    }
    return as;
  }

  /** After a key rotation the cached JWKS lacks the new key: fetch the set once more before giving up. */
  private async verifySignature(p: OidcProviderConfig, as: oauth.AuthorizationServer, res: Response): Promise<void> {
    try {
      await oauth.validateApplicationLevelSignature(as, res, this.http(p));
    } catch (err) {
      if (!(err instanceof oauth.OperationProcessingError && err.code === oauth.KEY_SELECTION)) throw err;
      // oauth4webapi keeps the JWKS per metadata object: a copy starts with none.
      const fresh = { ...as };
      const kept = this.discovered.get(p.issuer);
      if (kept) kept.as = Promise.resolve(fresh);
      await oauth.validateApplicationLevelSignature(fresh, res, this.http(p));
    }
  }
}

const insecure = (p: OidcProviderConfig) => p.issuer.startsWith("http:");

function clientAuth(p: OidcProviderConfig): oauth.ClientAuth {
  if (p.authMethod === "none" || p.clientSecret === null) return oauth.None();
  return p.authMethod === "client_secret_post" ? oauth.ClientSecretPost(p.clientSecret) : oauth.ClientSecretBasic(p.clientSecret);
}

/**
 * The subject, the offered claims and the label, from validated claims. The subject is
 * `<provider id>:<value>` unless the operator said this provider shares one user base with the
 * built-in users and the other providers (`shared_subjects`): otherwise a person who is `demo`
 * at some provider would be the built-in user `demo` here. An email address (or phone number)
 * is a subject only when the provider says it verified it, or anyone could claim anyone's.
 */
function identityOf(p: OidcProviderConfig, claims: Record<string, unknown>, nowSeconds: number): Identity {
  const raw = claims[p.subjectClaim];
  const value = typeof raw === "string" ? raw : typeof raw === "number" ? String(raw) : "";
  const verified = VERIFIED_CLAIMS[p.subjectClaim];
  if (verified && value && claims[verified] !== true)
    throw new FederationError("rejected", `unverified subject: subject_claim ${p.subjectClaim} without ${verified}: true`);
  const subject = p.sharedSubjects ? value : `${p.id}:${value}`;
  if (!value || !SUBJECT.test(subject)) throw new FederationError("rejected", `unusable subject claim ${p.subjectClaim}`);
  const offered = Object.fromEntries(Object.entries(claims).filter(([n, v]) => v !== undefined && (p.claims ? p.claims.includes(n) : !PROTOCOL_CLAIMS.has(n))));
  const named = [claims["name"], claims["email"], claims["preferred_username"]].find((v): v is string => typeof v === "string" && v !== "");
  const authTime = claims["auth_time"];
  const acr = claims["acr"];
  return {
    subject,
    claims: offered,
    authTime: typeof authTime === "number" ? authTime : nowSeconds,
    label: named ?? value,
    via: p.label,
    ...(typeof acr === "string" && acr ? { acr } : {}),
  };
}

/** A log-safe description: the error's class, code and message (oauth4webapi's messages name claims, never their values). */
function describe(err: unknown): string {
  if (err instanceof FederationError) return err.reason;
  if (err instanceof oauth.ResponseBodyError) return `HTTP ${err.status} ${err.error}`;
  if (err instanceof oauth.AuthorizationResponseError) return `error=${err.error}`;
  if (err instanceof oauth.WWWAuthenticateChallengeError) return `HTTP ${err.status} WWW-Authenticate challenge`;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const status = cause instanceof Response ? ` (HTTP ${cause.status})` : "";
    return `${typeof code === "string" ? code : err.name}: ${err.message}${status}`;
  }
  return String(err);
}

/** Every failure of the callback as the page must react to it. */
function classify(err: unknown): FederationError {
  if (err instanceof FederationError) return err;
  const reason = describe(err);
  if (err instanceof oauth.AuthorizationResponseError) {
    if (err.error === "access_denied") return new FederationError("cancelled", reason);
    if (err.error === "temporarily_unavailable" || err.error === "server_error") return new FederationError("unavailable", reason);
    return new FederationError("rejected", reason);
  }
  if (err instanceof oauth.ResponseBodyError) return new FederationError(err.status >= 500 ? "unavailable" : "rejected", reason);
  if (err instanceof oauth.OperationProcessingError && err.cause instanceof Response && (err.cause.status >= 500 || err.cause.status === 429))
    return new FederationError("unavailable", reason);
  if (err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError || err instanceof oauth.WWWAuthenticateChallengeError)
    return new FederationError("rejected", reason);
  throw err;
}

/**
 * AUTHENTICATOR=oidc: upstream providers' buttons, and the built-in users' form beside them when
 * USERS is set. A sign-in session follows either way, exactly as for built-in users.
 */
export class OidcAuthenticator implements Authenticator {
  readonly mode = "form";
  readonly passwords: boolean;

  constructor(
    readonly federation: OidcFederation,
    private readonly users: PasswordAuthenticator | null,
  ) {
    this.passwords = users !== null;
  }

  async fromRequest(): Promise<Identity | null> {
    return null;
  }

  fromCredentials(username: string, password: string): Promise<Identity | null> {
    return this.users ? this.users.fromCredentials(username, password) : Promise.resolve(null);
  }
}
