// Row 5, CPU per request inside the Worker: N sequential requests per route against the
// production entry, once plain (the whole workerd process's CPU time) and once under V8's
// sampling profiler on the Worker's own isolate (lib/profiler.mjs), with a calibration of the
// method against work of known cost in the bare Worker.
import { fmt, ms, table } from "../lib/format.mjs";
import { FORM, http, poll, pollForm, warmedCode } from "../lib/http.mjs";
import { processCpuNs } from "../lib/machine.mjs";
import { countIsolates, openProfiler } from "../lib/profiler.mjs";

/** The Workers free plan's CPU limit per request, the yardstick of this row. */
const FREE_PLAN_CPU_MS = 10;
/** Profiler sampling interval, µs. */
const SAMPLING_US = 100;
/** Requests per route before measuring: JIT, caches, the configuration parse. */
const WARM_UP = 20;
/** Rounds of JSON.parse in the calibration's fixed work (bench/bare-worker.ts /spin): about 1–2 ms. */
const SPIN = 20;

// The routes' names are the report's row labels and results.json's keys.
const AUTHLETE = "token → Authlete (authorization_pending)";
const SLOW_DOWN = "token → slow_down at the edge";
const DEVICE_AUTHORIZATION = "device_authorization";
const BASELINE = "baseline: bare Hono POST /token";

/**
 * @typedef {{ cpuUs: number, naiveUs: number, gcUs: number, samples: number, procUs: number, wallPlainUs: number, ok: number, n: number }} Route
 * @typedef {{ trueUs: number, estUs: number, recovery: number, naiveUs: number, recoveries: number[], docBytes?: number }} Calibration
 * @typedef {{ routes: Record<string, Route>, calibration?: Calibration, appIsolates?: number }} Cpu  routes by name (the report's labels),
 *   the calibration, and how many isolates served `app`
 */

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @param {string} inspector the stack's inspector origin (ws://…)
 * @param {number | null} pid workerd's, for the whole process's CPU time (null: not found)
 * @returns {Promise<Cpu>}
 */
export async function measure(cfg, urls, inspector, pid) {
  console.log("\n[5] CPU per request inside the Worker (V8 profiler over the inspector)");
  const N = cfg.cpuRequests;
  const app = await openProfiler(inspector, "app", { samplingIntervalUs: SAMPLING_US });
  const bare = await openProfiler(inspector, "bare", { samplingIntervalUs: SAMPLING_US });
  /** @type {Record<string, Route>} */
  const routes = {};
  /** @type {Calibration | undefined} */
  let calibration;
  /** @type {number | undefined} */
  let appIsolates;
  try {
    /** @param {number} n @param {(i: number) => Promise<boolean>} fn @returns {Promise<number>} how many answered as expected */
    const seq = async (n, fn) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if (await fn(i)) ok++;
      return ok;
    };
    /** One route: a plain pass for the process CPU, then a profiled pass. @param {string} name @param {Awaited<ReturnType<typeof openProfiler>>} profiler @param {() => Promise<boolean>} fn */
    const measureRoute = async (name, profiler, fn) => {
      await seq(Math.min(WARM_UP, N), fn);
      const before = pid ? processCpuNs(pid) : NaN;
      const t0 = performance.now();
      const okPlain = await seq(N, fn);
      const wallPlainUs = ((performance.now() - t0) * 1000) / N;
      const procUs = pid ? (processCpuNs(pid) - before) / 1000 / N : NaN;
      const prof = await profiler.profile(() => seq(N, fn));
      const r = {
        cpuUs: prof.cpuUs / N,
        naiveUs: prof.naiveUs / N,
        gcUs: prof.gcUs / N,
        samples: prof.samples,
        procUs,
        wallPlainUs,
        ok: okPlain + prof.extra,
        n: 2 * N,
      };
      routes[name] = r;
      console.log(
        `  ${name}: ${fmt(r.cpuUs)} µs CPU (profiler), ${fmt(procUs)} µs whole workerd, ${fmt(r.naiveUs)} µs total−idle; ${r.ok}/${2 * N} as expected`,
      );
    };

    // Calibration: a loop of known cost in the bare Worker. Its cost is the wall-time
    // difference against an empty request (no other request in flight), measured without the profiler.
    /** @type {number | undefined} */
    let docBytes;
    const spin = async (/** @type {number} */ n) => {
      const r = await http(`${urls.bare}/spin?n=${n}`);
      docBytes = Number(r.headers.get("X-Doc-Bytes")) || docBytes;
      return r.status === 200;
    };
    const spinWall = async (/** @type {number} */ n) => {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await spin(n);
      return ((performance.now() - t0) * 1000) / N;
    };
    await spinWall(0);
    await spinWall(SPIN);
    const cals = [];
    for (let k = 0; k < 3; k++) {
      const trueUs = (await spinWall(SPIN)) - (await spinWall(0));
      const profSpin = await bare.profile(() => seq(N, () => spin(SPIN)));
      const profEmpty = await bare.profile(() => seq(N, () => spin(0)));
      const estUs = (profSpin.cpuUs - profEmpty.cpuUs) / N;
      cals.push({ trueUs, estUs, recovery: estUs / trueUs, naiveUs: (profSpin.naiveUs - profEmpty.naiveUs) / N });
    }
    const mid = [...cals].sort((a, b) => a.recovery - b.recovery)[1];
    if (!mid) throw new Error("calibration: no passes");
    calibration = { ...mid, recoveries: cals.map((c) => c.recovery), docBytes };
    console.log(`  calibration: a loop costing ${fmt(mid.trueUs)} µs reads as ${fmt(mid.estUs)} µs (${fmt(100 * mid.recovery)} %)`);

    // Routes. Device authorization mints the codes that the token polls then use once each.
    /** @type {string[]} */
    const minted = [];
    await measureRoute(DEVICE_AUTHORIZATION, app, async () => {
      const r = await http(`${urls.app}/device_authorization`, {
        method: "POST",
        headers: { "Content-Type": FORM },
        body: "client_id=demo-device&scope=openid",
      });
      if (r.json?.device_code) minted.push(r.json.device_code);
      return r.status === 200;
    });
    let next = 0;
    await measureRoute(AUTHLETE, app, async () => {
      const code = minted[next++ % minted.length];
      return code !== undefined && (await poll(urls.app, code)).json?.error === "authorization_pending";
    });
    const warmed = await warmedCode(urls.app);
    await measureRoute(SLOW_DOWN, app, async () => (await poll(urls.app, warmed.deviceCode)).json?.error === "slow_down");
    await measureRoute("discovery (edge-cached)", app, async () => (await http(`${urls.app}/.well-known/openid-configuration`)).json?.issuer !== undefined);
    await measureRoute("GET /device", app, async () => (await http(`${urls.app}/device`)).status === 200);
    await measureRoute(
      BASELINE,
      bare,
      async () => (await http(`${urls.bare}/token`, { method: "POST", headers: { "Content-Type": FORM }, body: pollForm("x") })).status === 400,
    );
    appIsolates = await countIsolates(inspector, "app");
  } finally {
    await app.close();
    await bare.close();
  }
  return { routes, calibration, appIsolates };
}

