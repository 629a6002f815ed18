// Bench-only entry: the production app (src/app.ts) with a clock the bench controls and a
// counter on every binding it touches. Never built into the production entry (src/index.ts).
//
// Clock: each request may carry `X-Bench-Now: <epoch ms>`; the app reads the clock through
// `now()`, which returns the stamp of the request being served, so "30 s of polling" takes
// milliseconds. The clock is one module-level value, so the bench drives this entry with
// strictly sequential requests.
//
// Counts (bench/rows/operations.mjs reads them): every incoming request; KV get/put/delete/list
// (by key prefix, and the bytes × TTL each put may keep stored); every Durable Object RPC by
// binding and method (`BUDGETS.reserve`, `GRANTS.poll`, …, a user-code pointer's forwarded call
// to its grant included), the objects touched and the RPCs' wall time; inside the objects, the
// storage calls Cloudflare bills as SQLite rows, and the alarms left to run; Authlete calls by
// API (the /api/{serviceId} prefix stripped); and every other outbound fetch (the OpenID
// providers), by path. The Worker and its Durable Objects share one isolate here, so one
// module-level record sees both. `GET /_bench/counts` answers them, `POST /_bench/counts/reset` starts afresh;
// neither is counted.
import { createApp } from "../src/app";
import { DeviceGrant as ProductionDeviceGrant } from "../src/grant/object";
import { BudgetCounter as ProductionBudgetCounter } from "../src/protection/budget-object";
import { ReportedNetwork as ProductionReportedNetwork } from "../src/protection/reported-network-object";

type KvOp = "get" | "put" | "delete" | "list";
const KV_OPS: Record<string, KvOp> = { get: "get", getWithMetadata: "get", put: "put", delete: "delete", list: "list" };

function freshCounts() {
  return {
    requests: 0,
    kv: { get: 0, put: 0, delete: 0, list: 0 } as Record<KvOp, number>,
    kvByPrefix: {} as Record<string, Record<KvOp, number>>,
    /** Σ (key + value bytes) × expirationTtl over the puts: an upper bound of what they keep stored (a delete may end one sooner). */
    kvStoredByteSeconds: 0,
    /** `{binding}.{method}` → RPC calls. */
    doCalls: {} as Record<string, number>,
    /** `{binding}:{name}` → for a budget, its window in seconds (the name is `{limit}/{max}/{window}/{mac}`); 0 for a grant. */
    doObjects: {} as Record<string, number>,
    /** Wall time of the RPCs as the Worker saw them (performance.now, which moves with I/O here), ms. */
    doWallMs: 0,
    /** Inside the objects: storage calls as Cloudflare bills SQLite-backed objects (1 row per key read or written, setAlarm 1 row written). */
    doRows: { read: 0, written: 0 },
    doStorage: {} as Record<string, number>,
    /** Alarms set and not deleted: each will run once (one request, deleteAll) when a budget window ends or a code expires. */
    doAlarms: 0,
    /** Σ seconds until those alarms: how long each keeps its object's storage. */
    doAlarmSeconds: 0,
    /** Object id → seconds of its alarm counted above, so a later setAlarm or deleteAlarm corrects it. */
    alarmsByObject: {} as Record<string, number>,
    authlete: {} as Record<string, number>,
    outbound: {} as Record<string, number>,
  };
}
let counts = freshCounts();

const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

/** Calls every function of `target` on `target` itself (bindings refuse another `this`), after `before`. */
function counted<T extends object>(target: T, before: (method: string, args: unknown[]) => void): T {
  return new Proxy(target, {
    get(t, p) {
      const v = Reflect.get(t, p);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        before(String(p), args);
        return Reflect.apply(v as (...a: unknown[]) => unknown, t, args);
      };
    },
  });
}

