import { type KeyValue, KV_MIN_TTL_SECONDS } from "./kv";

/** One write (or delete: value null) of a key, where and when it was made. */
interface Version {
  value: string | null;
  expiresAt: number;
  writtenAt: number;
  location: string;
}

/** How long a write takes to reach the other locations: Cloudflare says up to about 60 s. */
export const KV_REPLICATION_LAG_MS = 60_000;

/**
 * Workers KV's twin in memory, for the bench and unit tests: the same slice of the API
 * (storage/kv.ts `KeyValue`) with KV's rules that matter to us: strings only, a TTL of at
 * least 60 s, expiry by the clock, and eventual consistency between locations. `at(location)`
 * gives a view of the same namespace from another Cloudflare location: a write or a delete
 * is visible at once where it was made and `lagMs` later everywhere else (on the clock given,
 * so a test moves it by hand). A namespace used from one location alone behaves as a plain
 * store.
 */
export class MemoryKv implements KeyValue {
  constructor(
    private readonly now: () => number = Date.now,
    readonly location = "here",
    private readonly versions = new Map<string, Version[]>(),
    private readonly lagMs = KV_REPLICATION_LAG_MS,
  ) {}

  /** The same namespace as seen from `location`. */
  at(location: string): MemoryKv {
    return new MemoryKv(this.now, location, this.versions, this.lagMs);
  }

  /** The newest version this location can see: its own writes at once, the others' once replicated. */
  private visible(key: string): Version | undefined {
    const now = this.now();
    const all = this.versions.get(key) ?? [];
    for (let i = all.length - 1; i >= 0; i--) {
      const v = all[i]!;
      if (v.location === this.location || v.writtenAt + this.lagMs <= now) return v;
    }
    return undefined;
  }

  async get(key: string, type: "json"): Promise<unknown>;
  async get(key: string): Promise<string | null>;
  async get(key: string, type?: "json"): Promise<unknown> {
    const v = this.visible(key);
    if (!v || v.value === null || v.expiresAt <= this.now()) return null;
    return type === "json" ? JSON.parse(v.value) : v.value;
  }

  async put(key: string, value: string, options: { expirationTtl: number }): Promise<void> {
    if (typeof value !== "string") throw new TypeError("MemoryKv stores strings only");
    if (!(options.expirationTtl >= KV_MIN_TTL_SECONDS))
      throw new RangeError(`Invalid expiration_ttl of ${options.expirationTtl}. Expiration TTL must be at least ${KV_MIN_TTL_SECONDS}.`);
    this.write(key, value, this.now() + options.expirationTtl * 1000);
  }

  async delete(key: string): Promise<void> {
    this.write(key, null, Number.POSITIVE_INFINITY);
  }

  private write(key: string, value: string | null, expiresAt: number): void {
    const now = this.now();
    // Versions every location already sees behind a newer one can never be read again.
    const kept = (this.versions.get(key) ?? []).filter((_, i, all) => !all.slice(i + 1).some((w) => w.writtenAt + this.lagMs <= now));
    kept.push({ value, expiresAt, writtenAt: now, location: this.location });
    this.versions.set(key, kept);
  }

  /** Live keys starting with `prefix` as this location sees them, like KV's list (tests read it to check what was stored). */
  keys(prefix = ""): string[] {
    const now = this.now();
    return [...this.versions.keys()].filter((k) => {
      const v = k.startsWith(prefix) ? this.visible(k) : undefined;
      return v !== undefined && v.value !== null && v.expiresAt > now;
    });
  }
}