/** The row's table and the figures its prose (and the headline) cite. @param {Cpu} x */
export function render(x) {
  const { calibration: cal, routes: byName } = x;
  const routes = Object.entries(byName);
  const under = (/** @type {number | undefined} */ cpuUs) => (cpuUs === undefined ? "—" : `${fmt(FREE_PLAN_CPU_MS / (cpuUs / 1000))}×`);
  const worst = (/** @type {"cpuUs" | "procUs"} */ k) => {
    const [name, r] = routes.filter(([n]) => n !== BASELINE).sort((a, b) => b[1][k] - a[1][k])[0] ?? ["—", undefined];
    return { name, ms: ms(r?.[k]), under: under(r?.[k]) };
  };
  return {
    table: table(
      ["route", "CPU per request (V8 profiler)", `× under ${FREE_PLAN_CPU_MS} ms`, "whole workerd process per request", "total − idle (wall, upper bound)"],
      "lrrrr",
      routes.map(([name, r]) => [
        `${name}${r.ok < r.n ? ` ⚠ ${r.n - r.ok} unexpected` : ""}`,
        `${ms(r.cpuUs, 3)} ms`,
        under(r.cpuUs),
        `${ms(r.procUs, 3)} ms`,
        `${ms(r.naiveUs, 3)} ms`,
      ]),
    ),
    limitMs: FREE_PLAN_CPU_MS,
    oneIsolate: x.appIsolates === 1,
    warmUp: WARM_UP,
    samplingUs: SAMPLING_US,
    worst: worst("cpuUs"),
    worstProcess: worst("procUs"),
    slowDownMs: ms(byName[SLOW_DOWN]?.cpuUs, 3),
    authleteMs: ms(byName[AUTHLETE]?.cpuUs, 3),
    authleteProcessMs: ms(byName[AUTHLETE]?.procUs, 3),
    baselineMs: ms(byName[BASELINE]?.cpuUs, 3),
    calibration: cal && {
      spin: SPIN,
      docKB: cal.docBytes ? fmt(cal.docBytes / 1000) : "—",
      trueUs: fmt(cal.trueUs),
      estUs: fmt(cal.estUs),
      recovery: fmt(100 * cal.recovery),
      recoveries: cal.recoveries.map((r) => `${fmt(100 * r)} %`).join(", "),
      naiveUs: fmt(cal.naiveUs),
    },
  };
}
