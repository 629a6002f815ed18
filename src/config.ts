import * as z from "zod/mini";
import { PASSWORD_HASH, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from "./auth/password-hash";
import type { Env } from "./env";
import type { Budget } from "./protection/limiter";
import type { Locale } from "./verification/locale";

/**
 * Every variable and binding, parsed once per `env` object into a typed config.
 * A bad value throws ConfigError naming the variable: the operator sees the exact
 * message in the log, the client only a generic 500 (see app.ts).
 */

const trimmed = z.pipe(
  z.string(),
  z.transform((s) => s.trim()),
);
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

/** "max/windowSeconds", e.g. "10/900": at most 10 events per 15 minutes. */
const budget = (fallback: string) =>
  z.pipe(
    z._default(z.optional(z.string()), fallback),
    z.pipe(
      z.string().check(z.regex(/^\s*\d{1,6}\s*\/\s*\d{1,6}\s*$/, 'must look like "10/900" (max events / window in seconds)')),
      z.pipe(
        z.transform((s: string): Budget => {
          const [max, windowSeconds] = s.split("/").map((n) => Number(n.trim()));
          return { max: max!, windowSeconds: windowSeconds! };
        }),
        z.custom<Budget>((b) => (b as Budget).max >= 1 && (b as Budget).windowSeconds >= 1, "max and window must be at least 1"),
      ),
    ),
  );

/** Defaults of every edge limit; documented in README and wrangler.toml. */
export const LIMIT_DEFAULTS = {
  LIMIT_DEVICE_AUTHORIZATION_PER_IP: "30/600",
  LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "6000/600",
  LIMIT_UNKNOWN_DEVICE_CODE_PER_IP: "20/600",
  LIMIT_CODE_ENTRY_FAILURES_PER_IP: "10/900",
  LIMIT_CODE_ENTRY_FAILURES_PER_SESSION: "5/900",
  LIMIT_SIGN_IN_FAILURES_PER_USER: "5/900",
  LIMIT_SIGN_IN_FAILURES_PER_IP: "20/900",
} as const;

const common = {
  AUTHLETE_BASE_URL: httpUrl,
  AUTHLETE_TIMEOUT_MS: intIn(100, 60_000, 5_000),
  DISCOVERY_CACHE_SECONDS: intIn(0, 86_400, 300),
  POLL_MAX_INTERVAL_SECONDS: intIn(5, 3_600, 60),
  LIMIT_DEVICE_AUTHORIZATION_PER_IP: budget(LIMIT_DEFAULTS.LIMIT_DEVICE_AUTHORIZATION_PER_IP),
  LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: budget(LIMIT_DEFAULTS.LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT),
  LIMIT_UNKNOWN_DEVICE_CODE_PER_IP: budget(LIMIT_DEFAULTS.LIMIT_UNKNOWN_DEVICE_CODE_PER_IP),
  LIMIT_CODE_ENTRY_FAILURES_PER_IP: budget(LIMIT_DEFAULTS.LIMIT_CODE_ENTRY_FAILURES_PER_IP),
  LIMIT_CODE_ENTRY_FAILURES_PER_SESSION: budget(LIMIT_DEFAULTS.LIMIT_CODE_ENTRY_FAILURES_PER_SESSION),
  LIMIT_SIGN_IN_FAILURES_PER_USER: budget(LIMIT_DEFAULTS.LIMIT_SIGN_IN_FAILURES_PER_USER),
  LIMIT_SIGN_IN_FAILURES_PER_IP: budget(LIMIT_DEFAULTS.LIMIT_SIGN_IN_FAILURES_PER_IP),
};

export interface Limits {
  deviceAuthorizationPerIp: Budget;
  deviceAuthorizationPerClient: Budget;
  unknownDeviceCodePerIp: Budget;
  codeEntryFailuresPerIp: Budget;
  codeEntryFailuresPerSession: Budget;
  signInFailuresPerUser: Budget;
  signInFailuresPerIp: Budget;
}

function limitsOf(v: z.output<z.ZodMiniObject<typeof common>>): Limits {
  return {
    deviceAuthorizationPerIp: v.LIMIT_DEVICE_AUTHORIZATION_PER_IP,
    deviceAuthorizationPerClient: v.LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT,
    unknownDeviceCodePerIp: v.LIMIT_UNKNOWN_DEVICE_CODE_PER_IP,
    codeEntryFailuresPerIp: v.LIMIT_CODE_ENTRY_FAILURES_PER_IP,
    codeEntryFailuresPerSession: v.LIMIT_CODE_ENTRY_FAILURES_PER_SESSION,
    signInFailuresPerUser: v.LIMIT_SIGN_IN_FAILURES_PER_USER,
    signInFailuresPerIp: v.LIMIT_SIGN_IN_FAILURES_PER_IP,
  };
}

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
  pollMaxIntervalSeconds: number;
  limits: Limits;
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
  let v: z.output<z.ZodMiniObject<typeof common>>;
  if (version === "2") {
    const v2 = check(V2Schema, env);
    v = v2;
    authlete = {
      version: 2,
      baseUrl: stripSlash(v2.AUTHLETE_BASE_URL),
      apiKey: v2.AUTHLETE_SERVICE_API_KEY,
      apiSecret: v2.AUTHLETE_SERVICE_API_SECRET,
      timeoutMs: v2.AUTHLETE_TIMEOUT_MS,
    };
  } else if (version === "3") {
    const v3 = check(V3Schema, env);
    v = v3;
    authlete = {
      version: 3,
      baseUrl: stripSlash(v3.AUTHLETE_BASE_URL),
      serviceId: v3.AUTHLETE_SERVICE_ID,
      accessToken: v3.AUTHLETE_SERVICE_ACCESS_TOKEN,
      timeoutMs: v3.AUTHLETE_TIMEOUT_MS,
    };
  } else {
    throw new ConfigError(`Invalid configuration: AUTHLETE_API_VERSION: must be "2" or "3"`);
  }
  const binding = env.AUTHLETE;
  const config: Config = {
    authlete,
    discoveryCacheSeconds: v.DISCOVERY_CACHE_SECONDS,
    pollMaxIntervalSeconds: v.POLL_MAX_INTERVAL_SECONDS,
    limits: limitsOf(v),
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

// ---------------------------------------------------------------- verification page

/**
 * The verification page's variables are parsed apart from the rest, by its routes only,
 * so a page setting (a bad USERS secret, say) takes down /device and never the token
 * endpoint that devices are polling.
 */

const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((s) => (s?.trim() ? s.trim() : undefined)),
);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => s ?? fallback),
      z.enum(values, `must be one of ${values.join(", ")}`),
    ),
  );

