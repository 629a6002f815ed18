import { type KeyValue, KV_MIN_TTL_SECONDS } from "./kv";

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * Workers KV's twin in memory, for the bench and unit tests: the same slice of the API
 * (storage/kv.ts `KeyValue`) with KV's rules that matter to us: strings only, a TTL of at
 * least 60 s, expiry by the clock. It has none of KV's replication lag; tests of that live
 * against real KV.
 */
export class MemoryKv implements KeyValue {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string, type: "json"): Promise<unknown>;
  async get(key: string): Promise<string | null>;
  async get(key: string, type?: "json"): Promise<unknown> {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return type === "json" ? JSON.parse(e.value) : e.value;
  }

  async put(key: string, value: string, options: { expirationTtl: number }): Promise<void> {
    if (typeof value !== "string") throw new TypeError("MemoryKv stores strings only");
    if (!(options.expirationTtl >= KV_MIN_TTL_SECONDS))
      throw new RangeError(`Invalid expiration_ttl of ${options.expirationTtl}. Expiration TTL must be at least ${KV_MIN_TTL_SECONDS}.`);
    this.entries.set(key, { value, expiresAt: this.now() + options.expirationTtl * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Live keys starting with `prefix`, like KV's list (tests read it to check what was stored). */
  keys(prefix = ""): string[] {
    return [...this.entries].filter(([k, e]) => k.startsWith(prefix) && e.expiresAt > this.now()).map(([k]) => k);
  }
}
