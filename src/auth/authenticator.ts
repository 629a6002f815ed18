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
}

/**
 * How the verification page learns who the user is. "form" authenticators check typed
 * credentials on our sign-in page; "header" ones trust a proxy in front of the Worker
 * (Cloudflare Access) and never show a form.
 */
export interface Authenticator {
  readonly mode: "form" | "header";
  /** The identity the request itself proves, or null. */
  fromRequest(req: Request): Promise<Identity | null>;
  /** The identity for a username and password, or null without saying which was wrong. */
  fromCredentials(username: string, password: string): Promise<Identity | null>;
}
