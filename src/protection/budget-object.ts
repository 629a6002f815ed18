import { DurableObject } from "cloudflare:workers";

/** What one budget bucket stores: the failures kept in the current window. */
interface Bucket {
  count: number;
  /** Epoch ms (the caller's clock) when the window ends. */
  windowEnd: number;
  /** Whether this window has refused anything yet (the first refusal is worth an alert). */
  refused: boolean;
}

/** A place taken and not yet settled: the attempt's outcome gives it back (`release`) or keeps it (`keep`). */
export interface Hold {
  id: string;
  /** The window it was taken in (the caller's clock): settled after that window, it changes nothing. */
  windowEnd: number;
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

/** A reservation as the object answers it: a hold to settle, or none (refused, or counted at once). */
export interface Reserved extends ReserveResult {
  hold: Hold | null;
}

/**
 * One budget bucket (a limit and one keyed subject) as a Durable Object, so an attempt takes
 * its place before any work is done and no two attempts can both take the last one: the object
 * runs one call at a time, and each call decides with no await before its decision is made.
 *
 * A place is taken in memory and written only when it is kept. Most attempts succeed (a valid
 * code, the right password) and give their place back, so a success writes nothing: no row,
 * no alarm. A failure is written by `keep`, which the Worker awaits before it answers, so a
 * guess whose outcome anyone saw is on disk. While the object is in memory, an unsettled place
 * counts exactly like a kept one, so the budget holds under any concurrency. What an eviction
 * of the object (a restart; hibernation after seconds of idleness, which a busy bucket never
 * reaches) costs: the places in flight at that moment are forgotten, so at most `max` more
 * attempts can be let through while those are still running; their `keep` still counts them,
 * and the bucket is over budget once they land. An attempt that never settles (the client
 * went away, the Worker was stopped) was never answered, so it taught the guesser nothing.
 * An alarm deletes the stored bucket when its window ends. See docs/storage-schema.md.
 */
export class BudgetCounter extends DurableObject {
  private static readonly KEY = "bucket";

  /** The current window as this instance knows it, and whether it has been written. */
  private bucket: (Bucket & { written: boolean }) | null = null;
  /** Places taken in the current window and not yet settled: memory only. */
  private readonly holds = new Set<string>();
  /** Hold ids are unique per instance, so a settlement from before an eviction never matches a later hold. */
  private readonly instance = crypto.randomUUID();
  private next = 0;

  private current(now: number, windowSeconds: number): Bucket & { written: boolean } {
    if (!this.bucket) {
      const stored = this.ctx.storage.kv.get<Bucket>(BudgetCounter.KEY);
      if (stored) this.bucket = { ...stored, written: true };
    }
    if (!this.bucket || now >= this.bucket.windowEnd) {
      this.bucket = { count: 0, windowEnd: now + windowSeconds * 1000, refused: false, written: false };
      this.holds.clear();
    }
    return this.bucket;
  }

  /**
   * Writes the bucket (synchronously: the caller has decided before anything is awaited). The
   * first write of a window sets its alarm, on real time: the window's remaining length from now.
   * While setAlarm is in flight the input gate holds other calls back anyway.
   */
  private async write(b: Bucket & { written: boolean }, now: number): Promise<void> {
    this.ctx.storage.kv.put<Bucket>(BudgetCounter.KEY, { count: b.count, windowEnd: b.windowEnd, refused: b.refused });
    if (b.written) return;
    b.written = true;
    await this.ctx.storage.setAlarm(Date.now() + Math.max(0, b.windowEnd - now));
  }

  /**
   * Takes one place if the budget has one left. `now` is the Worker's clock, so tests can move
   * time. `counted`: the place is kept at once (a request that counts whatever its outcome).
   */
  async reserve(max: number, windowSeconds: number, now: number, counted = false): Promise<Reserved> {
    const b = this.current(now, windowSeconds);
    const retryAfter = Math.max(1, Math.ceil((b.windowEnd - now) / 1000));
    const taken = b.count + this.holds.size;
    if (taken + 1 > max) {
      const crossed = !b.refused;
      b.refused = true;
      if (crossed) await this.write(b, now);
      return { allowed: false, retryAfter, remaining: 0, crossed, hold: null };
    }
    const result = { allowed: true, retryAfter, remaining: max - taken - 1, crossed: false };
    if (counted) {
      b.count++;
      await this.write(b, now);
      return { ...result, hold: null };
    }
    const id = `${this.instance}/${this.next++}`;
    this.holds.add(id);
    return { ...result, hold: { id, windowEnd: b.windowEnd } };
  }

  /** Gives a place back (the attempt succeeded): nothing is written. */
  async release(hold: Hold): Promise<void> {
    this.holds.delete(hold.id);
  }

  /**
   * Keeps a place (the attempt failed): written before the Worker answers. A hold this instance
   * does not know (the object was evicted since) is counted all the same, in the current window.
   */
  async keep(hold: Hold, windowSeconds: number, now: number): Promise<void> {
    if (now >= hold.windowEnd) return;
    const b = this.current(now, windowSeconds);
    this.holds.delete(hold.id);
    b.count++;
    await this.write(b, now);
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
    // The window the alarm was set for has ended; a newer one not yet written is kept in memory.
    if (this.bucket?.written) this.bucket = null;
  }
}
