/** Who approved: what /device/complete needs and what the consent page shows. */
export interface Identity {
  /** Authlete `subject`: the token's subject and the ID token's `sub`. */
  subject: string;
  /** The user's profile claims; /device/complete receives only those the client's scopes name. */
  claims: Record<string, unknown>;
  /** Epoch seconds of the authentication (Authlete `authTime`). */
  authTime: number;
  /** How the consent page names the user. */
  label: string;
  /**
   * The authentication context class the sign-in achieved, as the upstream provider's ID token
   * states it; passed on to Authlete as is. Absent for built-in users and Access, which state none.
   */
  acr?: string;
  /** The label of the upstream provider the user signed in with; absent for built-in users and Access. */
  via?: string;
}

/**
 * How the verification page learns who the user is. "form" authenticators sign the user in on
 * our sign-in page (built-in users' form, upstream providers' buttons, or both) and keep a
 * sign-in session; "header" ones trust a proxy in front of the Worker (Cloudflare Access) and
 * never show a form.
 */
export interface Authenticator {
  readonly mode: "form" | "header";
  /** Whether the sign-in page shows the username/password form (built-in users exist). */
  readonly passwords: boolean;
  /** Upstream OpenID providers offered as "Sign in with …" buttons, or null. */
  readonly federation: Federation | null;
  /** The identity the request itself proves, or null. */
  fromRequest(req: Request): Promise<Identity | null>;
  /** The identity for a username and password, or null without saying which was wrong. */
  fromCredentials(username: string, password: string): Promise<Identity | null>;
}

export interface ProviderButton {
  id: string;
  label: string;
}

/** What the verification asks of a sign-in at a provider. */
export interface LoginRequest {
  /** The ACRs the device's client requested (Authlete's `acrs`), sent as `acr_values`. */
  acrValues?: readonly string[];
  /**
   * How old the provider's own authentication may be (CLIENT_POLICY `maxAuthAgeSeconds`), sent
   * as `max_age` (and 0 as `prompt=login` too), so the provider's session cannot make "sign in
   * again" a no-op; the ID token's `auth_time` is checked against it.
   */
  maxAge?: number;
}

/** What begin() hands the caller to keep until the callback (session/login.ts seals it). */
export interface LoginStart {
  /** The provider's authorization endpoint with every parameter of the request. */
  url: URL;
  codeVerifier: string;
  state: string;
  nonce: string;
  /** The `max_age` asked for, if any: complete() checks `auth_time` against it. */
  maxAge?: number;
}

/** Sign-in at an upstream OpenID provider: the authorization code flow with PKCE, state and nonce (auth/oidc.ts). */
export interface Federation {
  readonly providers: readonly ProviderButton[];
  /** Throws FederationError("unavailable") when the provider cannot be discovered. */
  begin(providerId: string, request?: LoginRequest): Promise<LoginStart>;
  /**
   * The identity the provider vouched for, from the callback's query and what begin() returned
   * (whose `state` the caller has already matched). Throws FederationError otherwise.
   */
  complete(providerId: string, callback: URLSearchParams, login: Omit<LoginStart, "url">): Promise<Identity>;
}
