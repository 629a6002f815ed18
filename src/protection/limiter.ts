import { log } from "../log";
import { clampTtl, kvKey, sha256 } from "../storage/kv";

/** A budget: at most `max` events per `windowSeconds` for one subject (an IP, a session, a username...). */
export interface Budget {
  max: number;
  windowSeconds: number;
}

export interface Verdict {
  allowed: boolean;
  /** Seconds until the current window ends; meaningful when not allowed. */
  retryAfter: number;
}

/**
 * The seam for strict limits: KV is the default and is best effort (eventually
 * consistent, no compare-and-set, so concurrent increments can be lost: it may
 * undercount, never overcount). A Durable Object or the Workers Rate Limiting binding
 * can implement the same two calls.
 */
export interface Limiter {
  /** Has `subject` used up `budget` already? Counts nothing. */
  check(limit: string, budget: Budget, subject: string): Promise<Verdict>;
  /** Counts one event and returns whether the subject is still within its budget. */
  count(limit: string, budget: Budget, subject: string): Promise<Verdict>;
}

/**
 * Fixed-window counters in KV. A KV failure fails open: the request is served and
 * the failure logged, because a limiter outage must not lock out honest users.
 */
export class KvLimiter implements Limiter {
  constructor(
    private readonly kv: KVNamespace,
    private readonly now: () => number,
  ) {}

  async check(limit: string, budget: Budget, subject: string): Promise<Verdict> {
    const w = this.window(budget);
    try {
      const n = Number((await this.kv.get(await this.key(limit, subject, w.index))) ?? 0);
      return { allowed: n < budget.max, retryAfter: w.retryAfter };
    } catch (err) {
      return this.failOpen(limit, err, w.retryAfter);
    }
  }

  async count(limit: string, budget: Budget, subject: string): Promise<Verdict> {
    const w = this.window(budget);
    try {
      const key = await this.key(limit, subject, w.index);
      const n = Number((await this.kv.get(key)) ?? 0) + 1;
      await this.kv.put(key, String(n), { expirationTtl: clampTtl(w.retryAfter) });
      return { allowed: n <= budget.max, retryAfter: w.retryAfter };
    } catch (err) {
      return this.failOpen(limit, err, w.retryAfter);
    }
  }

  private window(budget: Budget) {
    const size = budget.windowSeconds * 1000;
    const now = this.now();
    const index = Math.floor(now / size);
    return { index, retryAfter: Math.max(1, Math.ceil(((index + 1) * size - now) / 1000)) };
  }

  private async key(limit: string, subject: string, index: number) {
    return kvKey.counter(limit, await sha256(subject), index);
  }

  private failOpen(limit: string, err: unknown, retryAfter: number): Verdict {
    log("warn", "limiter_kv_failure", { limit, detail: String(err) });
    return { allowed: true, retryAfter };
  }
}
