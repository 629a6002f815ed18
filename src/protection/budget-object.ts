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
 * object handles one call at a time, and each call reads and writes its count without
 * awaiting anything in between. An alarm deletes the object when its window ends, so an
 * idle bucket costs nothing. See docs/storage-schema.md.
 */
export class BudgetCounter extends DurableObject {
  private static readonly KEY = "bucket";

  /** Takes one place if the budget has one left. `now` is the Worker's clock, so tests can move time. */
  async reserve(max: number, windowSeconds: number, now: number): Promise<ReserveResult> {
    const kv = this.ctx.storage.kv;
    let b = kv.get<Bucket>(BudgetCounter.KEY);
    if (!b || now >= b.windowEnd) {
      b = { count: 0, windowEnd: now + windowSeconds * 1000, refused: false };
      // The alarm runs on real time: schedule it the window's length from now.
      await this.ctx.storage.setAlarm(Date.now() + windowSeconds * 1000);
    }
    const retryAfter = Math.max(1, Math.ceil((b.windowEnd - now) / 1000));
    if (b.count + 1 > max) {
      const crossed = !b.refused;
      if (crossed) kv.put(BudgetCounter.KEY, { ...b, refused: true });
      return { allowed: false, retryAfter, remaining: 0, crossed };
    }
    kv.put(BudgetCounter.KEY, { ...b, count: b.count + 1 });
    return { allowed: true, retryAfter, remaining: max - b.count - 1, crossed: false };
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
