// Builds the bench Workers with esbuild (as vitest.config.ts does for the emulator) and
// starts them in one local workerd through Miniflare — not `wrangler dev`, whose Node
// proxy would be the bottleneck. Every Worker gets its own loopback socket
// (unsafeDirectSockets), so wrk reaches each one with no Miniflare entry Worker or Node
// proxy in between, the Worker and the emulator alike.
import { createServer } from "node:net";
import { buildSync } from "esbuild";

import { unstable_readConfig } from "wrangler";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { startMiniflare } from "../../scripts/lib/workers.mjs";

export const OUT = "dist/bench";
export const COMPAT_DATE = "2026-07-01";
const HOST = "127.0.0.1";

/** Bundles a Worker as wrangler would (the same resolution, minified, names kept); returns `outfile`. */
export function bundle(entry, outfile) {
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
    keepNames: true, // wrangler's default, which wrangler.toml keeps
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

export function buildAll() {
  return {
    app: bundle("src/index.ts", `${OUT}/app.js`),
    appBench: bundle("bench/worker-bench.ts", `${OUT}/app-bench.js`),
    proxy: bundle("bench/proxy-worker.ts", `${OUT}/proxy.js`),
    bare: bundle("bench/bare-worker.ts", `${OUT}/bare.js`),
    appMemKv: bundle("bench/memkv-worker.ts", `${OUT}/app-memkv.js`),
    emulator: bundle("emulator/src/index.ts", `${OUT}/authlete-emulator.js`),
  };
}

/** [vars] of wrangler.toml's top level, read the way wrangler reads them. */
const wranglerVars = () => unstable_readConfig({ config: "wrangler.toml" }).vars;

/** The bench sends thousands of device authorizations from one address: these budgets never stop it. */
export const BENCH_BUDGET = "999999/600";

/**
 * Each Worker's own loopback origin; the OpenID-configured ones only when the stack was given an IdP.
 * @typedef {{ app: string, "app-bench": string, "app-memkv": string, "app-passthrough": string, proxy: string, bare: string, "authlete-emulator": string,
 *   "app-oidc"?: string, "app-bench-oidc"?: string }} Urls
 */

/**
 * Sign-in at an upstream OpenID provider (AUTHENTICATOR=oidc, the built-in users beside it):
 * each Worker gets its own issuer, so nothing one caches serves the other.
 * @typedef {{ issuers: { "app-oidc": string, "app-bench-oidc": string }, clientId: string, clientSecret: string }} OidcSetup
 */

/** The provider's id in OIDC_PROVIDERS (the sign-in form posts it). */
export const OIDC_PROVIDER_ID = "bench";

/**
 * The production Durable Object bindings (wrangler.toml), SQLite-backed as its migrations declare
 * them; `scriptName`: the Worker whose classes serve them, when not the Worker's own.
 * @param {string} [scriptName]
 */
const durableObjects = (scriptName) =>
  Object.fromEntries(
    Object.entries({ BUDGETS: "BudgetCounter", GRANTS: "DeviceGrant", REPORTED_NETWORKS: "ReportedNetwork" }).map(([binding, className]) => [
      binding,
      { className, useSQLite: true, ...(scriptName ? { scriptName } : {}) },
    ]),
  );

/** A free loopback port, for a Worker whose own URL must be in its bindings (OIDC_REDIRECT_URI). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, HOST, () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/**
 * Workers: app (production entry), app-bench (bench/worker-bench.ts: clock from a header, every
 * binding counted), app-memkv (production entry, KV in its own isolate), app-passthrough (production
 * entry, POLL_PASS_THROUGH_SECONDS=0: every compliant poll to Authlete), proxy (the plain proxy
 * an operator could write instead, bench/proxy-worker.ts), bare (baselines), authlete-emulator;
 * with `oidc`, also app-oidc and app-bench-oidc (the same two entries signing people in at that IdP).
 * @param {{ inspectorPort?: number, oidc?: OidcSetup }} opts inspectorPort: open workerd's inspector (0: any free port)
 * @returns {Promise<{ mf: import("miniflare").Miniflare, urls: Urls, close: () => Promise<void> }>}
 */
export async function startStack({ inspectorPort, oidc } = {}) {
  const scripts = buildAll();
  const bindings = {
    ...wranglerVars(),
    ...readDevVars(),
    LIMIT_DEVICE_AUTHORIZATION_PER_IP: BENCH_BUDGET,
    LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: BENCH_BUDGET,
  };
  /**
   * @param {string} name @param {string} scriptPath @param {string | null} kvId null: no KV binding (the entry holds its own)
   * @param {{ port?: number, vars?: Record<string, string>, ownObjects?: boolean }} [extra] a fixed port, more variables;
   *   ownObjects: the Durable Objects (budgets, grants) in this Worker's own isolate (the counting entry, whose
   *   counters must see inside them) rather than in the `objects` Worker
   */
  const appWorker = (name, scriptPath, kvId, extra = {}) => ({
    name,
    modules: true,
    scriptPath,
    compatibilityDate: COMPAT_DATE,
    bindings: { ...bindings, ...extra.vars },
    ...(kvId === null ? {} : { kvNamespaces: { KV: kvId } }),
    serviceBindings: { AUTHLETE: "authlete-emulator" },
    // The Durable Objects (budgets, grants), SQLite-backed as wrangler.toml's migrations declare
    // them. On Cloudflare they run apart from the Worker, so the production entries reach them in
    // another isolate (the `objects` Worker) and the CPU row's profile of a Worker holds none of their work.
    durableObjects: durableObjects(extra.ownObjects ? undefined : "objects"),
    unsafeDirectSockets: [{ host: HOST, port: extra.port ?? 0 }],
  });
  /** @type {ReturnType<typeof appWorker>[]} */
  const oidcWorkers = [];
  if (oidc) {
    for (const [name, scriptPath] of /** @type {const} */ ([
      ["app-oidc", scripts.app],
      ["app-bench-oidc", scripts.appBench],
    ])) {
      const port = await freePort();
      const vars = {
        AUTHENTICATOR: "oidc",
        OIDC_PROVIDERS: JSON.stringify([{ id: OIDC_PROVIDER_ID, label: "Bench IdP", issuer: oidc.issuers[name], client_id: oidc.clientId }]),
        OIDC_REDIRECT_URI: `http://${HOST}:${port}/device/callback/{id}`,
        [`OIDC_CLIENT_SECRET_${OIDC_PROVIDER_ID.toUpperCase()}`]: oidc.clientSecret,
      };
      oidcWorkers.push(appWorker(name, scriptPath, `bench-${name}`, { port, vars, ownObjects: name === "app-bench-oidc" }));
    }
  }
  // Storage in memory (no resourcePersistencePath): nothing under .wrangler/state is touched.
  const mf = startMiniflare({
    host: HOST,
    port: 0,
    inspectorPort,
    log: undefined,
    // The Worker logs one JSON line per decision; thousands per second would cost the bench
    // more than the Worker. Warnings and errors still show.
    handleStructuredLogs({ message }) {
      if (message.trim() && !message.includes('"level":"info"')) process.stderr.write(`[workerd] ${message}\n`);
    },
    workers: [
      // demo-device's grants bound to a DPoP key when its device authorization brings a proof
      // (CLIENT_POLICY dpop, row 5's DPoP-bound poll); requests without one are served as before.
      appWorker("app", scripts.app, "bench-app", { vars: { CLIENT_POLICY: JSON.stringify({ 1001: { dpop: "bind" } }) } }),
      appWorker("app-bench", scripts.appBench, "bench-app-sim", { ownObjects: true }),
      // The production classes, serving the production entries' BUDGETS, GRANTS and REPORTED_NETWORKS from an isolate of their own.
      {
        name: "objects",
        modules: true,
        scriptPath: scripts.app,
        compatibilityDate: COMPAT_DATE,
        durableObjects: durableObjects(),
      },
      // The production entry again, with KV held in its own isolate (bench/memkv-worker.ts): the
      // Worker's own cost without Miniflare's KV simulator (another Worker in the same workerd,
      // far costlier per call than a cached KV read on Cloudflare).
      appWorker("app-memkv", scripts.appMemKv, null),
      // The production entry with POLL_PASS_THROUGH_SECONDS=0: every compliant poll reaches Authlete,
      // as before the grants' objects answered pending at the edge (row 1's pass-through side, row 5).
      appWorker("app-passthrough", scripts.app, "bench-app-passthrough", { vars: { POLL_PASS_THROUGH_SECONDS: "0" } }),
      ...oidcWorkers,
      {
        name: "proxy",
        modules: true,
        scriptPath: scripts.proxy,
        compatibilityDate: COMPAT_DATE,
        bindings: { AUTHLETE_SERVICE_ID: bindings.AUTHLETE_SERVICE_ID ?? "", AUTHLETE_SERVICE_ACCESS_TOKEN: bindings.AUTHLETE_SERVICE_ACCESS_TOKEN ?? "" },
        serviceBindings: { AUTHLETE: "authlete-emulator" },
        unsafeDirectSockets: [{ host: HOST, port: 0 }],
      },
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
    "app-passthrough": await origin("app-passthrough"),
    proxy: await origin("proxy"),
    bare: await origin("bare"),
    "authlete-emulator": await origin("authlete-emulator"),
  };
  for (const w of oidcWorkers) urls[/** @type {"app-oidc" | "app-bench-oidc"} */ (w.name)] = await origin(w.name);
  return { mf, urls, close: () => mf.dispose() };
}
