// The configuration, by concern: the shared rules and words (schema, on zod), core (Authlete, KV, timeouts), limits, page, per-client policy.
export { type AuthleteConfig, type Config, loadConfig } from "./core";
export type { Env } from "./env";
export { type Budget, LIMITS, type LimitName, type Limits } from "./limits";
export {
  type AuthenticatorConfig,
  CALLBACK_PATH,
  loadPageConfig,
  normalizeUsername,
  type OidcProviderConfig,
  type PageConfig,
  PROVIDER_ID_PLACEHOLDER,
  USER_CHOSEN_CLAIMS,
  type UserConfig,
  VERIFIED_CLAIMS,
} from "./page";
export {
  type ClientPolicy,
  DEFAULT_CLIENT_POLICY,
  DEFAULT_PROXIMITY_POLICY,
  loadPolicyConfig,
  type PolicyConfig,
  type ProximityPolicy,
  policyFor,
  type TokenLifetimes,
} from "./policy";
export { ConfigError, type ConfigIssue, type IssuePath, pathText } from "./schema";
