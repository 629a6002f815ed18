import * as z from "zod/mini";
import { CREDENTIALS } from "./credentials.mjs";
import type { Env } from "./env";
import { type Limits, limitsOf, limitsShape } from "./limits";
import { binding, cases, intIn, optionalText, parse, requiredText, url } from "./schema";
import { HmacSecret } from "./secret";

/**
 * What every route needs: how to reach Authlete, the KV namespace, timeouts and the edge
 * limits. The composition root (services.ts) parses it once per `env` object; a bad value throws ConfigError naming the variable:
 * the operator reads the exact message in the log, the client gets a generic 500 (app.ts).
 */

/** v2 and v3 differ only in path prefix and credentials (docs/authlete-api.md §1, §10.4). */
export type AuthleteConfig =
  | { version: 2; baseUrl: string; apiKey: string; apiSecret: string; timeoutMs: number }
  | { version: 3; baseUrl: string; serviceId: string; accessToken: string; timeoutMs: number };

/** The whole-number settings, one line each: the name in Config → the variable, its range and its default. */
const NUMBERS = {
  /** Edge-cache lifetime of discovery, JWKS and upstream providers' discovery (0: no cache). */
  discoveryCacheSeconds: ["DISCOVERY_CACHE_SECONDS", 0, 86_400, 300],
  /** The cap on the polling interval that slow_down raises. */
  pollMaxIntervalSeconds: ["POLL_MAX_INTERVAL_SECONDS", 5, 3_600, 60],
  /** A poll reaches Authlete at least this often (seconds from the grant's creation); 0 = every compliant poll. */
  pollPassThroughSeconds: ["POLL_PASS_THROUGH_SECONDS", 0, 3_600, 60],
} as const satisfies Record<string, readonly [variable: string, min: number, max: number, fallback: number]>;

/** The bindings, one line each: the name in Config → the binding, a method it must have, and what to do when it is missing. */
const BINDINGS = {
  kv: ["KV", "get", "the KV namespace binding is missing"],
  /** One Durable Object per budget bucket. */
  budgets: ["BUDGETS", "getByName", "the Durable Object binding is missing (class BudgetCounter, declared in wrangler.toml)"],
  /** One Durable Object per device grant (grant/object.ts), and one per user code pointing at it. */
  grants: ["GRANTS", "getByName", "the Durable Object binding is missing (class DeviceGrant, declared in wrangler.toml)"],
  /** One Durable Object per watched network (protection/reported-network-object.ts). */
  reportedNetworks: ["REPORTED_NETWORKS", "getByName", "the Durable Object binding is missing (class ReportedNetwork, declared in wrangler.toml)"],
} as const satisfies Record<string, readonly [binding: keyof Env, method: string, missing: string]>;

type Numbers = typeof NUMBERS;
type Bindings = typeof BINDINGS;
/** The variables of NUMBERS (env.ts declares them from here). */
export type NumberVariable = Numbers[keyof Numbers][0];

export type Config = {
  authlete: AuthleteConfig;
  limits: Limits;
  /** Keys every storage key, log tag and CSRF token (crypto.ts KeyedHash). */
  secret: string;
  /**
   * EDGE_SECRET_PREVIOUS during a rotation: what was written or signed under it is still read
   * (a lookup that finds nothing under `secret` tries it), nothing new is; null otherwise, and
   * when it equals `secret`.
   */
  previousSecret: string | null;
  /** The emulator's service binding when present (local/test); otherwise the global fetch. */
  authleteFetch: typeof fetch;
} & { [K in keyof Numbers]: number } & { [K in keyof Bindings]: NonNullable<Env[Bindings[K][0]]> };

const [API_KEY, API_SECRET] = CREDENTIALS[2];
const [SERVICE_ID, ACCESS_TOKEN] = CREDENTIALS[3];

const Credentials = cases(
  "AUTHLETE_API_VERSION",
  [
    z.object({
      AUTHLETE_API_VERSION: z.literal("2"),
      [API_KEY]: requiredText,
      [API_SECRET]: requiredText,
    }),
    z.object({
      AUTHLETE_API_VERSION: z.literal("3"),
      // v3 paths carry the numeric service id (Authlete's Java client parses it as a long).
      [SERVICE_ID]: z.pipe(requiredText, z.string().check(z.regex(/^\d{1,19}$/, "must be the numeric service id"))),
      [ACCESS_TOKEN]: requiredText,
    }),
  ],
  'must be "2" or "3"',
);

const entries = <T extends object>(o: T) => Object.entries(o) as [keyof T & string, T[keyof T]][];

const Core = z.intersection(
  z.object({
    AUTHLETE_BASE_URL: url(),
    AUTHLETE_TIMEOUT_MS: intIn(100, 60_000, 5_000),
    EDGE_SECRET: z.pipe(requiredText, HmacSecret),
    EDGE_SECRET_PREVIOUS: z.pipe(optionalText, z.optional(HmacSecret)),
    ...(Object.fromEntries(entries(NUMBERS).map(([, [variable, min, max, fallback]]) => [variable, intIn(min, max, fallback)])) as {
      [K in keyof Numbers as Numbers[K][0]]: ReturnType<typeof intIn<number>>;
    }),
    ...(Object.fromEntries(entries(BINDINGS).map(([, [name, method, missing]]) => [name, binding(method, missing)])) as {
      [K in keyof Bindings as Bindings[K][0]]: z.ZodMiniCustom<NonNullable<Env[Bindings[K][0]]>>;
    }),
    ...limitsShape,
  }),
  Credentials,
);

export function loadConfig(env: Env): Config {
  const v = parse(Core, { ...env, AUTHLETE_API_VERSION: env.AUTHLETE_API_VERSION?.trim() });
  const timeoutMs = v.AUTHLETE_TIMEOUT_MS;
  const binding = env.AUTHLETE;
  return {
    authlete:
      v.AUTHLETE_API_VERSION === "2"
        ? { version: 2, baseUrl: v.AUTHLETE_BASE_URL, apiKey: v[API_KEY], apiSecret: v[API_SECRET], timeoutMs }
        : { version: 3, baseUrl: v.AUTHLETE_BASE_URL, serviceId: v[SERVICE_ID], accessToken: v[ACCESS_TOKEN], timeoutMs },
    limits: limitsOf(v),
    secret: v.EDGE_SECRET,
    previousSecret: v.EDGE_SECRET_PREVIOUS !== undefined && v.EDGE_SECRET_PREVIOUS !== v.EDGE_SECRET ? v.EDGE_SECRET_PREVIOUS : null,
    authleteFetch: binding ? (input, init) => binding.fetch(input as RequestInfo, init) : (input, init) => fetch(input, init),
    ...(Object.fromEntries(entries(NUMBERS).map(([name, [variable]]) => [name, v[variable]])) as { [K in keyof Numbers]: number }),
    ...(Object.fromEntries(entries(BINDINGS).map(([name, [variable]]) => [name, v[variable]])) as { [K in keyof Bindings]: NonNullable<Env[Bindings[K][0]]> }),
  };
}
