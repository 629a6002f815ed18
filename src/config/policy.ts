import * as z from "zod/mini";
import type { Env } from "./env";
import { intIn, json, optionalText, parse, wholeIn } from "./schema";

/**
 * Per-client policy: RFC 10027's mitigations for the device grant, chosen per Authlete client
 * (CLIENT_POLICY, keyed by Authlete's numeric client id, over `default`), and the lists every
 * client shares (hosting networks, shared networks, how long a reported network is watched). Parsed apart from
 * the core configuration: the token endpoint never reads it (a grant carries what its policy
 * decided at device authorization), so a bad policy stops new codes and the page, never the
 * polls of devices already waiting.
 *
 * Every field is optional and its absence is the behaviour this server had before it existed.
 * PROXIMITY_POLICY, the older variable, is still read as each entry's `proximity`.
 */

export const CROSS_COUNTRY = ["allow", "warn", "block"] as const;
export const DPOP_MODES = ["bind", "require"] as const;
export const ONE_CODE_ONE_PERSON = ["warn", "block"] as const;
export const REPORTED_NETWORK = ["warn", "block"] as const;

/** What the confirm page does when the device and the browser are far apart (protection/proximity.ts). */
export interface ProximityPolicy {
  /** Devices in another country than the browser: the usual page, the stronger warning, or refused. */
  crossCountry: (typeof CROSS_COUNTRY)[number];
  /** A code entered later than this after the device asked for it gets the stronger warning. */
  maxCodeAgeSeconds: number;
  /**
   * A code asked for from a network on the watch list (someone said "I didn't start this" or
   * "That wasn't me" about a request from it, REPORTED_NETWORK_HOURS ago at most): the stronger
   * warning, or refused like a blocked country.
   */
  reportedNetwork: (typeof REPORTED_NETWORK)[number];
}

export const DEFAULT_PROXIMITY_POLICY: ProximityPolicy = { crossCountry: "warn", maxCodeAgeSeconds: 300, reportedNetwork: "warn" };

/** Token lifetimes sent with an approval (`/device/complete` accessTokenDuration, refreshTokenDuration); null: the service's own. */
export interface TokenLifetimes {
  accessTokenSeconds: number | null;
  refreshTokenSeconds: number | null;
}

export interface ClientPolicy {
  proximity: ProximityPolicy;
  /** The scopes a device grant of this client may carry (others the device asked for are dropped); null: whatever Authlete allows. */
  scopes: string[] | null;
  /** Lifetimes for device grants, and the shorter ones of an approval given through the stronger warning. */
  tokens: TokenLifetimes & { afterWarning: TokenLifetimes };
  /** A sign-in older than this signs in again before it may approve; null: the sign-in session's own lifetime. */
  maxAuthAgeSeconds: number | null;
  /** `bind`: a DPoP proof sent with the device authorization binds the grant to its key; `require`: one must be sent. */
  dpop: (typeof DPOP_MODES)[number] | null;
  /** The same code entered by a second network or browser while the first is at it: the stronger warning, or refused. */
  oneCodeOnePerson: (typeof ONE_CODE_ONE_PERSON)[number] | null;
}

export const DEFAULT_CLIENT_POLICY: ClientPolicy = {
  proximity: DEFAULT_PROXIMITY_POLICY,
  scopes: null,
  tokens: { accessTokenSeconds: null, refreshTokenSeconds: null, afterWarning: { accessTokenSeconds: null, refreshTokenSeconds: null } },
  maxAuthAgeSeconds: null,
  dpop: null,
  oneCodeOnePerson: null,
};

export interface PolicyConfig {
  /** Every policy is complete: a client's entry over the `default` entry over DEFAULT_CLIENT_POLICY. */
  policies: { default: ClientPolicy; clients: Record<string, ClientPolicy> };
  /** HOSTING_ASNS: added to the built-in list of hosting networks (protection/proximity.ts). */
  hostingAsns: number[];
  /** SHARED_ASNS: added to the built-in list of networks strangers share across places (protection/proximity.ts). */
  sharedAsns: number[];
  /** How long a network someone reported ("I didn't start this") stays on the watch list; 0: no watch list. */
  reportedNetworkHours: number;
}

/** The policy for Authlete's client `clientId` (the number); `default` for an unknown or unnamed client. */
export function policyFor(config: PolicyConfig, clientId: number | null | undefined): ClientPolicy {
  return (clientId != null && config.policies.clients[String(clientId)]) || config.policies.default;
}

// ------------------------------------------------------------------ schemas