function countedKv(kv: KVNamespace): KVNamespace {
  return counted(kv, (method, args) => {
    const op = KV_OPS[method];
    if (!op) return;
    counts.kv[op]++;
    const prefix = typeof args[0] === "string" ? (args[0].split(":")[0] ?? "") : "(list)";
    const byPrefix = counts.kvByPrefix[prefix] ?? { get: 0, put: 0, delete: 0, list: 0 };
    counts.kvByPrefix[prefix] = byPrefix;
    byPrefix[op]++;
    if (op === "put") {
      const ttl = (args[2] as { expirationTtl?: number } | undefined)?.expirationTtl ?? 0;
      const bytes = String(args[0]).length + (typeof args[1] === "string" ? args[1].length : 0);
      counts.kvStoredByteSeconds += bytes * ttl;
    }
  });
}

/** Each `getByName(name)` stub's RPCs counted by binding and method, and timed; the object's name kept. */
function countedNamespace(ns: DurableObjectNamespace, binding: string): DurableObjectNamespace {
  return new Proxy(ns, {
    get(t, p) {
      const v = Reflect.get(t, p);
      if (typeof v !== "function") return v;
      if (p !== "getByName") return (v as (...a: unknown[]) => unknown).bind(t);
      return (name: string) => {
        counts.doObjects[`${binding}:${name}`] = binding === "BUDGETS" ? Number(name.split("/")[2]) || 0 : 0;
        const stub = (v as (n: string) => object).call(t, name);
        return new Proxy(stub, {
          get(s, m) {
            const rpc = Reflect.get(s, m);
            if (typeof rpc !== "function" || typeof m !== "string" || m === "then") return rpc;
            return async (...args: unknown[]) => {
              bump(counts.doCalls, `${binding}.${m}`);
              const t0 = performance.now();
              try {
                // Reflect.apply: a stub answers every property, `apply` included, with an RPC.
                return await Reflect.apply(rpc as (...a: unknown[]) => Promise<unknown>, s, args);
              } finally {
                counts.doWallMs += performance.now() - t0;
              }
            };
          },
        });
      };
    },
  });
}

function countedAuthlete(binding: Fetcher): Fetcher {
  return counted(binding, (method, args) => {
    if (method !== "fetch") return;
    const input = args[0];
    const url = new URL(typeof input === "string" ? input : input instanceof Request ? input.url : String(input));
    bump(counts.authlete, url.pathname.replace(/^\/api\/(\d+\/)?/, ""));
  });
}

// Outbound calls that are not Authlete's: the OpenID providers (discovery, JWKS, token, userinfo).
const realFetch = globalThis.fetch;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  bump(counts.outbound, url.pathname.endsWith("/.well-known/openid-configuration") ? "discovery" : (url.pathname.split("/").pop() ?? url.pathname));
  return realFetch(input, init);
};

/**
 * An object's storage counted as Cloudflare bills SQLite-backed objects: each key read or
 * written by `ctx.storage.kv` one row, each setAlarm and deleteAlarm one row written, each
 * deleteAll outside an alarm one row written (an object keeps one key; the alarms' own
 * deleteAll is priced in row 8, once per alarm left to run). `ctx` is an own property of a
 * Durable Object, so it is replaced after the base constructor has checked the real one.
 */
