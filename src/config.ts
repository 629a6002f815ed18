import * as z from "zod/mini";
import type { Env } from "./env";

/**
 * Every variable and binding, parsed once per `env` object into a typed config.
 * A bad value throws ConfigError naming the variable: the operator sees the exact
 * message in the log, the client only a generic 500 (see app.ts).
 */

const trimmed = z.pipe(z.string(), z.transform((s) => s.trim()));
const nonEmpty = z.pipe(trimmed, z.string().check(z.minLength(1, "must not be empty")));
const intIn = (min: number, max: number, fallback: number) =>
  z.pipe(
    z._default(z.optional(z.string()), String(fallback)),
    z.pipe(
      z.transform((s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN)),
      z.number().check(z.int(`must be a whole number between ${min} and ${max}`), z.gte(min), z.lte(max)),
    ),
  );

const httpUrl = z.pipe(
  nonEmpty,
  z.string().check(
    z.refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === "https:" || u.protocol === "http:") && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, "must be an http(s) URL without query or fragment"),
  ),
);

const common = {
  AUTHLETE_BASE_URL: httpUrl,
  AUTHLETE_TIMEOUT_MS: intIn(100, 60_000, 5_000),
  DISCOVERY_CACHE_SECONDS: intIn(0, 86_400, 300),
};

const V2Schema = z.object({
  ...common,
  AUTHLETE_SERVICE_API_KEY: nonEmpty,
  AUTHLETE_SERVICE_API_SECRET: nonEmpty,
});
const V3Schema = z.object({
  ...common,
  // v3 paths carry the numeric service id (Authlete's Java client parses it as a long).
  AUTHLETE_SERVICE_ID: z.pipe(nonEmpty, z.string().check(z.regex(/^\d{1,19}$/, "must be the numeric service id"))),
  AUTHLETE_SERVICE_ACCESS_TOKEN: nonEmpty,
});

export type AuthleteConfig =
  | { version: 2; baseUrl: string; apiKey: string; apiSecret: string; timeoutMs: number }
  | { version: 3; baseUrl: string; serviceId: string; accessToken: string; timeoutMs: number };

export interface Config {
  authlete: AuthleteConfig;
  discoveryCacheSeconds: number;
  kv: KVNamespace;
  /** The emulator's service binding when present (local/test); otherwise the global fetch. */
  authleteFetch: typeof fetch;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.join(".")}: ${i.code === "invalid_type" ? "is missing" : i.message}`).join("; ");
}

const cache = new WeakMap<object, Config>();

export function loadConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  if (!env.KV || typeof env.KV.get !== "function") throw new ConfigError("KV: the KV namespace binding is missing");
  const version = env.AUTHLETE_API_VERSION?.trim();
  let authlete: AuthleteConfig;
  let discoveryCacheSeconds: number;
  if (version === "2") {
    const v = check(V2Schema, env);
    discoveryCacheSeconds = v.DISCOVERY_CACHE_SECONDS;
    authlete = { version: 2, baseUrl: stripSlash(v.AUTHLETE_BASE_URL), apiKey: v.AUTHLETE_SERVICE_API_KEY, apiSecret: v.AUTHLETE_SERVICE_API_SECRET, timeoutMs: v.AUTHLETE_TIMEOUT_MS };
  } else if (version === "3") {
    const v = check(V3Schema, env);
    discoveryCacheSeconds = v.DISCOVERY_CACHE_SECONDS;
    authlete = { version: 3, baseUrl: stripSlash(v.AUTHLETE_BASE_URL), serviceId: v.AUTHLETE_SERVICE_ID, accessToken: v.AUTHLETE_SERVICE_ACCESS_TOKEN, timeoutMs: v.AUTHLETE_TIMEOUT_MS };
  } else {
    throw new ConfigError(`Invalid configuration: AUTHLETE_API_VERSION: must be "2" or "3"`);
  }
  const binding = env.AUTHLETE;
  const config: Config = {
    authlete,
    discoveryCacheSeconds,
    kv: env.KV,
    authleteFetch: binding ? (input, init) => binding.fetch(input as RequestInfo, init) : (input, init) => fetch(input, init),
  };
  cache.set(env, config);
  return config;
}

function check<S extends z.ZodMiniType>(schema: S, env: Env): z.output<S> {
  const parsed = z.safeParse(schema, env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describe(parsed.error.issues)}`);
  return parsed.data;
}

const stripSlash = (url: string) => url.replace(/\/+$/, "");
