// Row 5, CPU per request inside the Worker: N sequential requests per route against the
// production entry, once plain (the whole workerd process's CPU time) and once under V8's
// sampling profiler on the Worker's own isolate (lib/profiler.mjs), with a calibration of the
// method against work of known cost in the bare Worker.
import { dpopKey, dpopProof } from "../../cli/device-flow.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { fmt, ms, table } from "../lib/format.mjs";
import { createCodes, FORM, http, poll, pollForm, warmedCode } from "../lib/http.mjs";
import { processCpuNs } from "../lib/machine.mjs";
import { browser, callbackFor, enterAndConfirm, expectForm } from "../lib/page.mjs";
import { FREE, PAID_CPU_DEFAULT_MS, SOURCES } from "../lib/prices.mjs";
import { countIsolates, openProfiler } from "../lib/profiler.mjs";
import { OIDC_PROVIDER_ID } from "../lib/stack.mjs";

/** The Workers free plan's CPU limit per request, the yardstick of this row. */
const FREE_PLAN_CPU_MS = FREE.cpuMsPerRequest;
/** The iteration count of the built-in users' hashes (the demo user's, in .dev.vars.example): what a sign-in pays. */
const PBKDF2_ITERATIONS = Number(/^pbkdf2-sha256:(\d+):/.exec(JSON.parse(readDevVars().USERS ?? "[]")[0]?.passwordHash ?? "")?.[1] ?? NaN);
/** Profiler sampling interval, µs. */
const SAMPLING_US = 100;
/** Requests per route before measuring: JIT, caches, the configuration parse. */
const WARM_UP = 20;
/** Rounds of JSON.parse in the calibration's fixed work (bench/bare-worker.ts /spin): about 1–2 ms. */
const SPIN = 20;

// The routes' names are the report's row labels and results.json's keys.
const EDGE_PENDING = "token → authorization_pending at the edge (the grant's object)";
const DPOP_PENDING = "POST /token, DPoP-bound pending poll (proof checked at the edge, jti in the grant's object)";
const AUTHLETE = "token → Authlete (authorization_pending; POLL_PASS_THROUGH_SECONDS=0)";
const SLOW_DOWN = "token → slow_down at the edge";
const DEVICE_AUTHORIZATION = "device_authorization";
const BASELINE = "baseline: bare Hono POST /token";
const WRONG_CODE = "POST /device, a wrong code (budget check + Authlete)";
const SIGN_IN = "POST /device/sign-in, right password (budget check + PBKDF2)";
const SIGN_IN_UNKNOWN = "POST /device/sign-in, unknown user (budget check + the decoy PBKDF2)";
const CALLBACK = "GET /device/callback (federation sign-in: token call, ID token check)";
const PBKDF2 = "PBKDF2-SHA256 alone (bare Worker)";

/**
 * @typedef {{ cpuUs: number, naiveUs: number, gcUs: number, samples: number, procUs: number, wallPlainUs: number, ok: number, n: number }} Route
 * @typedef {{ trueUs: number, estUs: number, recovery: number, naiveUs: number, recoveries: number[], docBytes?: number }} Calibration
 * @typedef {{ routes: Record<string, Route>, calibration?: Calibration, appIsolates?: number, preparedN?: number }} Cpu  routes by name (the report's labels),
 *   the calibration, how many isolates served `app`, and how many requests the routes with prepared states ran per pass
 */

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @param {string} inspector the stack's inspector origin (ws://…)
 * @param {number | null} pid workerd's, for the whole process's CPU time (null: not found)
 * @param {{ "app-oidc": string } | null} issuers the provider of the OpenID-configured production entry (null: no callback route)
 * @returns {Promise<Cpu>}
 */
