import type { Budget, Limits } from "../config";
import { networkOf, networksOf, type Prefix } from "../http/client-ip";
import { log } from "../log";
import type { Level, Limiter, Reservation } from "./limiter";

/** One budget for one subject, checked at one or more levels at once (a network's /64, /56 and /48). */
export interface Bucket {
  limit: string;
  levels: Level[];
  /** How each level is named in logs and refusals: `limit`, or `limit-56`, `limit-48` for the wider prefixes. */
  names: string[];
}

/** A bucket of one level. */
export const bucket = (limit: string, budget: Budget, subject: string): Bucket => ({ limit, levels: [{ budget, subject }], names: [limit] });

/** The places one attempt holds: given back on success, kept on failure. */
export interface Attempt {
  /** Set when a budget is spent: which, and when the last of them frees up. The attempt holds nothing then. */
  refused: { limits: string[]; retryAfter: number } | null;
  /** Attempts left before the tightest budget is spent, counting this one as a failure. */
  remaining: number;
  /** Gives every place back: the attempt succeeded. */
  succeeded(): Promise<void>;
  /** Keeps every place: the attempt failed. Awaited before the failure is answered. */
  failed(): Promise<void>;
}

/** A budget kept per network: the address (IPv6: its /64), and for IPv6 also its /56 and /48. */
export type NetworkBudget = Record<Prefix, Budget>;

/** The limits kept per network, by the stem of their names in LIMITS. */
type PerNetwork = "deviceAuthorization" | "unknownDeviceCode" | "codeEntryFailures" | "signInFailures" | "reports";

export const perNetwork = <N extends PerNetwork>(limits: Pick<Limits, `${N}Per${"Ip" | "Ipv6_56" | "Ipv6_48"}`>, name: N): NetworkBudget => ({
  ip: limits[`${name}PerIp`],
  "ipv6/56": limits[`${name}PerIpv6_56`],
  "ipv6/48": limits[`${name}PerIpv6_48`],
});

/**
 * The bucket of a per-network budget for one address: the address or /64, and for IPv6 also its
 * /56 and /48, as levels of one bucket (http/client-ip.ts networksOf), so the whole of a /48 is
 * counted in one object and an attempt takes its place in every level or none.
 */
export function networkBucket(limit: string, budget: NetworkBudget, ip: string): Bucket {
  const networks = networksOf(ip);
  return {
    limit,
    levels: networks.map(({ prefix, network }) => ({ budget: budget[prefix], subject: network })),
    names: networks.map(({ prefix }) => (prefix === "ip" ? limit : `${limit}-${prefix.slice("ipv6/".length)}`)),
  };
}

/**
 * One attempt against several buckets, all or nothing: its place is reserved in every one of
 * them (at once) before the work, and if any is spent the others are given back and the attempt
 * is refused holding nothing, so refused attempts never spend a budget. `counted`: the places
 * are kept as soon as they are all taken (requests that count whatever their outcome); the
 * attempt then has nothing left to settle.
 */
export async function attempt(limiter: Limiter, buckets: Bucket[], counted = false): Promise<Attempt> {
  // A single bucket can be counted in the reservation itself: refused, it takes nothing.
  const atOnce = counted && buckets.length === 1;
  const held: Reservation[] = await Promise.all(buckets.map((b) => limiter.reserve(b.limit, b.levels, atOnce)));
  const release = () => Promise.all(held.map((r) => r.release())).then(() => {});
  const keep = () => Promise.all(held.map((r) => r.keep())).then(() => {});
  const none = async () => {};
  const refused = held.filter((r) => !r.allowed);
  if (refused.length) {
    await release();
    const limits = held.flatMap((r, i) => (r.allowed ? [] : r.spent.map((level) => buckets[i]!.names[level]!)));
    return { refused: { limits, retryAfter: Math.max(...refused.map((r) => r.retryAfter)) }, remaining: 0, succeeded: none, failed: none };
  }
  const remaining = Math.min(...held.map((r) => r.remaining));
  if (counted) {
    await keep();
    return { refused: null, remaining, succeeded: none, failed: none };
  }
  return { refused: null, remaining, succeeded: release, failed: keep };
}

/**
 * The verification page's budgets: wrong user codes (RFC 8628 §5.1), failed sign-ins and
 * phishing reports. An attempt reserves its place in every bucket before the work (Authlete, the
 * password check) and gives them back only if it succeeds, so a burst of attempts sent at
 * once cannot all pass, and a success never resets earlier failures.
 */
export class PageBudgets {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<
      Limits,
      | `${"codeEntryFailures" | "signInFailures" | "reports"}Per${"Ip" | "Ipv6_56" | "Ipv6_48"}`
      | "codeEntryFailuresPerSession"
      | "codeEntryFailuresGlobal"
      | "signInFailuresPerUserAndIp"
      | "signInFailuresPerUser"
      | "signInFailuresPerDevice"
    >,
  ) {}

  /** User-code guesses: per network (and its wider IPv6 prefixes) and per browser session. */
  codeEntry(ip: string, flowId: string): Promise<Attempt> {
    return attempt(this.limiter, [
      networkBucket("code-entry-ip", perNetwork(this.limits, "codeEntryFailures"), ip),
      bucket("code-entry-session", this.limits.codeEntryFailuresPerSession, flowId),
    ]);
  }

  /**
   * Password guesses from a browser that is not known to belong to the user: per account from
   * one network (slow attacks on one user), per account from everywhere (slower still, so a
   * stranger cannot lock a user out quickly) and per network and its wider IPv6 prefixes
   * (sprays over many accounts).
   */
  signIn(ip: string, username: string): Promise<Attempt> {
    return attempt(this.limiter, [
      bucket("sign-in-user-ip", this.limits.signInFailuresPerUserAndIp, `${username}\n${networkOf(ip)}`),
      bucket("sign-in-user", this.limits.signInFailuresPerUser, username),
      networkBucket("sign-in-ip", perNetwork(this.limits, "signInFailures"), ip),
    ]);
  }

  /**
   * Password guesses from a browser that has signed in as this user before (its device cookie,
   * verification/device-cookie.ts): counted for that cookie alone, the OWASP "device cookie"
   * pattern, so failures from anywhere else never lock the user's own browser out, and a cookie
   * that fails too often is locked out by itself. `device` is the cookie's own random id.
   */
  signInKnown(username: string, device: string): Promise<Attempt> {
    return attempt(this.limiter, [bucket("sign-in-device", this.limits.signInFailuresPerDevice, `${username}\n${device}`)]);
  }

  /** "I didn't start this": counted per network and its wider IPv6 prefixes, whatever comes of it. */
  report(ip: string): Promise<Attempt> {
    return attempt(this.limiter, [networkBucket("report-ip", perNetwork(this.limits, "reports"), ip)], true);
  }

  /**
   * A wrong code, counted across all addresses: an alert when guessing is spread so wide
   * that no one address crosses its budget. Nobody is refused by it.
   */
  async codeEntryFailed(): Promise<void> {
    const budget = this.limits.codeEntryFailuresGlobal;
    const r = await this.limiter.reserve("code-entry-global", [{ budget, subject: "all" }], true);
    if (r.crossed) log("error", "code_entry_failures_alert", { budget: `${budget.max}/${budget.windowSeconds}`, retryAfter: r.retryAfter });
  }
}
