import type { Budget } from "../config";
import { log } from "../log";
import type { Table } from "../storage/kv";

export interface Verdict {
  allowed: boolean;
  /** Seconds until the current window ends; meaningful when not allowed. */
  retryAfter: number;
}

/**
 * What every budget is kept by. `limit` names the budget (its counters never mix with
 * another's), `subject` is whose budget it is. Any implementation must pass
 * test/protection/limiter.test.ts.
 */
export interface Limiter {
  /** Has `subject` used up `budget` already? Counts nothing. */
  check(limit: string, budget: Budget, subject: string): Promise<Verdict>;
  /** Counts one event and returns whether the subject is still within its budget. */
  count(limit: string, budget: Budget, subject: string): Promise<Verdict>;
}

/**
 * Fixed-window counters in KV: best effort. KV is eventually consistent and has no
 * compare-and-set, so concurrent increments can be lost: it may undercount, never
 * overcount. A KV failure fails open: the request is served and the failure logged,
 * because a limiter outage must not lock out honest users.
 */
export class KvLimiter implements Limiter {
  constructor(
    private readonly counters: Table<number>,
    private readonly now: () => number,
  ) {}

  async check(limit: string, budget: Budget, subject: string): Promise<Verdict> {
    const w = this.window(budget);
    try {
      const n = (await this.counters.get(this.subject(limit, subject, w.index))) ?? 0;
      return { allowed: n < budget.max, retryAfter: w.retryAfter };
    } catch (err) {
      return this.failOpen(limit, err, w.retryAfter);
    }
  }

  async count(limit: string, budget: Budget, subject: string): Promise<Verdict> {
    const w = this.window(budget);
    try {
      const key = this.subject(limit, subject, w.index);
      const n = ((await this.counters.get(key)) ?? 0) + 1;
      await this.counters.put(key, n, w.retryAfter);
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

  /** One counter per limit, subject and window; the storage seam hashes it as a whole. */
  private subject(limit: string, subject: string, index: number): string {
    return `${limit}\n${index}\n${subject}`;
  }

  private failOpen(limit: string, err: unknown, retryAfter: number): Verdict {
    log("warn", "limiter_kv_failure", { limit, detail: String(err) });
    return { allowed: true, retryAfter };
  }
}