/** A JSON-valued variable: a syntax error is reported as such, not as a type error. */
const json = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(
    z.string(),
    z.pipe(
      z.transform((s: string, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.issues.push({ code: "custom", message: "must be valid JSON", input: s });
          return z.NEVER;
        }
      }),
      schema,
    ),
  );

const BuiltInUserSchema = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(100)),
  passwordHash: z.string().check(
    z.regex(PASSWORD_HASH, "must be a hash printed by `npm run hash-password`"),
    z.refine((h) => {
      const n = Number(PASSWORD_HASH.exec(h)?.[1]);
      return n >= PBKDF2_MIN_ITERATIONS && n <= PBKDF2_MAX_ITERATIONS;
    }, `iterations must be between ${PBKDF2_MIN_ITERATIONS} and ${PBKDF2_MAX_ITERATIONS}`),
  ),
  // Authlete's subject: ASCII, at most 100 characters (contract §5.1).
  subject: z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,100}$/, "must be 1-100 printable ASCII characters"))),
  claims: z._default(z.record(z.string(), z.json()), {}),
});

const ScopeDescriptionsSchema = z.record(z.string(), z.object({ en: z.optional(z.string()), ja: z.optional(z.string()) }));

const PageSchema = z.object({
  USER_CODE_CHARSET: oneOf(["BASE20", "NUMERIC"], "BASE20"),
  USER_CODE_LENGTH: z.pipe(
    optionalText,
    z.optional(
      z.pipe(
        z.transform((s: string) => (/^\d+$/.test(s) ? Number(s) : Number.NaN)),
        z.number().check(z.int("must be a whole number between 4 and 20"), z.gte(4), z.lte(20)),
      ),
    ),
  ),
  AUTHENTICATOR: oneOf(["password", "access"], "password"),
  USERS: z.pipe(optionalText, z.optional(json(z.array(BuiltInUserSchema).check(z.minLength(1, "must list at least one user"))))),
  ACCESS_TEAM_DOMAIN: z.pipe(
    optionalText,
    z.optional(
      z.string().check(
        z.refine((s) => {
          try {
            const u = new URL(s);
            return u.protocol === "https:" && u.origin === s.replace(/\/+$/, "");
          } catch {
            return false;
          }
        }, "must be an https origin such as https://your-team.cloudflareaccess.com"),
      ),
    ),
  ),
  ACCESS_AUD: optionalText,
  SIGN_IN_SESSION_SECONDS: intIn(60, 86_400, 900),
  PRODUCT_NAME: z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => s ?? "Device Flow Edge"),
      z.string().check(z.maxLength(60)),
    ),
  ),
  LOGO_URL: z.pipe(
    optionalText,
    z.optional(
      z.string().check(
        z.refine((s) => {
          try {
            return ["http:", "https:"].includes(new URL(s).protocol);
          } catch {
            return false;
          }
        }, "must be an absolute http(s) URL"),
      ),
    ),
  ),
  ACCENT_COLOR: z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => (s ?? "#1a56db").toLowerCase()),
      z.string().check(z.regex(/^#[0-9a-f]{6}$/, "must be a colour like #1a56db")),
    ),
  ),
  SCOPE_DESCRIPTIONS: z.pipe(optionalText, z.optional(json(ScopeDescriptionsSchema))),
});

