import type { Budget, Limits } from "../config";
import type { Limiter } from "./limiter";

/** One budget applied to one subject. */
export interface Bucket {
  limit: string;
  budget: Budget;
  subject: string;
}

/** A refusal: which budgets are spent and when the last of them frees up. */
export interface Spent {
  limits: string[];
  retryAfter: number;
}

/**
 * The verification page's guessing budgets: wrong user codes (RFC 8628 §5.1) and failed
 * sign-ins. Only failures are counted and a success resets nothing, so a correct guess
 * after a lockout is still refused until the window passes. KV trouble fails open inside
 * the limiter.
 */
export class PageBudgets {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<Limits, "codeEntryFailuresPerIp" | "codeEntryFailuresPerSession" | "signInFailuresPerUser" | "signInFailuresPerIp">,
  ) {}

  /** User-code guesses: per client IP and per browser session. */
  codeEntry(ip: string, flowId: string): Bucket[] {
    return [
      { limit: "code-entry-ip", budget: this.limits.codeEntryFailuresPerIp, subject: ip },
      { limit: "code-entry-session", budget: this.limits.codeEntryFailuresPerSession, subject: flowId },
    ];
  }

  /** Password guesses: per account (slow attacks on one user) and per client IP (sprays over many). */
  signIn(ip: string, username: string): Bucket[] {
    return [
      { limit: "sign-in-user", budget: this.limits.signInFailuresPerUser, subject: username },
      { limit: "sign-in-ip", budget: this.limits.signInFailuresPerIp, subject: ip },
    ];
  }

  /** Checked before any work: null while every bucket has room. */
  async spent(buckets: Bucket[]): Promise<Spent | null> {
    const verdicts = await Promise.all(buckets.map((b) => this.limiter.check(b.limit, b.budget, b.subject)));
    const spent = buckets.filter((_, i) => !verdicts[i]!.allowed);
    if (!spent.length) return null;
    return { limits: spent.map((b) => b.limit), retryAfter: Math.max(...verdicts.filter((v) => !v.allowed).map((v) => v.retryAfter)) };
  }

  async failed(buckets: Bucket[]): Promise<void> {
    await Promise.all(buckets.map((b) => this.limiter.count(b.limit, b.budget, b.subject)));
  }
}
