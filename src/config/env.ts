import type { NumberVariable } from "./core";
import type { CREDENTIALS } from "./credentials.mjs";
import type { LimitVariable } from "./limits";

/** AUTHLETE_SERVICE_API_KEY … AUTHLETE_SERVICE_ACCESS_TOKEN (secrets). */
type CredentialVariable = (typeof CREDENTIALS)[keyof typeof CREDENTIALS][number];

/** Bindings and variables as the Workers runtime hands them to us (all vars arrive as strings). */
export type Env = {
  KV: KVNamespace;
  /** The budgets' Durable Objects (the class BudgetCounter, protection/budget-object.ts). */
  BUDGETS: DurableObjectNamespace;
  /** The device grants' Durable Objects (the class DeviceGrant, grant/object.ts). */
  GRANTS: DurableObjectNamespace;
  /** The watch list of reported networks (the class ReportedNetwork, protection/reported-network-object.ts). */
  REPORTED_NETWORKS: DurableObjectNamespace;
  /** Service binding to the offline Authlete emulator; only the local/test config declares it. */
  AUTHLETE?: Fetcher;
  AUTHLETE_BASE_URL?: string;
  AUTHLETE_API_VERSION?: string;
  AUTHLETE_TIMEOUT_MS?: string;
  /** Secret: the key of every HMAC (storage keys, log tags, CSRF tokens). */
  EDGE_SECRET?: string;
  /** Secret, during a rotation only: the EDGE_SECRET before, still read (never written) until it is deleted. */
  EDGE_SECRET_PREVIOUS?: string;
  // The verification page (/device); parsed by loadPageConfig only.
  USER_CODE_CHARSET?: string;
  USER_CODE_LENGTH?: string;
  AUTHENTICATOR?: string;
  /** Secret: JSON list of built-in users with PBKDF2 password hashes. */
  USERS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /** JSON list of upstream OpenID providers (AUTHENTICATOR=oidc); their client secrets are the OIDC_CLIENT_SECRET_<ID> secrets. */
  OIDC_PROVIDERS?: string;
  /** Each provider's redirect URI, `{id}` standing for its id: https://<host>/device/callback/{id}. */
  OIDC_REDIRECT_URI?: string;
  SIGN_IN_SESSION_SECONDS?: string;
  PRODUCT_NAME?: string;
  LOGO_URL?: string;
  ACCENT_COLOR?: string;
  SCOPE_DESCRIPTIONS?: string;
  // Per-client policy (config/policy.ts), read by device authorization and the page, never by /token.
  /** JSON: per Authlete client id (and `default`), RFC 10027's mitigations (config/policy.ts). */
  CLIENT_POLICY?: string;
  /** Deprecated: read as each CLIENT_POLICY entry's `proximity`. */
  PROXIMITY_POLICY?: string;
  HOSTING_ASNS?: string;
  /** ASNs strangers share across places (VPN, relay, satellite), added to the built-in list. */
  SHARED_ASNS?: string;
  /** Hours a reported network stays on the watch list (0: none). */
  REPORTED_NETWORK_HOURS?: string;
} & { [K in LimitVariable | NumberVariable | CredentialVariable]?: string } & {
  /** Secret: the client secret of OIDC provider <ID> (its id upper-cased, - as _). */
  [K in `OIDC_CLIENT_SECRET_${string}`]?: string;
};
