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

/** One level of a bucket: whose budget (`subject`) and how much it allows. */
export interface Level {
  budget: Budget;
  subject: string;
}

/**
 * What every budget is kept by: reserve-before-work. `limit` names the budget (its counts never
 * mix with another's); `levels` are the subjects it is kept for, narrowest first, all checked and
 * taken at once (a network's /64, /56 and /48), so an attempt holds a place in every level or in
 * none, the last level naming the bucket. An attempt reserves its place first and is refused
 * when a level has none left (`spent` says which); a success releases it and a failure keeps it,
 * so only failures stay counted and a success never resets earlier ones. `counted`: the place is
 * kept at once, for requests that count whatever their outcome. Any implementation must pass
 * test/protection/limiter.test.ts.
 */
export interface Limiter {
  reserve(limit: string, levels: readonly Level[], counted?: boolean): Promise<Reservation>;
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

  async reserve(limit: string, levels: readonly Level[], counted = false): Promise<Reservation> {
    // The object is named by the widest level's keyed hash, never an address or a username, and
    // by the budgets, so a changed limit starts from fresh buckets rather than from counts kept
    // under another; the object itself sees keyed hashes only. During an EDGE_SECRET rotation the
    // same levels are kept under both secrets' names, and the attempt takes a place in both or in
    // neither: a rotation gives nobody a fresh budget.
    const macs = await Promise.all(levels.map((l) => this.keyed.macs(`budget:${limit}`, l.subject)));
    const budgets = levels.map((l) => `${l.budget.max}/${l.budget.windowSeconds}`).join("/");
    const taken = await Promise.all(
      macs[0]!.map(async (_, k) => {
        const subjects = macs.map((m) => m[k]!);
        const stub = this.namespace.getByName(`${limit}/${budgets}/${subjects.at(-1)}`);
        const spec = levels.map((l, i) => ({ max: l.budget.max, windowSeconds: l.budget.windowSeconds, subject: subjects[i]! }));
        return { stub, r: await stub.reserve(spec, this.now(), counted) };
      }),
    );
    // A place not given back only makes the budget stricter while the object is in memory.
    const release = (from: typeof taken) =>
      Promise.all(
        from.flatMap(({ stub, r }) =>
          r.hold ? [stub.release(r.hold).catch((err: unknown) => log("warn", "limiter_release_failed", { limit, detail: String(err) }))] : [],
        ),
      ).then(settled);
    // A place not kept still counts while the object is in memory (budget-object.ts says what an eviction costs).
    const keep = (from: typeof taken) =>
      Promise.all(
        from.flatMap(({ stub, r }) =>
          r.hold ? [stub.keep(r.hold, this.now()).catch((err: unknown) => log("warn", "limiter_keep_failed", { limit, detail: String(err) }))] : [],
        ),
      ).then(settled);
    const refused = taken.filter(({ r }) => !r.allowed);
    if (refused.length) {
      // Refused under one secret's name, so by the budget: what the other took is given back.
      await release(taken);
      const { hold: _, ...first } = refused[0]!.r;
      return {
        ...first,
        retryAfter: Math.max(...refused.map(({ r }) => r.retryAfter)),
        crossed: refused.some(({ r }) => r.crossed),
        ...once(settled, settled),
      };
    }
    const { hold, ...r } = taken[0]!.r;
    const result = { ...r, remaining: Math.min(...taken.map((t) => t.r.remaining)) };
    // Counted at once: nothing is left to settle.
    if (!hold) return { ...result, ...once(settled, settled) };
    return {
      ...result,
      ...once(
        () => release(taken),
        () => keep(taken),
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
 * Its size is bounded, and what it forgets must never favour a guesser. A level's bucket is
 * created only when an attempt takes a place in it and dropped when its last place is given
 * back, so refused and successful attempts leave nothing behind, and only failures, each
 * counted, fill the table. When it is full, buckets whose window has ended make room; if none
 * has, a new subject is refused until one ends (logged once per such stretch) rather than
 * forgetting anyone's failures: evicting a bucket, any bucket, would give someone tries back,
 * and a guesser who could choose which would choose their own.
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

  async reserve(limit: string, levels: readonly Level[], counted = false): Promise<Reservation> {
    const now = this.now();
    const keys = levels.map((l) => `${limit}\n${l.budget.max}/${l.budget.windowSeconds}\n${l.subject}`);
    const found = keys.map((key) => {
      const b = this.buckets.get(key);
      if (b && now >= b.windowEnd) this.buckets.delete(key);
      return b && now < b.windowEnd ? b : undefined;
    });
    // Every budget allows at least one, so only an existing bucket can refuse.
    const spent = levels.flatMap((l, i) => (found[i] && found[i].count + 1 > l.budget.max ? [i] : []));
    if (spent.length) {
      let crossed = false;
      for (const i of spent) {
        crossed ||= !found[i]!.refused;
        found[i]!.refused = true;
      }
      const retryAfter = Math.max(...spent.map((i) => Math.max(1, Math.ceil((found[i]!.windowEnd - now) / 1000))));
      return { allowed: false, retryAfter, remaining: 0, crossed, spent, ...once(settled, settled) };
    }
    const missing = found.filter((b) => !b).length;
    if (missing && this.buckets.size + missing > this.maxBuckets && !this.makeRoom(now, missing)) {
      if (!this.fullLogged) log("warn", "limiter_fallback_full", { limit, buckets: this.buckets.size });
      this.fullLogged = true;
      const retryAfter = Math.max(1, Math.ceil((this.nextEnd - now) / 1000));
      return { allowed: false, retryAfter, remaining: 0, crossed: false, spent: levels.map((_, i) => i), ...once(settled, settled) };
    }
    const buckets = levels.map((l, i) => {
      const b = found[i] ?? { count: 0, windowEnd: now + l.budget.windowSeconds * 1000, refused: false };
      if (!found[i]) {
        this.buckets.set(keys[i]!, b);
        this.nextEnd = Math.min(this.nextEnd, b.windowEnd);
      }
      b.count++;
      return b;
    });
    const result = {
      allowed: true,
      retryAfter: Math.max(1, Math.ceil((buckets[0]!.windowEnd - now) / 1000)),
      remaining: Math.min(...levels.map((l, i) => l.budget.max - buckets[i]!.count)),
      crossed: false,
      spent: [],
    };
    if (counted) return { ...result, ...once(settled, settled) };
    const release = async () => {
      buckets.forEach((b, i) => {
        if (this.buckets.get(keys[i]!) !== b || this.now() >= b.windowEnd || b.count === 0) return;
        b.count--;
        // Nothing held and nothing refused: the bucket is no different from none.
        if (b.count === 0 && !b.refused) this.buckets.delete(keys[i]!);
      });
    };
    return { ...result, ...once(release, settled) };
  }

  /** Drops the buckets whose window has ended; whether that made room for `needed` more. */
  private makeRoom(now: number, needed: number): boolean {
    if (now < this.nextEnd) return false;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, b] of this.buckets) {
      if (now >= b.windowEnd) this.buckets.delete(key);
      else next = Math.min(next, b.windowEnd);
    }
    this.nextEnd = next;
    const room = this.buckets.size + needed <= this.maxBuckets;
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

  async reserve(limit: string, levels: readonly Level[], counted = false): Promise<Reservation> {
    try {
      return await this.primary.reserve(limit, levels, counted);
    } catch (err) {
      log("warn", "limiter_unavailable", { limit, fallback: this.fallback === "open" ? "open" : "isolate", detail: String(err) });
      if (this.fallback !== "open") return this.fallback.reserve(limit, levels, counted);
      const remaining = Math.min(...levels.map((l) => l.budget.max));
      return { allowed: true, retryAfter: levels[0]?.budget.windowSeconds ?? 1, remaining, crossed: false, spent: [], ...once(settled, settled) };
    }
  }
}