function countStorage(object: object, ctx: DurableObjectState, inAlarm: () => boolean): void {
  const rows = (read: number, written: number) => {
    counts.doRows.read += read;
    counts.doRows.written += written;
  };
  const id = ctx.id.toString();
  const kv = counted(ctx.storage.kv, (method) => {
    bump(counts.doStorage, `kv.${method}`);
    if (method === "get") rows(1, 0);
    else if (method === "put" || method === "delete") rows(0, 1);
  });
  const forget = () => {
    const before = counts.alarmsByObject[id];
    if (before === undefined) return;
    counts.doAlarms--;
    counts.doAlarmSeconds -= before;
    delete counts.alarmsByObject[id];
  };
  const storage = new Proxy(ctx.storage, {
    get(t, p) {
      if (p === "kv") return kv;
      const v = Reflect.get(t, p);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        bump(counts.doStorage, String(p));
        if (p === "setAlarm") {
          rows(0, 1);
          forget();
          const seconds = Math.max(0, (Number(args[0]) - Date.now()) / 1000);
          counts.alarmsByObject[id] = seconds;
          counts.doAlarms++;
          counts.doAlarmSeconds += seconds;
        } else if (p === "deleteAlarm") {
          rows(0, 1);
          forget();
        } else if (p === "deleteAll" && !inAlarm()) {
          rows(0, 1);
        }
        return Reflect.apply(v as (...a: unknown[]) => unknown, t, args);
      };
    },
  });
  const state = new Proxy(ctx, {
    get(t, p) {
      if (p === "storage") return storage;
      const v = Reflect.get(t, p);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  Object.defineProperty(object, "ctx", { value: state });
}

// biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes whatever its base takes (TypeScript requires any[] here).
type ObjectClass = new (...args: any[]) => { alarm(): Promise<void> };

/**
 * A production Durable Object class with its storage counted, an alarm's work counted as the
 * alarm's, and its `env` adapted first (`adapt`), so the bench runs the classes unchanged.
 */
function countedClass<C extends ObjectClass>(Base: C, adapt: (env: never) => unknown = (env) => env) {
  return class extends Base {
    alarming = false;
    // biome-ignore lint/suspicious/noExplicitAny: see ObjectClass.
    constructor(...[ctx, env]: any[]) {
      super(ctx, adapt(env as never));
      countStorage(this, ctx, () => this.alarming);
    }
    override async alarm(): Promise<void> {
      this.alarming = true;
      await super.alarm();
    }
  };
}

/** The budgets' class, counted. */
export const BudgetCounter = countedClass(ProductionBudgetCounter);
/** The grants' class, counted, with a pointer's call to its grant counted as the request it is. */
export const DeviceGrant = countedClass(ProductionDeviceGrant, (env: { GRANTS: DurableObjectNamespace }) => ({
  ...env,
  GRANTS: countedNamespace(env.GRANTS, "GRANTS"),
}));
/** The watch list's class, counted. */
export const ReportedNetwork = countedClass(ProductionReportedNetwork);

let clock: number | null = null;
const app = createApp({ now: () => clock ?? Date.now() });

type BenchEnv = {
  KV: KVNamespace;
  BUDGETS: DurableObjectNamespace;
  GRANTS: DurableObjectNamespace;
  REPORTED_NETWORKS: DurableObjectNamespace;
  AUTHLETE?: Fetcher;
} & Record<string, unknown>;
/** The app caches its services per env object, so each real env gets one counted twin, kept. */
const twins = new WeakMap<object, BenchEnv>();
function countedEnv(env: BenchEnv): BenchEnv {
  let twin = twins.get(env);
  if (!twin) {
    twin = {
      ...env,
      KV: countedKv(env.KV),
      BUDGETS: countedNamespace(env.BUDGETS, "BUDGETS"),
      GRANTS: countedNamespace(env.GRANTS, "GRANTS"),
      REPORTED_NETWORKS: countedNamespace(env.REPORTED_NETWORKS, "REPORTED_NETWORKS"),
      ...(env.AUTHLETE ? { AUTHLETE: countedAuthlete(env.AUTHLETE) } : {}),
    };
    twins.set(env, twin);
  }
  return twin;
}

export default {
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext) {
    const path = new URL(request.url).pathname;
    if (path === "/_bench/counts") {
      const { alarmsByObject: _, ...shown } = counts;
      return Response.json(shown);
    }
    if (path === "/_bench/counts/reset" && request.method === "POST") {
      counts = freshCounts();
      return Response.json({ reset: true });
    }
    counts.requests++;
    const stamp = request.headers.get("X-Bench-Now");
    clock = stamp !== null && /^\d{1,16}$/.test(stamp) ? Number(stamp) : null;
    return app.fetch(request, countedEnv(env) as never, ctx);
  },
};
