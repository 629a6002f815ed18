// Bench-only entry `app-memkv`: the production entry (src/index.ts) unchanged, with its KV held in
// this isolate (src/storage/memory.ts) instead of Miniflare's KV simulator, which is another Worker
// in the same workerd and far costlier per call than a cached KV read on Cloudflare. What is left
// is the Worker's own cost. Never deployed.
import type { Env } from "../src/config";
import production from "../src/index";
import { MemoryKv } from "../src/storage/memory";

const kv = new MemoryKv();

/** The app caches its services per env object, so each real env gets one twin, kept. */
const twins = new WeakMap<object, Env>();

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    let twin = twins.get(env);
    if (!twin) {
      // MemoryKv has the slice of KVNamespace the Worker uses (src/storage/kv.ts KeyValue).
      twin = { ...env, KV: kv as unknown as KVNamespace };
      twins.set(env, twin);
    }
    return production.fetch(request, twin, ctx);
  },
};
