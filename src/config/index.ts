// The configuration, by concern: the shared rules and words (schema, on zod), core (Authlete, KV, timeouts), limits, page.
export { type AuthleteConfig, type Config, loadConfig } from "./core";
export type { Env } from "./env";
export { type Budget, LIMITS, type LimitName, type Limits } from "./limits";
export {
  type AuthenticatorConfig,
  CALLBACK_PATH,
  DEFAULT_PROXIMITY_POLICY,
  loadPageConfig,
  normalizeUsername,
  type OidcProviderConfig,
  type PageConfig,
  PROVIDER_ID_PLACEHOLDER,
  type ProximityPolicy,
  USER_CHOSEN_CLAIMS,
  type UserConfig,
  VERIFIED_CLAIMS,
} from "./page";
export { ConfigError, type ConfigIssue, type IssuePath, pathText } from "./schema";