export async function measure(cfg, urls, inspector, pid, issuers) {
  console.log("\n[5] CPU per request inside the Worker (V8 profiler over the inspector)");
  const N = cfg.cpuRequests;
  const app = await openProfiler(inspector, "app", { samplingIntervalUs: SAMPLING_US });
  const bare = await openProfiler(inspector, "bare", { samplingIntervalUs: SAMPLING_US });
  // The production entry with every compliant poll sent on to Authlete: the pass-through poll's cost.
  const passThrough = await openProfiler(inspector, "app-passthrough", { samplingIntervalUs: SAMPLING_US });
  const oidcOrigin = urls["app-oidc"];
  const oidc = oidcOrigin && issuers ? await openProfiler(inspector, "app-oidc", { samplingIntervalUs: SAMPLING_US }) : null;
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
    /**
     * One route: a plain pass for the process CPU, then a profiled pass. Routes whose every
     * request needs a state of its own (a flow at the sign-in step, a login on its way back)
     * take `prepare`, which makes those states before each pass, outside both measurements; their
     * requests are costlier to set up, so they run `n` of them.
     * @template T
     * @param {string} name @param {Awaited<ReturnType<typeof openProfiler>>} profiler @param {(input: T) => Promise<boolean>} fn
     * @param {{ n?: number, prepare?: (count: number) => Promise<T[]> }} [o]
     */
    const measureRoute = async (name, profiler, fn, { n = N, prepare } = {}) => {
      const warm = Math.min(WARM_UP, n);
      /** @type {T[]} */
      let inputs = [];
      let next = 0;
      const take = async () => fn(/** @type {T} */ (inputs[next++]));
      const ready = async (/** @type {number} */ count) => {
        if (prepare) {
          inputs = await prepare(count);
          next = 0;
        }
      };
      await ready(warm);
      await seq(warm, take);
      await ready(n);
      const before = pid ? processCpuNs(pid) : NaN;
      const t0 = performance.now();
      const okPlain = await seq(n, take);
      const wallPlainUs = ((performance.now() - t0) * 1000) / n;
      const procUs = pid ? (processCpuNs(pid) - before) / 1000 / n : NaN;
      await ready(n);
      const prof = await profiler.profile(() => seq(n, take));
      const r = {
        cpuUs: prof.cpuUs / n,
        naiveUs: prof.naiveUs / n,
        gcUs: prof.gcUs / n,
        samples: prof.samples,
        procUs,
        wallPlainUs,
        ok: okPlain + prof.extra,
        n: 2 * n,
      };
      routes[name] = r;
      console.log(
        `  ${name}: ${fmt(r.cpuUs)} µs CPU (profiler), ${fmt(procUs)} µs whole workerd, ${fmt(r.naiveUs)} µs total−idle; ${r.ok}/${2 * n} as expected`,
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
    await measureRoute(EDGE_PENDING, app, async () => {
      const code = minted[next++ % minted.length];
      return code !== undefined && (await poll(urls.app, code)).json?.error === "authorization_pending";
    });
    const passing = (await createCodes(urls["app-passthrough"], 2 * (WARM_UP + N), { concurrency: 1 })).map((c) => c.deviceCode);
    let nextPassing = 0;
    await measureRoute(AUTHLETE, passThrough, async () => {
      const code = passing[nextPassing++ % passing.length];
      return code !== undefined && (await poll(urls["app-passthrough"], code)).json?.error === "authorization_pending";
    });
    // The same pending poll for a grant bound to the device's DPoP key (CLIENT_POLICY dpop: the
    // stack binds demo-device): each poll carries a fresh proof, which the Worker verifies
    // (ES256 on WebCrypto) before the grant's object judges its key and jti. Codes and proofs
    // are made before each pass (signing is the device's work, not the Worker's).
    const device = await dpopKey();
    const proof = (/** @type {string} */ htu) => dpopProof(device, "POST", htu);
    await measureRoute(
      DPOP_PENDING,
      app,
      async (/** @type {{ code: string, proof: string }} */ x) => (await poll(urls.app, x.code, { DPoP: x.proof })).json?.error === "authorization_pending",
      {
        prepare: async (count) => {
          const out = [];
          for (let i = 0; i < count; i++) {
            const r = await http(`${urls.app}/device_authorization`, {
              method: "POST",
              headers: { "Content-Type": FORM, DPoP: await proof(`${urls.app}/device_authorization`) },
              body: "client_id=demo-device&scope=openid",
            });
            if (r.json?.device_code) out.push({ code: r.json.device_code, proof: await proof(`${urls.app}/token`) });
          }
          return out;
        },
      },
    );
    const warmed = await warmedCode(urls.app);
    await measureRoute(SLOW_DOWN, app, async () => (await poll(urls.app, warmed.deviceCode)).json?.error === "slow_down");
    await measureRoute("discovery (edge-cached)", app, async () => (await http(`${urls.app}/.well-known/openid-configuration`)).json?.issuer !== undefined);
    await measureRoute("GET /device", app, async () => (await http(`${urls.app}/device`)).status === 200);
    await measureRoute(
      BASELINE,
      bare,
      async () => (await http(`${urls.bare}/token`, { method: "POST", headers: { "Content-Type": FORM }, body: pollForm("x") })).status === 400,
    );

    // The routes whose cost is a budget check (a reservation in each bucket, before any work),
    // a password check or a federation callback. Each request gets a network of its own (a /48,
    // as budgets are kept per /64, /56 and /48), so the budgets never refuse one: what is measured
    // is the check, not a refusal.
    const nPrepared = Math.max(10, Math.round(N / 6));
    let net = 0x7000;
    const ip = () => {
      net++;
      return `2001:db8:${net.toString(16)}::1`;
    };
    const wrongCode = () => Array.from({ length: 8 }, (_, i) => "BCDFGHJKLMNPQRSTVWXZ"[(net * 7 + i * 3) % 20]).join("");
    await measureRoute(
      WRONG_CODE,
      app,
      async (/** @type {import("../lib/page.mjs").Browser} */ b) => (await b.post("/device", { user_code: wrongCode() })).status === 400,
      {
        prepare: async (count) => {
          const bs = [];
          for (let i = 0; i < count; i++) {
            const b = browser(urls.app, { ip: ip() });
            await b.get("/device");
            bs.push(b);
          }
          return bs;
        },
      },
    );
    /** Browsers at the sign-in step of flows of their own. @param {string} origin @param {number} count */
    const atSignIn = async (origin, count) => {
      const codes = await createCodes(origin, count, { concurrency: 4 });
      const bs = [];
      for (const c of codes) {
        const b = browser(origin, { ip: ip() });
        expectForm(await enterAndConfirm(b, c.userCode), "/device/sign-in", "CPU row, after Continue");
        bs.push(b);
      }
      return bs;
    };
    await measureRoute(SIGN_IN, app, async (b) => (await b.post("/device/sign-in", { username: "demo", password: "demo" })).status === 303, {
      n: nPrepared,
      prepare: (count) => atSignIn(urls.app, count),
    });
    let unknown = 0;
    await measureRoute(
      SIGN_IN_UNKNOWN,
      app,
      async (b) => (await b.post("/device/sign-in", { username: `nobody-${++unknown}`, password: "wrong" })).status === 401,
      { n: nPrepared, prepare: (count) => atSignIn(urls.app, count) },
    );
    if (oidc && oidcOrigin && issuers) {
      await measureRoute(
        CALLBACK,
        oidc,
        async (/** @type {{ b: import("../lib/page.mjs").Browser, path: string }} */ x) => (await x.b.getOnce(x.path)).status === 303,
        {
          n: nPrepared,
          prepare: async (count) => {
            const out = [];
            for (const b of await atSignIn(oidcOrigin, count)) out.push({ b, path: await callbackFor(b, OIDC_PROVIDER_ID, issuers["app-oidc"]) });
            return out;
          },
        },
      );
    }
    await measureRoute(PBKDF2, bare, async () => (await http(`${urls.bare}/pbkdf2?iterations=${PBKDF2_ITERATIONS}`)).status === 200, { n: nPrepared });
    appIsolates = await countIsolates(inspector, "app");
  } finally {
    await app.close();
    await bare.close();
    await passThrough.close();
    await oidc?.close();
  }
  return { routes, calibration, appIsolates, preparedN: Math.max(10, Math.round(N / 6)) };
}

/** The row's table and the figures its prose (and the headline) cite. @param {Cpu} x */
export function render(x) {
  const { calibration: cal, routes: byName } = x;
  const routes = Object.entries(byName);
  // A margin under 10× keeps a decimal: 7.35 ms is 1.4× under the limit, not "1×".
  const under = (/** @type {number | undefined} */ cpuUs) =>
    cpuUs === undefined
      ? "—"
      : cpuUs / 1000 <= FREE_PLAN_CPU_MS
        ? `${fmt(FREE_PLAN_CPU_MS / (cpuUs / 1000), cpuUs / 1000 > FREE_PLAN_CPU_MS / 10 ? 1 : 0)}×`
        : `❌ over: ${fmt(cpuUs / 1000 / FREE_PLAN_CPU_MS, 1)}× the limit`;
  // The Worker's own routes: not the baselines, not PBKDF2 alone.
  const own = routes.filter(([n]) => n !== BASELINE && n !== PBKDF2);
  const worst = (/** @type {"cpuUs" | "procUs"} */ k, except = "") => {
    const [name, r] = own.filter(([n]) => n !== except && n !== SIGN_IN_UNKNOWN).sort((a, b) => b[1][k] - a[1][k])[0] ?? ["—", undefined];
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
    preparedN: x.preparedN ?? "—",
    oneIsolate: x.appIsolates === 1,
    warmUp: WARM_UP,
    samplingUs: SAMPLING_US,
    worst: worst("cpuUs"),
    // The costliest route that does not check a password.
    worstWithoutPassword: worst("cpuUs", SIGN_IN),
    worstProcess: worst("procUs"),
    slowDownMs: ms(byName[SLOW_DOWN]?.cpuUs, 3),
    authleteMs: ms(byName[AUTHLETE]?.cpuUs, 3),
    edgePendingMs: ms(byName[EDGE_PENDING]?.cpuUs, 3),
    dpopPendingMs: ms(byName[DPOP_PENDING]?.cpuUs, 3),
    // What checking a DPoP proof adds to a pending poll answered at the edge: both from this run.
    dpopOverEdgePending: fmt((byName[DPOP_PENDING]?.cpuUs ?? NaN) / (byName[EDGE_PENDING]?.cpuUs ?? NaN), 1),
    authleteProcessMs: ms(byName[AUTHLETE]?.procUs, 3),
    baselineMs: ms(byName[BASELINE]?.cpuUs, 3),
    pbkdf2: {
      iterations: fmt(PBKDF2_ITERATIONS),
      aloneMs: ms(byName[PBKDF2]?.cpuUs, 1),
      signInMs: ms(byName[SIGN_IN]?.cpuUs, 1),
      unknownMs: ms(byName[SIGN_IN_UNKNOWN]?.cpuUs, 1),
      freeMs: FREE_PLAN_CPU_MS,
      // Over or under the Free plan's limit, said as the run measured it.
      overFree: (byName[SIGN_IN]?.cpuUs ?? NaN) / 1000 > FREE_PLAN_CPU_MS,
      freeTimes: fmt((byName[SIGN_IN]?.cpuUs ?? NaN) / 1000 / FREE_PLAN_CPU_MS, 1),
      paidDefaultS: fmt(PAID_CPU_DEFAULT_MS / 1000),
      paidUnder: fmt(PAID_CPU_DEFAULT_MS / ((byName[SIGN_IN]?.cpuUs ?? NaN) / 1000)),
      limitsUrl: SOURCES.workersLimits,
    },
    wrongCodeMs: ms(byName[WRONG_CODE]?.cpuUs, 2),
    callbackMs: ms(byName[CALLBACK]?.cpuUs, 2),
    callbackMeasured: byName[CALLBACK] !== undefined,
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