/** Lifetimes: a minute to a year (Authlete takes seconds; 0 there would mean "the service's default"). */
const Lifetimes = {
  accessTokenSeconds: z.optional(wholeIn(60, 31_536_000)),
  refreshTokenSeconds: z.optional(wholeIn(60, 31_536_000)),
};

// Strict everywhere: a misspelt setting would otherwise be dropped without a word, and the default would apply.
const ProximityEntry = z.strictObject({
  crossCountry: z.optional(z.enum(CROSS_COUNTRY)),
  maxCodeAgeSeconds: z.optional(wholeIn(30, 86_400)),
  reportedNetwork: z.optional(z.enum(REPORTED_NETWORK)),
});

/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`. */
const ScopeToken = z.string().check(z.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be a scope name (printable ASCII without spaces, quotes or backslashes)"));

const PolicyEntry = z.strictObject({
  proximity: z.optional(ProximityEntry),
  scopes: z.optional(z.array(ScopeToken)),
  tokens: z.optional(z.strictObject({ ...Lifetimes, afterWarning: z.optional(z.strictObject(Lifetimes)) })),
  maxAuthAgeSeconds: z.optional(wholeIn(0, 86_400)),
  dpop: z.optional(z.enum(DPOP_MODES)),
  oneCodeOnePerson: z.optional(z.enum(ONE_CODE_ONE_PERSON)),
});

type Entry = z.output<typeof PolicyEntry>;

/** `{ "default": …, "<client id>": … }`: keys are `default` or Authlete's numeric client ids. */
const keyedByClient = <S extends z.ZodMiniType>(entry: S) =>
  json(
    z.record(z.string(), entry).check(
      z.superRefine((r, ctx) => {
        for (const key of Object.keys(r))
          if (!/^(default|\d{1,20})$/.test(key))
            ctx.addIssue({ code: "custom", path: [key], input: key, message: "is not `default` or a numeric Authlete client id" });
      }),
    ),
  );

/** ASNs separated by commas or spaces (`AS` prefixes allowed). */
export const AsnList = z.pipe(
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

const Policy = z.object({
  CLIENT_POLICY: z.pipe(optionalText, z.optional(keyedByClient(PolicyEntry))),
  /** Deprecated: read as each entry's `proximity`. */
  PROXIMITY_POLICY: z.pipe(optionalText, z.optional(keyedByClient(ProximityEntry))),
  HOSTING_ASNS: z.pipe(optionalText, z.optional(AsnList)),
  SHARED_ASNS: z.pipe(optionalText, z.optional(AsnList)),
  REPORTED_NETWORK_HOURS: intIn(0, 720, 24),
});

// ------------------------------------------------------------------ loading

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };

const lifetimes = (
  base: TokenLifetimes,
  e: { accessTokenSeconds?: number | undefined; refreshTokenSeconds?: number | undefined } | undefined,
): TokenLifetimes => ({
  ...base,
  ...defined(e ?? {}),
});

/** `e` over `base`, field by field; the nested settings (proximity, tokens) member by member. */
function over(base: ClientPolicy, e: Entry | undefined): ClientPolicy {
  if (!e) return base;
  return {
    proximity: { ...base.proximity, ...defined(e.proximity ?? {}) },
    scopes: e.scopes ?? base.scopes,
    tokens: { ...lifetimes(base.tokens, e.tokens), afterWarning: lifetimes(base.tokens.afterWarning, e.tokens?.afterWarning) },
    maxAuthAgeSeconds: e.maxAuthAgeSeconds ?? base.maxAuthAgeSeconds,
    dpop: e.dpop ?? base.dpop,
    oneCodeOnePerson: e.oneCodeOnePerson ?? base.oneCodeOnePerson,
  };
}

export function loadPolicyConfig(env: Env): PolicyConfig {
  const v = parse(Policy, env);
  const older = v.PROXIMITY_POLICY ?? {};
  const current = v.CLIENT_POLICY ?? {};
  // The older variable first, as `proximity`; CLIENT_POLICY's own settings go over it.
  const entry = (base: ClientPolicy, key: string) => {
    const proximity = older[key];
    return over(over(base, proximity && { proximity }), current[key]);
  };
  const base = entry(DEFAULT_CLIENT_POLICY, "default");
  const clients = Object.fromEntries(
    [...new Set([...Object.keys(older), ...Object.keys(current)])].filter((id) => id !== "default").map((id) => [id, entry(base, id)]),
  );
  return {
    policies: { default: base, clients },
    hostingAsns: (v.HOSTING_ASNS ?? []).map(Number),
    sharedAsns: (v.SHARED_ASNS ?? []).map(Number),
    reportedNetworkHours: v.REPORTED_NETWORK_HOURS,
  };
}
