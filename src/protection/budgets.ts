import type { Budget, Limits } from "../config";
import { networkOf } from "../http/client-ip";
import { log } from "../log";
import type { Limiter, Reservation } from "./limiter";

/** One budget applied to one subject. */
export interface Bucket {
  limit: string;
  budget: Budget;
  subject: string;
}

/** The places one attempt holds: given back on success, kept on failure. */
export interface Attempt {
  /** Set when a budget is spent: which, and when the last of them frees up. The attempt holds nothing then. */
  refused: { limits: string[]; retryAfter: number } | null;
  /** Attempts left before the tightest budget is spent, counting this one as a failure. */
  remaining: number;
  /** Gives every place back: the attempt succeeded. */
  succeeded(): Promise<void>;
}

/**
 * The verification page's guessing budgets: wrong user codes (RFC 8628 §5.1) and failed
 * sign-ins. An attempt reserves its place in every bucket before the work (Authlete, the
 * password check) and gives them back only if it succeeds, so a burst of attempts sent at
 * once cannot all pass, and a success never resets earlier failures.
 */
export class PageBudgets {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<
      Limits,
      | "codeEntryFailuresPerIp"
      | "codeEntryFailuresPerSession"
      | "codeEntryFailuresGlobal"
      | "signInFailuresPerUserAndIp"
      | "signInFailuresPerUser"
      | "signInFailuresPerIp"
    >,
  ) {}

  /** User-code guesses: per network and per browser session. */
  codeEntry(ip: string, flowId: string): Promise<Attempt> {
    return this.attempt([
      { limit: "code-entry-ip", budget: this.limits.codeEntryFailuresPerIp, subject: networkOf(ip) },
      { limit: "code-entry-session", budget: this.limits.codeEntryFailuresPerSession, subject: flowId },
    ]);
  }

  /**
   * Password guesses: per account from one network (slow attacks on one user), per account
   * from everywhere (slower still, so a stranger cannot lock a user out quickly) and per
   * network (sprays over many accounts).
   */
  signIn(ip: string, username: string): Promise<Attempt> {
    const network = networkOf(ip);
    return this.attempt([
      { limit: "sign-in-user-ip", budget: this.limits.signInFailuresPerUserAndIp, subject: `${username}\n${network}` },
      { limit: "sign-in-user", budget: this.limits.signInFailuresPerUser, subject: username },
      { limit: "sign-in-ip", budget: this.limits.signInFailuresPerIp, subject: network },
    ]);
  }

  /**
   * A wrong code, counted across all addresses: an alert when guessing is spread so wide
   * that no one address crosses its budget. Nobody is refused by it.
   */
  async codeEntryFailed(): Promise<void> {
    const budget = this.limits.codeEntryFailuresGlobal;
    const r = await this.limiter.reserve("code-entry-global", budget, "all");
    if (r.crossed) log("error", "code_entry_failures_alert", { budget: `${budget.max}/${budget.windowSeconds}`, retryAfter: r.retryAfter });
  }

  private async attempt(buckets: Bucket[]): Promise<Attempt> {
    const held: Reservation[] = await Promise.all(buckets.map((b) => this.limiter.reserve(b.limit, b.budget, b.subject)));
    const release = () => Promise.all(held.filter((r) => r.allowed).map((r) => r.release())).then(() => {});
    const spent = held.map((r, i) => ({ r, limit: buckets[i]!.limit })).filter((x) => !x.r.allowed);
    if (spent.length) {
      await release();
      return {
        refused: { limits: spent.map((x) => x.limit), retryAfter: Math.max(...spent.map((x) => x.r.retryAfter)) },
        remaining: 0,
        succeeded: async () => {},
      };
    }
    return { refused: null, remaining: Math.min(...held.map((r) => r.remaining)), succeeded: release };
  }
}
