import type { Budget } from "../config";
import type { KeyedHash } from "../crypto";
import { log } from "../log";
import type { BudgetCounter, ReserveResult } from "./budget-object";

/**
 * One attempt's place in a budget, taken before the work it protects and settled once by its
 * outcome; a second settlement changes nothing. Until it is settled the place counts.
 */
export interface Reservation extends ReserveResult {
  /** The attempt succeeded (or was not a guess): the place is given back and the attempt does not count. */
  release(): Promise<void>;
  /** The attempt failed: the place stays taken until the window ends. Awaited before the failure is answered. */
  keep(): Promise<void>;
}

/**
 * What every budget is kept by: reserve-before-work. `limit` names the budget (its counts
 * never mix with another's), `subject` is whose budget it is. An attempt reserves its place
 * first and is refused when none is left; a success releases it and a failure keeps it, so
 * only failures stay counted and a success never resets earlier ones. `counted`: the place is
 * kept at once, for requests that count whatever their outcome. Any implementation must pass
 * test/protection/limiter.test.ts.
 */
export interface Limiter {
  reserve(limit: string, budget: Budget, subject: string, counted?: boolean): Promise<Reservation>;
}

const settled = async () => {};

/** A reservation's two settlements, of which only the first does anything. */
function once(release: () => Promise<void>, keep: () => Promise<void>): Pick<Reservation, "release" | "keep"> {
  let done = false;
  const first = (f: () => Promise<void>) => () => {
    if (done) return settled();
    done = true;
    return f();
  };
  return { release: first(release), keep: first(keep) };
}

/** The budgets' real home: one Durable Object per bucket (protection/budget-object.ts). */
export class DurableObjectLimiter implements Limiter {
  constructor(
    private readonly namespace: DurableObjectNamespace<BudgetCounter>,
    private readonly keyed: KeyedHash,
    private readonly now: () => number,
  ) {}

  async reserve(limit: string, budget: Budget, subject: string, counted = false): Promise<Reservation> {
    // The object's name carries the subject's keyed hash only, never the address or username;
    // and the budget, so a changed limit starts from fresh buckets rather than from counts kept under another.
    const stub = this.namespace.getByName(`${limit}/${budget.max}/${budget.windowSeconds}/${await this.keyed.mac(`budget:${limit}`, subject)}`);
    const { hold, ...r } = await stub.reserve(budget.max, budget.windowSeconds, this.now(), counted);
    // Refused, or counted at once: nothing is left to settle.
    if (!hold) return { ...r, ...once(settled, settled) };
    return {
      ...r,
      ...once(
        // A place not given back only makes the budget stricter while the object is in memory.
        () => stub.release(hold).catch((err: unknown) => log("warn", "limiter_release_failed", { limit, detail: String(err) })),
        // A place not kept still counts while the object is in memory (budget-object.ts says what an eviction costs).
        () => stub.keep(hold, budget.windowSeconds, this.now()).catch((err: unknown) => log("warn", "limiter_keep_failed", { limit, detail: String(err) })),
      ),
    };
  }
}

interface MemoryBucket {
  count: number;
  windowEnd: number;
  refused: boolean;
}

/**
 * The same budgets in this isolate's memory. It is the fallback that keeps code entry and
 * sign-in bounded when the Durable Objects are unreachable (an attacker spread over many
 * isolates gets more tries, but never unlimited ones), and the twin the conformance test
 * runs beside the real thing. A place counts from its reservation, so `keep` has nothing to do.
 *
 * Its size is bounded, and what it forgets must never favour a guesser. A bucket exists only
 * while it holds something: one whose last place is given back is dropped, so attempts that
 * are refused or succeed leave nothing behind (a refused attempt's other buckets are given
 * back at once), and only failures, each counted, fill the table. When it is full, buckets
 * whose window has ended make room; if none has, a new subject is refused until one ends
 * (logged once per such stretch) rather than forgetting anyone's failures: evicting a bucket,
 * any bucket, would give someone tries back, and a guesser who could choose which would
 * choose their own.
 */
export class MemoryLimiter implements Limiter {
  private readonly buckets = new Map<string, MemoryBucket>();
  /** The earliest window end in the table: before it, a full table has nothing to drop. */
  private nextEnd = Number.POSITIVE_INFINITY;
  private fullLogged = false;

  constructor(
    private readonly now: () => number,
    private readonly maxBuckets = 10_000,
  ) {}

  async reserve(limit: string, budget: Budget, subject: string, counted = false): Promise<Reservation> {
    const key = `${limit}\n${budget.max}/${budget.windowSeconds}\n${subject}`;
    const now = this.now();
    let b = this.buckets.get(key);
    if (b && now >= b.windowEnd) {
      this.buckets.delete(key);
      b = undefined;
    }
    if (!b) {
      if (this.buckets.size >= this.maxBuckets && !this.makeRoom(now)) {
        if (!this.fullLogged) log("warn", "limiter_fallback_full", { limit, buckets: this.buckets.size });
        this.fullLogged = true;
        const retryAfter = Math.max(1, Math.ceil((this.nextEnd - now) / 1000));
        return { allowed: false, retryAfter, remaining: 0, crossed: false, ...once(settled, settled) };
      }
      b = { count: 0, windowEnd: now + budget.windowSeconds * 1000, refused: false };
      this.buckets.set(key, b);
      this.nextEnd = Math.min(this.nextEnd, b.windowEnd);
    }
    const bucket = b;
    const retryAfter = Math.max(1, Math.ceil((bucket.windowEnd - now) / 1000));
    if (bucket.count + 1 > budget.max) {
      const crossed = !bucket.refused;
      bucket.refused = true;
      return { allowed: false, retryAfter, remaining: 0, crossed, ...once(settled, settled) };
    }
    bucket.count++;
    const result = { allowed: true, retryAfter, remaining: budget.max - bucket.count, crossed: false };
    if (counted) return { ...result, ...once(settled, settled) };
    const release = async () => {
      if (this.buckets.get(key) !== bucket || this.now() >= bucket.windowEnd || bucket.count === 0) return;
      bucket.count--;
      // Nothing held and nothing refused: the bucket is no different from none.
      if (bucket.count === 0 && !bucket.refused) this.buckets.delete(key);
    };
    return { ...result, ...once(release, settled) };
  }

  /** Drops the buckets whose window has ended; whether that made room. */
  private makeRoom(now: number): boolean {
    if (now < this.nextEnd) return false;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, b] of this.buckets) {
      if (now >= b.windowEnd) this.buckets.delete(key);
      else next = Math.min(next, b.windowEnd);
    }
    this.nextEnd = next;
    const room = this.buckets.size < this.maxBuckets;
    if (room) this.fullLogged = false;
    return room;
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

  async reserve(limit: string, budget: Budget, subject: string, counted = false): Promise<Reservation> {
    try {
      return await this.primary.reserve(limit, budget, subject, counted);
    } catch (err) {
      log("warn", "limiter_unavailable", { limit, fallback: this.fallback === "open" ? "open" : "isolate", detail: String(err) });
      if (this.fallback !== "open") return this.fallback.reserve(limit, budget, subject, counted);
      return { allowed: true, retryAfter: budget.windowSeconds, remaining: budget.max, crossed: false, ...once(settled, settled) };
    }
  }
}
