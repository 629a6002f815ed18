import type { KeyedHash } from "../crypto";

/**
 * The one seam between the Worker and Workers KV (docs/storage-schema.md): it names every key
 * prefix, hashes every subject with the Worker's secret before it becomes part of a key (never
 * a raw code, token, session id, address or username, nor a plain hash of one), serialises values as JSON and clamps every TTL to KV's
 * 60-second minimum. Stores get a typed table each and never spell a key themselves. (Budgets
 * are not here: KV cannot count atomically; they live in Durable Objects, protection/limiter.ts.
 * Nor is anything about a device grant: its two sides are read far from where they were
 * written, which KV's replication cannot promise; each grant has a Durable Object, grant/.)
 */

/** The slice of Workers KV this project uses. A KVNamespace satisfies it, and so does MemoryKv (storage/memory.ts). */
export interface KeyValue {
  get(key: string, type: "json"): Promise<unknown>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

export const KV_MIN_TTL_SECONDS = 60;

export function clampTtl(seconds: number): number {
  return Math.max(KV_MIN_TTL_SECONDS, Math.ceil(Number.isFinite(seconds) ? seconds : KV_MIN_TTL_SECONDS));
}

/** Every key prefix the Worker writes, and what lives under it. */
export const PREFIXES = {
  /** One verification in progress in one browser (session/flow.ts). */
  flow: "vflow",
  /** A signed-in browser (session/sign-in.ts). */
  signIn: "signin",
  /** An OpenID login's state that has reached the callback once: a replay is refused (session/login.ts). */
  usedLogin: "ologin",
} as const;

export type Prefix = keyof typeof PREFIXES;

/**
 * One kind of record: values of type T, keyed by a subject that is hashed first. During an
 * EDGE_SECRET rotation a record is written under the current secret's key and read under
 * either (the current first); a delete removes both.
 */
export interface Table<T> {
  /** The key a record is written under (the current secret's). */
  key(subject: string): Promise<string>;
  get(subject: string): Promise<T | null>;
  put(subject: string, value: T, ttlSeconds: number): Promise<void>;
  delete(subject: string): Promise<void>;
}

export class Storage {
  constructor(
    private readonly kv: KeyValue,
    private readonly keyed: KeyedHash,
  ) {}

  table<T>(prefix: Prefix): Table<T> {
    const kv = this.kv;
    const key = async (subject: string) => `${PREFIXES[prefix]}:${await this.keyed.mac(prefix, subject)}`;
    // Every key the record may be under, the current secret's first (one unless EDGE_SECRET_PREVIOUS is set).
    const keys = async (subject: string) => (await this.keyed.macs(prefix, subject)).map((m) => `${PREFIXES[prefix]}:${m}`);
    return {
      key,
      get: async (subject) => {
        for (const k of await keys(subject)) {
          const value = await kv.get(k, "json");
          if (value !== null) return value as T;
        }
        return null;
      },
      put: async (subject, value, ttlSeconds) => kv.put(await key(subject), JSON.stringify(value), { expirationTtl: clampTtl(ttlSeconds) }),
      delete: async (subject) => {
        await Promise.all((await keys(subject)).map((k) => kv.delete(k)));
      },
    };
  }
}
