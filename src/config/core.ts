import type { Env } from "./env";
import { type Limits, limitsOf, limitsSchema } from "./limits";
import { both, ConfigError, cases, intIn, literal, matching, minLength, object, parse, requiredText, url } from "./schema";

/**
 * What every route needs: how to reach Authlete, the KV namespace, timeouts and the edge
 * limits. The composition root (services.ts) parses it once per `env` object; a bad value throws ConfigError naming the variable:
 * the operator reads the exact message in the log, the client gets a generic 500 (app.ts).
 */

/** v2 and v3 differ only in path prefix and credentials (docs/authlete-api.md §1, §10.4). */
export type AuthleteConfig =
  | { version: 2; baseUrl: string; apiKey: string; apiSecret: string; timeoutMs: number }
  | { version: 3; baseUrl: string; serviceId: string; accessToken: string; timeoutMs: number };

export interface Config {
  authlete: AuthleteConfig;
  discoveryCacheSeconds: number;
  pollMaxIntervalSeconds: number;
  /** A poll reaches Authlete at least this often (seconds from the grant's creation); 0 = every compliant poll. */
  pollPassThroughSeconds: number;
  limits: Limits;
  kv: KVNamespace;
  /** One Durable Object per budget bucket. */
  budgets: DurableObjectNamespace;
  /** One Durable Object per device grant (grant/object.ts), and one per user code pointing at it. */
  grants: DurableObjectNamespace;
  /** Keys every storage key, log tag and CSRF token (crypto.ts KeyedHash). */
  secret: string;
  /** The emulator's service binding when present (local/test); otherwise the global fetch. */
  authleteFetch: typeof fetch;
}

const Credentials = cases(
  "AUTHLETE_API_VERSION",
  {
    "2": object({
      AUTHLETE_API_VERSION: literal("2"),
      AUTHLETE_SERVICE_API_KEY: requiredText,
      AUTHLETE_SERVICE_API_SECRET: requiredText,
    }),
    "3": object({
      AUTHLETE_API_VERSION: literal("3"),
      // v3 paths carry the numeric service id (Authlete's Java client parses it as a long).
      AUTHLETE_SERVICE_ID: matching(/^\d{1,19}$/, "must be the numeric service id")(requiredText),
      AUTHLETE_SERVICE_ACCESS_TOKEN: requiredText,
    }),
  },
  'must be "2" or "3"',
);

const Core = both(
  object({
    AUTHLETE_BASE_URL: url(),
    AUTHLETE_TIMEOUT_MS: intIn(100, 60_000, 5_000),
    DISCOVERY_CACHE_SECONDS: intIn(0, 86_400, 300),
    POLL_MAX_INTERVAL_SECONDS: intIn(5, 3_600, 60),
    POLL_PASS_THROUGH_SECONDS: intIn(0, 3_600, 60),
    EDGE_SECRET: minLength(32, "must be at least 32 characters (openssl rand -base64 32)")(requiredText),
  }),
  both(limitsSchema, Credentials),
);

export function loadConfig(env: Env): Config {
  if (!env.KV || typeof env.KV.get !== "function") throw new ConfigError("Invalid configuration: KV: the KV namespace binding is missing");
  if (!env.BUDGETS || typeof env.BUDGETS.getByName !== "function") {
    throw new ConfigError("Invalid configuration: BUDGETS: the Durable Object binding is missing (class BudgetCounter, declared in wrangler.toml)");
  }
  if (!env.GRANTS || typeof env.GRANTS.getByName !== "function") {
    throw new ConfigError("Invalid configuration: GRANTS: the Durable Object binding is missing (class DeviceGrant, declared in wrangler.toml)");
  }
  const v = parse(Core, { ...env, AUTHLETE_API_VERSION: env.AUTHLETE_API_VERSION?.trim() });
  const timeoutMs = v.AUTHLETE_TIMEOUT_MS!;
  const binding = env.AUTHLETE;
  return {
    authlete:
      v.AUTHLETE_API_VERSION === "2"
        ? { version: 2, baseUrl: v.AUTHLETE_BASE_URL, apiKey: v.AUTHLETE_SERVICE_API_KEY, apiSecret: v.AUTHLETE_SERVICE_API_SECRET, timeoutMs }
        : { version: 3, baseUrl: v.AUTHLETE_BASE_URL, serviceId: v.AUTHLETE_SERVICE_ID, accessToken: v.AUTHLETE_SERVICE_ACCESS_TOKEN, timeoutMs },
    discoveryCacheSeconds: v.DISCOVERY_CACHE_SECONDS!,
    pollMaxIntervalSeconds: v.POLL_MAX_INTERVAL_SECONDS!,
    pollPassThroughSeconds: v.POLL_PASS_THROUGH_SECONDS!,
    limits: limitsOf(v),
    kv: env.KV,
    budgets: env.BUDGETS,
    grants: env.GRANTS,
    secret: v.EDGE_SECRET,
    authleteFetch: binding ? (input, init) => binding.fetch(input as RequestInfo, init) : (input, init) => fetch(input, init),
  };
}
