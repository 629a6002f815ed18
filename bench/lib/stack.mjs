// Builds the bench Workers with esbuild (as vitest.config.ts does for the emulator) and
// starts them in one local workerd through Miniflare 4 — not `wrangler dev`, whose Node
// proxy would be the bottleneck. Every Worker gets its own loopback socket
// (unsafeDirectSockets), so wrk reaches each one with no Miniflare entry Worker or Node
// proxy in between, the Worker and the emulator alike.
import { buildSync } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import { readDevVars } from "../../scripts/dev-vars.mjs";

export const OUT = "dist/bench";
export const COMPAT_DATE = "2026-07-01";
const HOST = "127.0.0.1";

function bundle(entry, outfile) {
  buildSync({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    // What wrangler resolves for Workers.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    // The runtime's own modules, as wrangler leaves them.
    external: ["cloudflare:*"],
    minify: true, // wrangler.toml: minify = true
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

export function buildAll() {
  return {
    app: bundle("src/index.ts", `${OUT}/app.js`),
    appBench: bundle("bench/worker-bench.ts", `${OUT}/app-bench.js`),
    bare: bundle("bench/bare-worker.ts", `${OUT}/bare.js`),
    // The project's in-memory twin of KV; its default export makes a namespace, which is
    // what a wrapped binding's module must export.
    memoryKv: bundle("src/storage/memory.ts", `${OUT}/memory-kv.js`),
    emulator: bundle("emulator/src/index.ts", `${OUT}/authlete-emulator.js`),
  };
}

/** [vars] of wrangler.toml's top level, read the way wrangler reads them. */
const wranglerVars = () => unstable_readConfig({ config: "wrangler.toml" }).vars;

/** The bench sends thousands of device authorizations from one address: these budgets never stop it. */
export const BENCH_BUDGET = "999999/600";

/**
 * Each Worker's own loopback origin.
 * @typedef {{ app: string, "app-bench": string, "app-memkv": string, bare: string, "authlete-emulator": string }} Urls
 */

/**
 * Workers: app (production entry), app-bench (bench/worker-bench.ts, clock from a header),
 * app-memkv (production entry, KV in its own isolate), bare (baselines), authlete-emulator.
 * @param {{ inspectorPort?: number }} opts inspectorPort: open workerd's inspector (0: any free port)
 * @returns {Promise<{ mf: Miniflare, urls: Urls, close: () => Promise<void> }>}
 */
export async function startStack({ inspectorPort } = {}) {
  const scripts = buildAll();
  const bindings = {
    ...wranglerVars(),
    ...readDevVars(),
    LIMIT_DEVICE_AUTHORIZATION_PER_IP: BENCH_BUDGET,
    LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: BENCH_BUDGET,
  };
  /** @param {string} name @param {string} scriptPath @param {string | null} kvId null: KV in the Worker's own isolate */
  const appWorker = (name, scriptPath, kvId) => ({
    name,
    modules: true,
    scriptPath,
    compatibilityDate: COMPAT_DATE,
    bindings,
    ...(kvId === null ? { wrappedBindings: { KV: { scriptName: "memory-kv" } } } : { kvNamespaces: { KV: kvId } }),
    serviceBindings: { AUTHLETE: "authlete-emulator" },
    // The budgets' Durable Objects, SQLite-backed as wrangler.toml's migration declares them.
    durableObjects: { BUDGETS: { className: "BudgetCounter", useSQLite: true } },
    unsafeDirectSockets: [{ host: HOST, port: 0 }],
  });
  const mf = new Miniflare({
    host: HOST,
    port: 0,
    inspectorPort,
    // In memory: nothing under .wrangler/state is touched.
    kvPersist: false,
    cachePersist: false,
    log: undefined,
    handleRuntimeStdio(stdout, stderr) {
      // The Worker logs one JSON line per decision; thousands per second would cost the
      // bench more than the Worker. Warnings and errors still show.
      const keep = (/** @type {unknown} */ chunk) =>
        String(chunk)
          .split("\n")
          .filter((l) => l.trim() && !l.includes('"level":"info"'))
          .forEach((l) => {
            process.stderr.write(`[workerd] ${l}\n`);
          });
      stdout.on("data", keep);
      stderr.on("data", keep);
    },
    workers: [
      appWorker("app", scripts.app, "bench-app"),
      appWorker("app-bench", scripts.appBench, "bench-app-sim"),
      // The production entry again, with KV held in its own isolate: a wrapped binding's
      // module runs inside the isolate that uses it, so this separates the Worker's own cost
      // from Miniflare's KV simulator (another Worker in the same workerd, far costlier per
      // call than a cached KV read on Cloudflare).
      appWorker("app-memkv", scripts.app, null),
      { name: "memory-kv", modules: true, scriptPath: scripts.memoryKv },
      {
        name: "bare",
        modules: true,
        scriptPath: scripts.bare,
        compatibilityDate: COMPAT_DATE,
        unsafeDirectSockets: [{ host: HOST, port: 0 }],
      },
      {
        name: "authlete-emulator",
        modules: true,
        scriptPath: scripts.emulator,
        compatibilityDate: COMPAT_DATE,
        unsafeDirectSockets: [{ host: HOST, port: 0 }],
      },
    ],
  });
  await mf.ready;
  const origin = async (/** @type {string} */ name) => (await mf.unsafeGetDirectURL(name)).origin;
  /** @type {Urls} */
  const urls = {
    app: await origin("app"),
    "app-bench": await origin("app-bench"),
    "app-memkv": await origin("app-memkv"),
    bare: await origin("bare"),
    "authlete-emulator": await origin("authlete-emulator"),
  };
  return { mf, urls, close: () => mf.dispose() };
}
