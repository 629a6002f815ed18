import * as z from "zod/mini";
import type { Env } from "./env";
import { PASSWORD_HASH, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from "./password-hash";
import { intIn, json, oneOf, optionalText, parse, requiredText, url } from "./schema";

/**
 * The verification page's variables, parsed apart from the rest and only by its routes, so a
 * page setting (a bad USERS secret, say) takes down /device and never the token endpoint that
 * devices are polling.
 */

export const USER_CODE_CHARSETS = ["BASE20", "NUMERIC"] as const;
export const CROSS_COUNTRY = ["allow", "warn", "block"] as const;
export const AUTHENTICATORS = ["password", "access"] as const;

const User = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(100)),
  passwordHash: z.string().check(
    z.regex(PASSWORD_HASH, "must be a hash printed by `npm run hash-password`"),
    z.refine((h) => {
      const n = Number(PASSWORD_HASH.exec(h)?.[1]);
      return n >= PBKDF2_MIN_ITERATIONS && n <= PBKDF2_MAX_ITERATIONS;
    }, `iterations must be between ${PBKDF2_MIN_ITERATIONS} and ${PBKDF2_MAX_ITERATIONS}`),
  ),
  // Authlete's subject: ASCII, at most 100 characters (docs/authlete-api.md §5.1).
  subject: z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,100}$/, "must be 1-100 printable ASCII characters"))),
  claims: z._default(z.record(z.string(), z.json()), {}),
});

/** Each way of knowing who the user is, with exactly the variables it needs. */
const Authenticator = z.discriminatedUnion(
  "AUTHENTICATOR",
  [
    z.object({
      AUTHENTICATOR: z.literal("password"),
      USERS: json(
        z.array(User).check(
          z.minLength(1, "must list at least one user"),
          // An unknown username is checked against a decoy of the same cost; with one count for all, no timing tells users apart.
          z.refine(
            (users) => new Set(users.map((u) => PASSWORD_HASH.exec(u.passwordHash)?.[1])).size <= 1,
            "every user must be hashed with the same iteration count (rehash with `npm run hash-password -- --iterations N`)",
          ),
        ),
      ),
    }),
    z.object({
      AUTHENTICATOR: z.literal("access"),
      ACCESS_TEAM_DOMAIN: url({ httpsOnly: true, originOnly: true }),
      ACCESS_AUD: requiredText,
    }),
  ],
  { error: `must be one of ${AUTHENTICATORS.join(", ")}` },
);

/**
 * What the confirm page does when the device and the browser are far apart
 * (protection/proximity.ts): per Authlete client id (the number), over a default.
 */
export interface ProximityPolicy {
  /** Devices in another country than the browser: the usual page, the stronger warning, or refused. */
  crossCountry: (typeof CROSS_COUNTRY)[number];
  /** A code entered later than this after the device asked for it gets the stronger warning. */
  maxCodeAgeSeconds: number;
}

export const DEFAULT_PROXIMITY_POLICY: ProximityPolicy = { crossCountry: "warn", maxCodeAgeSeconds: 300 };

const PolicyEntry = z.strictObject({
  crossCountry: z.optional(z.enum(CROSS_COUNTRY, `must be one of ${CROSS_COUNTRY.join(", ")}`)),
  maxCodeAgeSeconds: z.optional(z.number().check(z.int(), z.gte(30), z.lte(86_400))),
});

const ProximityPolicies = json(
  z
    .record(z.string(), PolicyEntry)
    .check(z.refine((r) => Object.keys(r).every((k) => /^(default|\d{1,20})$/.test(k)), "keys are `default` or a numeric Authlete client id")),
);

/** ASNs separated by commas or spaces (`AS` prefixes allowed). */
const AsnList = z.pipe(
  z.string(),
  z.pipe(
    z.transform((s: string) =>
      s
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((a) => a.replace(/^AS/i, "")),
    ),
    z.array(z.string().check(z.regex(/^\d{1,10}$/, "must be ASNs such as 64500, AS64501"))),
  ),
);

