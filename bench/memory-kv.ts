// Bench only: a KV namespace held in the Worker's own isolate (a Miniflare wrapped binding,
// whose module runs inside the isolate that uses it). It isolates the Worker's own cost from
// Miniflare's KV simulator — another Worker in the same workerd, far costlier per call than
// a cached KV read on Cloudflare. Implements only what src/ uses: get (text/json), put with
// expirationTtl, delete. Never deployed.
interface Entry {
  value: string;
  expiresAt: number | null;
}

type GetType = "text" | "json" | { type?: "text" | "json" } | undefined;

class MemoryKV {
  private readonly map = new Map<string, Entry>();

  async get(key: string, type?: GetType): Promise<unknown> {
    const e = this.map.get(key);
    if (e === undefined) return null;
    if (e.expiresAt !== null && Date.now() >= e.expiresAt) {
      this.map.delete(key);
      return null;
    }
    const kind = typeof type === "object" ? type.type : type;
    return kind === "json" ? JSON.parse(e.value) : e.value;
  }

  async put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void> {
    if (typeof value !== "string") throw new TypeError("MemoryKV stores strings only");
    const ttl = options?.expirationTtl;
    this.map.set(key, { value, expiresAt: ttl ? Date.now() + ttl * 1000 : null });
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}

export default function makeBinding(): MemoryKV {
  return new MemoryKV();
}
