import type { Budget } from "../config";
import type { KeyedHash } from "../crypto";
import { log } from "../log";
import type { BudgetCounter, ReserveResult } from "./budget-object";

/** One attempt's place in a budget, taken before the work it protects. */
export interface Reservation extends ReserveResult {
  /** Gives the place back: the attempt succeeded (or was not a guess), so it does not count. */
  release(): Promise<void>;
}

/**
 * What every budget is kept by: reserve-before-work. `limit` names the budget (its counts
 * never mix with another's), `subject` is whose budget it is. An attempt reserves its place
 * first and is refused when none is left; a success releases it, so only failures stay
 * counted and a success never resets earlier ones. Any implementation must pass
 * test/protection/limiter.test.ts.
 */
export interface Limiter {
  reserve(limit: string, budget: Budget, subject: string): Promise<Reservation>;
}

/**
 * The budgets' real home: one Durable Object per bucket (protection/budget-object.ts).
 *
 * During an EDGE_SECRET rotation a subject has two buckets, one named under each secret, and an
 * attempt takes a place in both: refused when either is spent, so the rotation gives nobody a
 * fresh budget (the old bucket keeps counting until its window ends), and released from both.
 */
export class DurableObjectLimiter implements Limiter {
  constructor(
    private readonly namespace: DurableObjectNamespace<BudgetCounter>,
    private readonly keyed: KeyedHash,
    private readonly now: () => number,
  ) {}

  async reserve(limit: string, budget: Budget, subject: string): Promise<Reservation> {
    // The object's name carries the subject's keyed hash only, never the address or username;
    // and the budget, so a changed limit starts from fresh buckets rather than from counts kept under another.
    const names = (await this.keyed.macs(`budget:${limit}`, subject)).map((m) => `${limit}/${budget.max}/${budget.windowSeconds}/${m}`);
    const taken = await Promise.all(
      names.map(async (name) => {
        const stub = this.namespace.getByName(name);
        return { stub, r: await stub.reserve(budget.max, budget.windowSeconds, this.now()) };
      }),
    );
    const release = async (from: typeof taken) => {
      // A place not given back only makes the budget stricter until the window ends.
      await Promise.all(
        from.map(({ stub }) => stub.release(this.now()).catch((err: unknown) => log("warn", "limiter_release_failed", { limit, detail: String(err) }))),
      );
    };
    const refused = taken.filter(({ r }) => !r.allowed);
    if (refused.length) {
      // Refused by one bucket, so by the budget: what the other took is given back, and a refused reservation holds no place.
      await release(taken.filter(({ r }) => r.allowed));
      return {
        allowed: false,
        retryAfter: Math.max(...refused.map(({ r }) => r.retryAfter)),
        remaining: 0,
        crossed: refused.some(({ r }) => r.crossed),
        release: async () => {},
      };
    }
    return {
      allowed: true,
      retryAfter: taken[0]!.r.retryAfter,
      remaining: Math.min(...taken.map(({ r }) => r.remaining)),
      crossed: false,
      release: () => release(taken),
    };
  }
}

/**
 * The same budgets in this isolate's memory. It is the fallback that keeps code entry and
 * sign-in bounded when the Durable Objects are unreachable (an attacker spread over many
 * isolates gets more tries, but never unlimited ones), and the twin the conformance test
 * runs beside the real thing.
 */
export class MemoryLimiter implements Limiter {
  private readonly buckets = new Map<string, { count: number; windowEnd: number; refused: boolean }>();
  private static readonly MAX_BUCKETS = 10_000;

  constructor(private readonly now: () => number) {}

  async reserve(limit: string, budget: Budget, subject: string): Promise<Reservation> {
    const key = `${limit}\n${budget.max}/${budget.windowSeconds}\n${subject}`;
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b || now >= b.windowEnd) {
      b = { count: 0, windowEnd: now + budget.windowSeconds * 1000, refused: false };
      this.buckets.delete(key);
      this.buckets.set(key, b);
      if (this.buckets.size > MemoryLimiter.MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    }
    const bucket = b;
    const retryAfter = Math.max(1, Math.ceil((bucket.windowEnd - now) / 1000));
    const release = async () => {
      if (this.now() < bucket.windowEnd && bucket.count > 0) bucket.count--;
    };
    if (bucket.count + 1 > budget.max) {
      const crossed = !bucket.refused;
      bucket.refused = true;
      return { allowed: false, retryAfter, remaining: 0, crossed, release: async () => {} };
    }
    bucket.count++;
    return { allowed: true, retryAfter, remaining: budget.max - bucket.count, crossed: false, release };
  }
}

/**
 * What happens when the budgets' Durable Objects cannot be reached: the failure is logged and
 * the request is decided by `fallback` — another limiter (the per-isolate one, for code entry
 * and sign-in) or, for the device-side budgets, "open": the request is served, because a
 * limiter outage must not stop devices from getting codes and tokens.
 */
export class FallbackLimiter implements Limiter {
  constructor(
    private readonly primary: Limiter,
    private readonly fallback: Limiter | "open",
  ) {}

  async reserve(limit: string, budget: Budget, subject: string): Promise<Reservation> {
    try {
      return await this.primary.reserve(limit, budget, subject);
    } catch (err) {
      log("warn", "limiter_unavailable", { limit, fallback: this.fallback === "open" ? "open" : "isolate", detail: String(err) });
      if (this.fallback !== "open") return this.fallback.reserve(limit, budget, subject);
      return { allowed: true, retryAfter: budget.windowSeconds, remaining: budget.max, crossed: false, release: async () => {} };
    }
  }
}
