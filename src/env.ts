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
}
