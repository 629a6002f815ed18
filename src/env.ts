/** Bindings and variables as the Workers runtime hands them to us (all vars arrive as strings). */
export interface Env {
  KV: KVNamespace;
  /** Service binding to the offline Authlete emulator; only the local/test config declares it. */
  AUTHLETE?: Fetcher;
  AUTHLETE_BASE_URL?: string;
  AUTHLETE_API_VERSION?: string;
  AUTHLETE_SERVICE_API_KEY?: string;
  AUTHLETE_SERVICE_API_SECRET?: string;
  AUTHLETE_SERVICE_ID?: string;
  AUTHLETE_SERVICE_ACCESS_TOKEN?: string;
  AUTHLETE_TIMEOUT_MS?: string;
  DISCOVERY_CACHE_SECONDS?: string;
  POLL_MAX_INTERVAL_SECONDS?: string;
  LIMIT_DEVICE_AUTHORIZATION_PER_IP?: string;
  LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT?: string;
  LIMIT_UNKNOWN_DEVICE_CODE_PER_IP?: string;
  LIMIT_CODE_ENTRY_FAILURES_PER_IP?: string;
  LIMIT_CODE_ENTRY_FAILURES_PER_SESSION?: string;
  LIMIT_SIGN_IN_FAILURES_PER_USER?: string;
  LIMIT_SIGN_IN_FAILURES_PER_IP?: string;
  // The verification page (/device); parsed by loadPageConfig only.
  USER_CODE_CHARSET?: string;
  USER_CODE_LENGTH?: string;
  AUTHENTICATOR?: string;
  /** Secret: JSON list of built-in users with PBKDF2 password hashes. */
  USERS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  SIGN_IN_SESSION_SECONDS?: string;
  PRODUCT_NAME?: string;
  LOGO_URL?: string;
  ACCENT_COLOR?: string;
  SCOPE_DESCRIPTIONS?: string;
}