export interface BuiltInUser {
  username: string;
  passwordHash: string;
  subject: string;
  claims: Record<string, unknown>;
}

export type AuthenticatorConfig = { kind: "password"; users: BuiltInUser[] } | { kind: "access"; teamDomain: string; audience: string };

export interface Theme {
  productName: string;
  logoUrl: string | null;
  /** #rrggbb */
  accent: string;
}

export interface PageConfig {
  userCode: { charset: "BASE20" | "NUMERIC"; length: number };
  authenticator: AuthenticatorConfig;
  signInSessionSeconds: number;
  theme: Theme;
  scopeDescriptions: Record<string, Partial<Record<Locale, string>>>;
}

const pageCache = new WeakMap<object, PageConfig>();

export function loadPageConfig(env: Env): PageConfig {
  const hit = pageCache.get(env);
  if (hit) return hit;
  const v = check(PageSchema, env);
  let authenticator: AuthenticatorConfig;
  if (v.AUTHENTICATOR === "access") {
    if (!v.ACCESS_TEAM_DOMAIN) throw new ConfigError("Invalid configuration: ACCESS_TEAM_DOMAIN: is missing (required when AUTHENTICATOR is access)");
    if (!v.ACCESS_AUD) throw new ConfigError("Invalid configuration: ACCESS_AUD: is missing (required when AUTHENTICATOR is access)");
    authenticator = { kind: "access", teamDomain: v.ACCESS_TEAM_DOMAIN.replace(/\/+$/, ""), audience: v.ACCESS_AUD };
  } else {
    if (!v.USERS) throw new ConfigError("Invalid configuration: USERS: is missing (required when AUTHENTICATOR is password; see npm run hash-password)");
    const seen = new Set<string>();
    const users = v.USERS.map((u) => {
      const key = normalizeUsername(u.username);
      if (seen.has(key)) throw new ConfigError(`Invalid configuration: USERS: username "${u.username}" appears more than once`);
      seen.add(key);
      return { username: u.username, passwordHash: u.passwordHash, subject: u.subject ?? u.username, claims: u.claims };
    });
    authenticator = { kind: "password", users };
  }
  const config: PageConfig = {
    // Authlete's defaults when userCodeLength is 0: 8 for BASE20, 9 for NUMERIC (contract §8.2).
    userCode: { charset: v.USER_CODE_CHARSET, length: v.USER_CODE_LENGTH ?? (v.USER_CODE_CHARSET === "NUMERIC" ? 9 : 8) },
    authenticator,
    signInSessionSeconds: v.SIGN_IN_SESSION_SECONDS,
    theme: { productName: v.PRODUCT_NAME, logoUrl: v.LOGO_URL ?? null, accent: v.ACCENT_COLOR },
    scopeDescriptions: v.SCOPE_DESCRIPTIONS ?? {},
  };
  pageCache.set(env, config);
  return config;
}

/** Sign-in names compare after Unicode compatibility folding and case folding, so "Demo" and "ｄｅｍｏ" are the same user. */
export function normalizeUsername(s: string): string {
  return s.normalize("NFKC").trim().toLowerCase();
}
