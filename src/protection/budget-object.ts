import { DurableObject } from "cloudflare:workers";

/** One level's count in its current window. */
interface Counter {
  count: number;
  /** Epoch ms (the caller's clock) when the window ends. */
  windowEnd: number;
  /** Whether this window has refused anything yet (the first refusal is worth an alert). */
  refused: boolean;
}

/** One level of a bucket as the object sees it: a budget, and its subject's keyed hash. */
export interface Level {
  max: number;
  windowSeconds: number;
  subject: string;
}

/** A place taken in every level of a bucket and not yet settled: released on success, kept on failure. */
export interface Hold {
  id: string;
  /** Each level's subject and the window the place was taken in (the caller's clock). */
  levels: { subject: string; windowEnd: number; windowSeconds: number }[];
}

export interface ReserveResult {
  allowed: boolean;
  /** Seconds until the window ends (refused: until every spent level has a place again). */
  retryAfter: number;
  /** Events still allowed after this one, in the tightest level. */
  remaining: number;
  /** The first refusal of a window. */
  crossed: boolean;
  /** The levels that refused (their indices); empty when allowed. */
  spent: number[];
}

/** A reservation as the object answers it: a hold to settle, or none (refused, or counted at once). */
export interface Reserved extends ReserveResult {
  hold: Hold | null;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * One budget bucket as a Durable Object: a limit for one subject, checked at one or more levels
 * at once (an IPv6 address's /64, /56 and /48 are three levels of the bucket named by the /48),
 * so an attempt takes its place in all of them or in none, and no two attempts can both take
 * the last place: the object runs one call at a time, and each call decides with no await
 * before its decision is made.
 *
 * A place is taken in memory and written only when it is kept. Most attempts succeed (a valid
 * code, the right password) and give their place back, so a success writes nothing: no row,
 * no alarm. A failure is written by `keep`, which the Worker awaits before it answers, so a
 * guess whose outcome anyone saw is on disk. While the object is in memory, an unsettled place
 * counts exactly like a kept one, so the budget holds under any concurrency. What an eviction
 * of the object (a restart; hibernation after seconds with no call, which a bucket under attack
 * never reaches) costs: the places in flight at that moment are forgotten, so at most `max` more
 * attempts can be let through while those are still running; their `keep` still counts them,
 * and the bucket is over budget once they land. An attempt that never settles (the client went
 * away, the Worker was stopped) was never answered, so it taught the guesser nothing. An alarm
 * forgets the levels whose window has ended. See docs/storage-schema.md.
 */
export class BudgetCounter extends DurableObject {
  private static readonly KEY = "levels";

  /** Every level's counter in its current window, stored or not yet: read from storage once. */
  private counters: Map<string, Counter> | null = null;
  /** Places in flight per level subject, in the window they were taken in: memory only. */
  private readonly held = new Map<string, { windowEnd: number; n: number }>();
  private readonly holds = new Set<string>();
  /** Hold ids are unique per instance, so a settlement from before an eviction never matches a later hold. */
  private readonly instance = crypto.randomUUID();
  private next = 0;
  /** The alarm this instance knows of: undefined until read, null when none is set. */
  private alarmAt: number | null | undefined;

  private all(): Map<string, Counter> {
    this.counters ??= new Map(Object.entries(this.ctx.storage.kv.get<Record<string, Counter>>(BudgetCounter.KEY) ?? {}));
    return this.counters;
  }

  /** The level's counter in its current window (a new window starts with nothing in it). */
  private counter(level: { subject: string; windowSeconds: number }, now: number): Counter {
    const all = this.all();
    let c = all.get(level.subject);
    if (!c || now >= c.windowEnd) {
      c = { count: 0, windowEnd: now + level.windowSeconds * 1000, refused: false };
      all.set(level.subject, c);
    }
    return c;
  }

  private inFlight(subject: string, c: Counter): number {
    const h = this.held.get(subject);
    return h && h.windowEnd === c.windowEnd ? h.n : 0;
  }

  private unhold(hold: Hold): boolean {
    if (!this.holds.delete(hold.id)) return false;
    for (const l of hold.levels) {
      const h = this.held.get(l.subject);
      if (!h || h.windowEnd !== l.windowEnd) continue;
      if (--h.n === 0) this.held.delete(l.subject);
    }
    return true;
  }

  /**
   * Writes what is counted (synchronously: the caller has decided before anything is awaited),
   * and sets an alarm when none is set, at the end of the latest window, on real time. While a
   * storage call is in flight the input gate holds other calls back anyway.
   */
  private async write(now: number): Promise<void> {
    const stored: Record<string, Counter> = {};
    let latest = now;
    for (const [subject, c] of this.all()) {
      if (now >= c.windowEnd) this.all().delete(subject);
      else if (c.count > 0 || c.refused) {
        stored[subject] = c;
        latest = Math.max(latest, c.windowEnd);
      }
    }
    this.ctx.storage.kv.put(BudgetCounter.KEY, stored);
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null) return;
    this.alarmAt = Date.now() + (latest - now);
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  /**
   * Takes one place in every level if each has one left, else none. `now` is the Worker's clock,
   * so tests can move time. `counted`: the places are kept at once (a request that counts
   * whatever its outcome).
   */
  async reserve(levels: Level[], now: number, counted = false): Promise<Reserved> {
    const cs = levels.map((l) => this.counter(l, now));
    const taken = cs.map((c, i) => c.count + this.inFlight(levels[i]!.subject, c));
    const spent = levels.flatMap((l, i) => (taken[i]! + 1 > l.max ? [i] : []));
    if (spent.length) {
      let crossed = false;
      for (const i of spent) {
        crossed ||= !cs[i]!.refused;
        cs[i]!.refused = true;
      }
      const retryAfter = Math.max(...spent.map((i) => seconds(cs[i]!.windowEnd - now)));
      if (crossed) await this.write(now);
      return { allowed: false, retryAfter, remaining: 0, crossed, spent, hold: null };
    }
    const result = {
      allowed: true,
      retryAfter: seconds(cs[0]!.windowEnd - now),
      remaining: Math.min(...levels.map((l, i) => l.max - taken[i]! - 1)),
      crossed: false,
      spent,
    };
    if (counted) {
      for (const c of cs) c.count++;
      await this.write(now);
      return { ...result, hold: null };
    }
    const hold: Hold = {
      id: `${this.instance}/${this.next++}`,
      levels: levels.map((l, i) => ({ subject: l.subject, windowEnd: cs[i]!.windowEnd, windowSeconds: l.windowSeconds })),
    };
    this.holds.add(hold.id);
    for (const l of hold.levels) {
      const h = this.held.get(l.subject);
      if (h && h.windowEnd === l.windowEnd) h.n++;
      else this.held.set(l.subject, { windowEnd: l.windowEnd, n: 1 });
    }
    return { ...result, hold };
  }

  /** Gives a place back (the attempt succeeded): nothing is written. */
  async release(hold: Hold): Promise<void> {
    this.unhold(hold);
  }

  /**
   * Keeps a place (the attempt failed), in every level whose window it was taken in is still
   * running: written before the Worker answers. A hold this instance does not know (the object
   * was evicted since) is counted all the same, in each level's current window.
   */
  async keep(hold: Hold, now: number): Promise<void> {
    this.unhold(hold);
    const live = hold.levels.filter((l) => now < l.windowEnd);
    for (const l of live) this.counter(l, now).count++;
    if (live.length) await this.write(now);
  }

  /** The end of the latest window written: forgets the ended levels, and wakes again for the others. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null;
    const all = this.all();
    let latest = 0;
    for (const [subject, c] of all) {
      if (now >= c.windowEnd) all.delete(subject);
      else if (c.count > 0 || c.refused) latest = Math.max(latest, c.windowEnd);
    }
    if (!latest) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.write(now);
  }
}
