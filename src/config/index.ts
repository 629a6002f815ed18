// The configuration, by concern: schema combinators, core (Authlete, KV, timeouts), limits, page.
export { type AuthleteConfig, type Config, loadConfig } from "./core";
export type { Env } from "./env";
export { type Budget, LIMITS, type LimitName, type Limits } from "./limits";
export { type AuthenticatorConfig, DEFAULT_PROXIMITY_POLICY, loadPageConfig, type PageConfig, type ProximityPolicy } from "./page";
export { ConfigError } from "./schema";
