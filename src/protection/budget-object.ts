import { DurableObject } from "cloudflare:workers";

/** What one budget bucket holds: the events counted in the current window. */
interface Bucket {
  count: number;
  /** Epoch ms (the caller's clock) when the window ends. */
  windowEnd: number;
  /** Whether this window has refused anything yet (the first refusal is worth an alert). */
  refused: boolean;
}

export interface ReserveResult {
  allowed: boolean;
  /** Seconds until the window ends. */
  retryAfter: number;
  /** Events still allowed in this window after this one. */
  remaining: number;
  /** The first refusal of the window. */
  crossed: boolean;
}

/**
 * One budget bucket (a limit and one keyed subject) as a Durable Object, so an attempt is
 * counted before any work is done and no two attempts can both take the last place: the
 * SQLite-backed storage's `kv` API is synchronous, so each call reads its count, decides and
 * writes in one stretch of JavaScript, and an object runs one stretch of JavaScript at a time;
 * nothing is awaited until the count is written. An alarm deletes the object when its window
 * ends, so an idle bucket costs nothing. See docs/storage-schema.md.
 */
export class BudgetCounter extends DurableObject {
  private static readonly KEY = "bucket";

  /** Takes one place if the budget has one left. `now` is the Worker's clock, so tests can move time. */
  async reserve(max: number, windowSeconds: number, now: number): Promise<ReserveResult> {
    const kv = this.ctx.storage.kv;
    const stored = kv.get<Bucket>(BudgetCounter.KEY);
    const fresh = !stored || now >= stored.windowEnd;
    const b = fresh ? { count: 0, windowEnd: now + windowSeconds * 1000, refused: false } : stored;
    const retryAfter = Math.max(1, Math.ceil((b.windowEnd - now) / 1000));
    let result: ReserveResult;
    if (b.count + 1 > max) {
      const crossed = !b.refused;
      if (crossed) kv.put(BudgetCounter.KEY, { ...b, refused: true });
      result = { allowed: false, retryAfter, remaining: 0, crossed };
    } else {
      kv.put(BudgetCounter.KEY, { ...b, count: b.count + 1 });
      result = { allowed: true, retryAfter, remaining: max - b.count - 1, crossed: false };
    }
    // A new window (always written above) gets its alarm, on real time: the window's length from
    // now. Awaited only after the write; meanwhile the input gate holds other calls back anyway
    // (while a storage operation, setAlarm included, is in flight, no event but its completion
    // is delivered to the object).
    if (fresh) await this.ctx.storage.setAlarm(Date.now() + windowSeconds * 1000);
    return result;
  }

  /** Gives one place back (the attempt succeeded); never below zero, never into a later window. */
  async release(now: number): Promise<void> {
    const kv = this.ctx.storage.kv;
    const b = kv.get<Bucket>(BudgetCounter.KEY);
    if (b && now < b.windowEnd && b.count > 0) kv.put(BudgetCounter.KEY, { ...b, count: b.count - 1 });
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
