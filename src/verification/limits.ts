import type { Context } from "hono";
import type { Budget } from "../protection/limiter";
import type { PageEnv } from "./page-env";
import { PageError } from "./page-error";

/** One budget applied to one subject. */
export type Bucket = [limit: string, budget: Budget, subject: string];

/** User-code guesses (RFC 8628 §5.1): per client IP and per browser session. */
export function codeEntryBuckets(c: Context<PageEnv>, ip: string, flowId: string): Bucket[] {
  const { limits } = c.var.config;
  return [
    ["code-entry-ip", limits.codeEntryFailuresPerIp, ip],
    ["code-entry-session", limits.codeEntryFailuresPerSession, flowId],
  ];
}

/** Password guesses: per account (slow attacks on one user) and per client IP (sprays over many). */
export function signInBuckets(c: Context<PageEnv>, ip: string, username: string): Bucket[] {
  const { limits } = c.var.config;
  return [
    ["sign-in-user", limits.signInFailuresPerUser, username],
    ["sign-in-ip", limits.signInFailuresPerIp, ip],
  ];
}

/**
 * Refuses before any work once a bucket is spent. Only failures are counted and a
 * success resets nothing, so a correct guess after a lockout is still refused until
 * the window passes. KV trouble fails open inside the limiter.
 */
export async function enforce(c: Context<PageEnv>, buckets: Bucket[]): Promise<void> {
  const verdicts = await Promise.all(buckets.map(([limit, budget, subject]) => c.var.limiter.check(limit, budget, subject)));
  const spent = verdicts.map((v, i) => ({ v, limit: buckets[i]![0] })).filter((x) => !x.v.allowed);
  if (spent.length) throw new PageError("rate_limited", spent.map((x) => x.limit).join(","), { retryAfter: Math.max(...spent.map((x) => x.v.retryAfter)) });
}

export async function countFailure(c: Context<PageEnv>, buckets: Bucket[]): Promise<void> {
  await Promise.all(buckets.map(([limit, budget, subject]) => c.var.limiter.count(limit, budget, subject)));
}