const Page = z.intersection(
  Authenticator,
  z.object({
    USER_CODE_CHARSET: oneOf(USER_CODE_CHARSETS, "BASE20"),
    USER_CODE_LENGTH: intIn(4, 20),
    SIGN_IN_SESSION_SECONDS: intIn(60, 86_400, 900),
    PRODUCT_NAME: z.pipe(
      optionalText,
      z.pipe(
        z.transform((s: string | undefined) => s ?? "Device Flow Edge"),
        z.string().check(z.maxLength(60)),
      ),
    ),
    LOGO_URL: z.optional(url({ query: true })),
    ACCENT_COLOR: z.pipe(
      optionalText,
      z.pipe(
        z.transform((s: string | undefined) => (s ?? "#1a56db").toLowerCase()),
        z.string().check(z.regex(/^#[0-9a-f]{6}$/, "must be a colour like #1a56db")),
      ),
    ),
    SCOPE_DESCRIPTIONS: z.pipe(optionalText, z.optional(json(z.record(z.string(), z.object({ en: z.optional(z.string()), ja: z.optional(z.string()) }))))),
    PROXIMITY_POLICY: z.pipe(optionalText, z.optional(ProximityPolicies)),
    HOSTING_ASNS: z.pipe(optionalText, z.optional(AsnList)),
  }),
);

export type AuthenticatorConfig =
  | { kind: "password"; users: { username: string; passwordHash: string; subject: string; claims: Record<string, unknown> }[] }
  | { kind: "access"; teamDomain: string; audience: string };

export interface PageConfig {
  userCode: { charset: (typeof USER_CODE_CHARSETS)[number]; length: number };
  authenticator: AuthenticatorConfig;
  signInSessionSeconds: number;
  /** The page's look (verification/theme.ts). */
  theme: { productName: string; logoUrl: string | null; accent: string };
  /** Per scope, per locale tag. */
  scopeDescriptions: Record<string, { en?: string | undefined; ja?: string | undefined }>;
  proximity: {
    /** Every policy is complete: a client's entry over the default entry over DEFAULT_PROXIMITY_POLICY. */
    policies: { default: ProximityPolicy; clients: Record<string, ProximityPolicy> };
    /** Added to the built-in list of hosting networks. */
    hostingAsns: number[];
  };
}

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };

export function loadPageConfig(env: Env): PageConfig {
  const v = parse(Page, { ...env, AUTHENTICATOR: env.AUTHENTICATOR?.trim() || "password", LOGO_URL: env.LOGO_URL?.trim() || undefined });
  return {
    // Authlete's defaults when userCodeLength is 0: 8 for BASE20, 9 for NUMERIC (docs/authlete-api.md §8.2).
    userCode: { charset: v.USER_CODE_CHARSET, length: v.USER_CODE_LENGTH ?? (v.USER_CODE_CHARSET === "NUMERIC" ? 9 : 8) },
    authenticator:
      v.AUTHENTICATOR === "access"
        ? { kind: "access", teamDomain: v.ACCESS_TEAM_DOMAIN, audience: v.ACCESS_AUD }
        : {
            kind: "password",
            users: v.USERS.map((u) => ({ username: u.username, passwordHash: u.passwordHash, subject: u.subject ?? u.username, claims: u.claims })),
          },
    signInSessionSeconds: v.SIGN_IN_SESSION_SECONDS!,
    theme: { productName: v.PRODUCT_NAME, logoUrl: v.LOGO_URL ?? null, accent: v.ACCENT_COLOR },
    scopeDescriptions: v.SCOPE_DESCRIPTIONS ?? {},
    proximity: proximity(v.PROXIMITY_POLICY ?? {}, (v.HOSTING_ASNS ?? []).map(Number)),
  };
}

function proximity(entries: Record<string, z.output<typeof PolicyEntry>>, hostingAsns: number[]): PageConfig["proximity"] {
  const base: ProximityPolicy = { ...DEFAULT_PROXIMITY_POLICY, ...defined(entries["default"] ?? {}) };
  const clients = Object.fromEntries(
    Object.entries(entries)
      .filter(([id]) => id !== "default")
      .map(([id, e]) => [id, { ...base, ...defined(e) }]),
  );
  return { policies: { default: base, clients }, hostingAsns };
}
