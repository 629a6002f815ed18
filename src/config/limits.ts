import * as z from "zod/mini";

/** A budget: at most `max` events per `windowSeconds` for one subject (an IP, a session, a username...). */
export interface Budget {
  max: number;
  windowSeconds: number;
}

/**
 * Every edge limit, in one table: the variable that sets it, its default and what it counts.
 * The schema, the `Limits` type, the defaults and the README and wrangler.toml checks
 * (test/config/limits.test.ts) all derive from it.
 */
export const LIMITS = {
  deviceAuthorizationPerIp: {
    env: "LIMIT_DEVICE_AUTHORIZATION_PER_IP",
    default: "30/600",
    meaning: "device authorization requests per `CF-Connecting-IP` (IPv6: per /64) per window (`max/seconds`); every request counts",
  },
  deviceAuthorizationPerIpv6_56: {
    env: "LIMIT_DEVICE_AUTHORIZATION_PER_IPV6_56",
    default: "90/600",
    meaning: "… per IPv6 /56, all its /64s together",
  },
  deviceAuthorizationPerIpv6_48: {
    env: "LIMIT_DEVICE_AUTHORIZATION_PER_IPV6_48",
    default: "180/600",
    meaning: "… per IPv6 /48",
  },
  deviceAuthorizationPerClient: {
    env: "LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT",
    default: "6000/600",
    meaning:
      "… per `client_id`, counting only the requests for which Authlete authenticated the client (`OK`, with a secret, key or certificate); a public client, which anyone can name, is counted per `client_id` and network",
  },
  unknownDeviceCodePerIp: {
    env: "LIMIT_UNKNOWN_DEVICE_CODE_PER_IP",
    default: "20/600",
    meaning: "polls with device codes Authlete does not know, per IP",
  },
  unknownDeviceCodePerIpv6_56: {
    env: "LIMIT_UNKNOWN_DEVICE_CODE_PER_IPV6_56",
    default: "60/600",
    meaning: "… per IPv6 /56",
  },
  unknownDeviceCodePerIpv6_48: {
    env: "LIMIT_UNKNOWN_DEVICE_CODE_PER_IPV6_48",
    default: "120/600",
    meaning: "… per IPv6 /48",
  },
  codeEntryFailuresPerIp: {
    env: "LIMIT_CODE_ENTRY_FAILURES_PER_IP",
    default: "10/900",
    meaning: "wrong user codes typed on the verification page, per IP",
  },
  codeEntryFailuresPerIpv6_56: {
    env: "LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_56",
    default: "30/900",
    meaning: "… per IPv6 /56",
  },
  codeEntryFailuresPerIpv6_48: {
    env: "LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_48",
    default: "60/900",
    meaning: "… per IPv6 /48",
  },
  codeEntryFailuresPerSession: {
    env: "LIMIT_CODE_ENTRY_FAILURES_PER_SESSION",
    default: "5/900",
    meaning: "… per browser session",
  },
  codeEntryFailuresGlobal: {
    env: "LIMIT_CODE_ENTRY_FAILURES_GLOBAL",
    default: "1000/600",
    meaning: "wrong user codes from all addresses together; crossing it logs one `code_entry_failures_alert` line per window and refuses nobody",
  },
  signInFailuresPerUserAndIp: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_USER_AND_IP",
    default: "5/900",
    meaning: "failed sign-ins per username from one IP",
  },
  signInFailuresPerUser: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_USER",
    default: "30/3600",
    meaning:
      "failed sign-ins per username from all addresses together, by browsers without a device cookie for that username (slower, so a stranger cannot lock a user out in minutes; the user's own browsers are not held by it at all)",
  },
  signInFailuresPerDevice: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_DEVICE",
    default: "5/900",
    meaning:
      "failed sign-ins from a browser holding a device cookie for that username (set when it last signed in as that user), counted per cookie instead of the budgets per username, per username and IP, and per IP",
  },
  signInFailuresPerIp: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_IP",
    default: "20/900",
    meaning: "failed sign-ins per IP",
  },
  signInFailuresPerIpv6_56: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_IPV6_56",
    default: "60/900",
    meaning: "… per IPv6 /56",
  },
  signInFailuresPerIpv6_48: {
    env: "LIMIT_SIGN_IN_FAILURES_PER_IPV6_48",
    default: "120/900",
    meaning: "… per IPv6 /48",
  },
  reportsPerIp: {
    env: "LIMIT_REPORTS_PER_IP",
    default: "10/3600",
    meaning: '"I didn\'t start this" reports per IP; past it a report still denies the request (as Cancel does) but is not recorded or logged as a report',
  },
  reportsPerIpv6_56: {
    env: "LIMIT_REPORTS_PER_IPV6_56",
    default: "30/3600",
    meaning: "… per IPv6 /56",
  },
  reportsPerIpv6_48: {
    env: "LIMIT_REPORTS_PER_IPV6_48",
    default: "60/3600",
    meaning: "… per IPv6 /48",
  },
} as const satisfies Record<string, { env: `LIMIT_${string}`; default: string; meaning: string }>;

export type LimitName = keyof typeof LIMITS;
export type LimitVariable = (typeof LIMITS)[LimitName]["env"];
export type Limits = Record<LimitName, Budget>;

const BUDGET = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/;

/** "max/windowSeconds", e.g. "10/900": at most 10 events per 15 minutes; `fallback` when unset. */
export const budget = (fallback: string) =>
  z.pipe(
    z._default(z.optional(z.string()), fallback),
    z.pipe(
      z.string().check(
        z.regex(BUDGET, { error: 'must look like "10/900" (max events / window in seconds)', abort: true }),
        z.refine((s) => s.split("/").every((n) => Number(n) >= 1), "max and window must be at least 1"),
      ),
      z.transform((s: string): Budget => {
        const [, max, windowSeconds] = BUDGET.exec(s)!;
        return { max: Number(max), windowSeconds: Number(windowSeconds) };
      }),
    ),
  );

const names = Object.keys(LIMITS) as LimitName[];

/** The schema of every LIMIT_* variable, keyed by variable name (a part of the core configuration's object). */
export const limitsShape = Object.fromEntries(names.map((n) => [LIMITS[n].env, budget(LIMITS[n].default)])) as Record<LimitVariable, ReturnType<typeof budget>>;

export function limitsOf(parsed: Record<LimitVariable, Budget>): Limits {
  return Object.fromEntries(names.map((n) => [n, parsed[LIMITS[n].env]])) as Limits;
}
