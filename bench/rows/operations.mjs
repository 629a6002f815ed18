// Row 7, operations per grant, counted: scripted grants and attacks run as real HTTP requests
// against the bench entry (bench/worker-bench.ts), which counts every Worker request, KV
// operation, Durable Object request and SQLite row, Authlete call and call to the OpenID
// provider. Simulated time (X-Bench-Now, the emulator's clock), so "approved after 30 s" and
// "expired" take milliseconds. Each scenario also runs under V8's profiler on that entry's
// isolate, for its CPU time. The dollars row (rows/costs.mjs) is computed from these counts.
import { fmt, median, table } from "../lib/format.mjs";
import { FORM, http, poll } from "../lib/http.mjs";
import { browser, decide, enterAndConfirm, expectForm, signInWithPassword, signInWithProvider, text } from "../lib/page.mjs";
import { openProfiler } from "../lib/profiler.mjs";
import { OIDC_PROVIDER_ID } from "../lib/stack.mjs";

/** When the user decides, in simulated seconds after the codes were issued. */
const DECIDE_AT_S = 30;
/** Attempts of each guesser. */
const GUESSES = 100;
const SAMPLING_US = 100;
/** The seed's user-code alphabet (USER_CODE_CHARSET=BASE20) and length. */
const BASE20 = "BCDFGHJKLMNPQRSTVWXZ";
const USER_CODE_LENGTH = 8;

/**
 * What the bench entry counted for one scenario (GET /_bench/counts).
 * @typedef {{ requests: number, kv: Record<"get" | "put" | "delete" | "list", number>, kvByPrefix: Record<string, Record<"get" | "put" | "delete" | "list", number>>,
 *   kvStoredByteSeconds: number, doCalls: Record<string, number>, doObjects: Record<string, number>, doWallMs: number,
 *   doRows: { read: number, written: number }, doStorage: Record<string, number>, doAlarms: number, doAlarmSeconds: number,
 *   authlete: Record<string, number>, outbound: Record<string, number> }} Counts
 * @typedef {{ counts: Counts, cpuUs: number, outcome: string, detail: string }} Run
 * @typedef {{ id: string, label: string, oidc: boolean, runs: Run[] }} ScenarioResult
 * @typedef {{ scenarios: ScenarioResult[], decideAt: number, guesses: number, passes: number, present: boolean, missing?: string }} Operations
 */

/** A fresh network (a /48 of its own: budgets are kept per /64, /56 and /48) for each device and each person, so no scenario spends another's budgets. */
let seq = 0x5e00;
const nextIp = () => `2001:db8:${(++seq).toString(16)}::1`;

// A seeded generator (mulberry32), so the guessers send the same codes every run.
let seed = 8628;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const guessCode = () => Array.from({ length: USER_CODE_LENGTH }, () => BASE20[Math.floor(random() * BASE20.length)]).join("");

/**
 * Simulated time for one scenario: t seconds after `base` (real time when it starts, so the
 * provider's ID tokens, stamped with real time, are fresh for the Worker too). Moving it moves
 * the emulator's clock the same way.
 * @param {import("../lib/http.mjs").Control} control
 */
function simulation(control) {
  const base = Date.now();
  let t = 0;
  return {
    now: () => base + t * 1000,
    /** @param {number} s */
    async at(s) {
      t = s;
      await control("POST", "/_emulator/clock", { offsetMs: Math.round(base + s * 1000 - Date.now()) });
    },
  };
}

/**
 * @typedef {{ origin: string, sim: ReturnType<typeof simulation>, issuer: string }} Ctx
 */

/** A device asks for codes. @param {Ctx} ctx @param {string} ip */
async function startDevice(ctx, ip) {
  const r = await http(`${ctx.origin}/device_authorization`, {
    method: "POST",
    headers: { "Content-Type": FORM, "CF-Connecting-IP": ip, "X-Bench-Now": String(ctx.sim.now()) },
    body: "client_id=demo-device&scope=openid%20profile",
  });
  const { device_code, user_code, interval } = r.json ?? {};
  if (r.status !== 200 || !device_code || !user_code || interval === undefined) throw new Error(`device authorization: ${r.status} ${r.text.slice(0, 200)}`);
  return { deviceCode: device_code, userCode: user_code, interval };
}

/**
 * One device grant: codes at t = 0, polling until an answer ends it; a person decides at
 * DECIDE_AT_S through the page (or never). `factor` > 1 polls that much faster than allowed and
 * ignores slow_down; 1 is a compliant device (it waits longer after slow_down).
 * @param {Ctx} ctx
 * @param {{ factor?: number, decision: "approve" | "deny" | null, via?: "password" | "provider", expect: string }} o
 */
async function grant(ctx, { factor = 1, decision, via = "password", expect }) {
  const { origin, sim } = ctx;
  const deviceIp = nextIp();
  await sim.at(0);
  const codes = await startDevice(ctx, deviceIp);
  let interval = codes.interval;
  const period = () => (factor === 1 ? interval : codes.interval / factor);
  // The device's polls come half a second after each interval, so none lands on the instant the
  // code expires (600 s after it was issued), where the two clocks' last milliseconds would decide.
  let t = 0.5;
  let decided = decision === null;
  let polls = 0;
  let slowDowns = 0;
  let outcome = "none";
  for (let i = 0; i < 5_000 && t < 1_800; i++) {
    t = Math.round((t + period()) * 1000) / 1000;
    if (!decided && decision !== null && t >= DECIDE_AT_S) {
      await sim.at(DECIDE_AT_S);
      const b = browser(origin, { ip: nextIp(), now: sim.now });
      const signIn = await enterAndConfirm(b, codes.userCode);
      expectForm(signIn, "/device/sign-in", "after Continue");
      if (via === "provider") await signInWithProvider(b, OIDC_PROVIDER_ID, ctx.issuer);
      else await signInWithPassword(b);
      await decide(b, decision);
      decided = true;
    }
    await sim.at(t);
    polls++;
    const a = (await poll(origin, codes.deviceCode, { "CF-Connecting-IP": deviceIp, "X-Bench-Now": String(sim.now()) })).json;
    if (a?.access_token) {
      outcome = "tokens";
      break;
    }
    if (a?.error === "slow_down") {
      slowDowns++;
      if (factor === 1) interval = a.interval ?? interval + 5;
    } else if (a?.error === "access_denied" || a?.error === "expired_token") {
      outcome = a.error;
      break;
    } else if (a?.error !== "authorization_pending") throw new Error(`unexpected poll answer: ${JSON.stringify(a)}`);
  }
  if (outcome !== expect) throw new Error(`expected ${expect}, the device got ${outcome} after ${polls} polls`);
  return { outcome, detail: `${polls} polls (${slowDowns} slow_down), ${outcome} at ${fmt(t, t % 1 ? 1 : 0)} s` };
}

/**
 * Wrong user codes from one network: in one session (the cookie kept) or a fresh one for each
 * (the cookie dropped, so the per-session budget never fills).
 * @param {Ctx} ctx @param {boolean} freshSessions
 */
async function codeGuesser(ctx, freshSessions) {
  const ip = nextIp();
  await ctx.sim.at(0);
  /** @type {Record<number, number>} */
  const statuses = {};
  let b = browser(ctx.origin, { ip, now: ctx.sim.now });
  await b.get("/device");
  for (let i = 0; i < GUESSES; i++) {
    if (freshSessions && i > 0) {
      b = browser(ctx.origin, { ip, now: ctx.sim.now });
      await b.get("/device");
    }
    const r = await b.post("/device", { user_code: guessCode() });
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  if (Object.keys(statuses).some((s) => s !== "400" && s !== "429")) throw new Error(`code guesser: answers ${JSON.stringify(statuses)}`);
  return { outcome: "refused", detail: `${statuses[400] ?? 0} answered "invalid code", ${statuses[429] ?? 0} refused (429)` };
}

/** Wrong passwords for the demo user, from one network, on a flow of its own at the sign-in step. @param {Ctx} ctx */
async function passwordGuesser(ctx) {
  await ctx.sim.at(0);
  const codes = await startDevice(ctx, nextIp());
  const b = browser(ctx.origin, { ip: nextIp(), now: ctx.sim.now });
  expectForm(await enterAndConfirm(b, codes.userCode), "/device/sign-in", "after Continue");
  /** @type {Record<number, number>} */
  const statuses = {};
  for (let i = 0; i < GUESSES; i++) {
    const r = await b.post("/device/sign-in", { username: "demo", password: `not-the-password-${i}` });
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  if (Object.keys(statuses).some((s) => s !== "401" && s !== "429")) throw new Error(`password guesser: answers ${JSON.stringify(statuses)}`);
  return { outcome: "refused", detail: `${statuses[401] ?? 0} checked and wrong (401), ${statuses[429] ?? 0} refused (429)` };
}

/**
 * The scenarios, in the report's order. `oidc`: on the Worker that signs people in at the
 * provider; `once`: not repeated (it is about the first time).
 * @type {{ id: string, label: string, oidc?: boolean, once?: boolean, run: (ctx: Ctx) => Promise<{ outcome: string, detail: string }> }[]}
 */
const SCENARIOS = [
  { id: "compliant", label: `compliant device, approved at ${DECIDE_AT_S} s`, run: (c) => grant(c, { decision: "approve", expect: "tokens" }) },
  {
    id: "fast",
    label: `device polling 10× too fast, approved at ${DECIDE_AT_S} s`,
    run: (c) => grant(c, { factor: 10, decision: "approve", expect: "tokens" }),
  },
  { id: "denied", label: `compliant device, denied at ${DECIDE_AT_S} s`, run: (c) => grant(c, { decision: "deny", expect: "access_denied" }) },
  { id: "expired", label: "compliant device, nobody comes: the code expires", run: (c) => grant(c, { decision: null, expect: "expired_token" }) },
  { id: "code-guesser", label: `user-code guesser: ${GUESSES} codes, one session`, run: (c) => codeGuesser(c, false) },
  { id: "code-guesser-fresh", label: `user-code guesser: ${GUESSES} codes, a fresh session each`, run: (c) => codeGuesser(c, true) },
  { id: "password-guesser", label: `password guesser: ${GUESSES} passwords for one user`, run: passwordGuesser },
  {
    id: "federation-first",
    label: `federation sign-in, approved at ${DECIDE_AT_S} s: the isolate's first (discovery and keys fetched)`,
    oidc: true,
    once: true,
    run: (c) => grant(c, { decision: "approve", via: "provider", expect: "tokens" }),
  },
  {
    id: "federation",
    label: `federation sign-in, approved at ${DECIDE_AT_S} s (provider metadata cached)`,
    oidc: true,
    run: (c) => grant(c, { decision: "approve", via: "provider", expect: "tokens" }),
  },
];

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @param {import("../lib/http.mjs").Control} control
 * @param {string} inspector
 * @param {{ "app-bench-oidc": string } | null} issuers the provider's issuer for the OpenID-configured entry (null: no IdP, those scenarios are skipped)
 * @returns {Promise<Operations>}
 */
export async function measure(cfg, urls, control, inspector, issuers) {
  console.log(`\n[7] Operations per grant, counted (simulated time; ${cfg.opsPasses} pass(es) after a warm-up)`);
  const oidcOrigin = urls["app-bench-oidc"];
  const profilers = {
    plain: await openProfiler(inspector, "app-bench", { samplingIntervalUs: SAMPLING_US }),
    oidc: oidcOrigin ? await openProfiler(inspector, "app-bench-oidc", { samplingIntervalUs: SAMPLING_US }) : null,
  };
  /** @type {Map<string, Run[]>} */
  const runs = new Map(SCENARIOS.map((s) => [s.id, []]));
  try {
    /** @param {(typeof SCENARIOS)[number]} s @param {boolean} keep */
    const runOne = async (s, keep) => {
      const origin = s.oidc ? oidcOrigin : urls["app-bench"];
      const profiler = s.oidc ? profilers.oidc : profilers.plain;
      if (!origin || !profiler || !issuers) return;
      const reset = await http(`${origin}/_bench/counts/reset`, { method: "POST" });
      if (reset.status !== 200) throw new Error(`${origin} has no bench counters: ${reset.status} ${text(reset.text)}`);
      const ctx = { origin, sim: simulation(control), issuer: issuers["app-bench-oidc"] };
      /** @type {{ outcome: string, detail: string } | undefined} */
      let result;
      const prof = await profiler.profile(async () => {
        result = await s.run(ctx);
      });
      await control("DELETE", "/_emulator/clock");
      const counts = /** @type {Counts} */ ((await http(`${origin}/_bench/counts`)).json);
      if (!result) throw new Error(`${s.id}: no result`);
      if (keep) runs.get(s.id)?.push({ counts, cpuUs: prof.cpuUs, ...result });
      const k = counts.kv;
      console.log(
        `  ${s.id}${keep ? "" : " (warm-up)"}: ${result.detail}; ${counts.requests} requests, KV ${k.get}/${k.put}/${k.delete}/${k.list}, ` +
          `DO ${Object.values(counts.doCalls).reduce((a, b) => a + b, 0)}, Authlete ${Object.values(counts.authlete).reduce((a, b) => a + b, 0)}, ` +
          `IdP ${Object.values(counts.outbound).reduce((a, b) => a + b, 0)}, CPU ${fmt(prof.cpuUs / 1000, 1)} ms`,
      );
    };
    // The first federation sign-in comes before anything else on its Worker: nothing is cached yet.
    for (const s of SCENARIOS.filter((x) => x.once)) await runOne(s, true);
    const repeated = SCENARIOS.filter((x) => !x.once);
    for (const s of repeated) await runOne(s, false);
    for (let pass = 0; pass < cfg.opsPasses; pass++) for (const s of repeated) await runOne(s, true);
  } finally {
    await profilers.plain.close();
    await profilers.oidc?.close();
  }
  return {
    scenarios: SCENARIOS.map((s) => ({ id: s.id, label: s.label, oidc: Boolean(s.oidc), runs: runs.get(s.id) ?? [] })),
    decideAt: DECIDE_AT_S,
    guesses: GUESSES,
    passes: cfg.opsPasses,
    present: true,
  };
}

/** A run's counts as whole numbers: what must not change from pass to pass. @param {Counts} c */
const exact = (c) => JSON.stringify([c.requests, c.kv, c.kvByPrefix, c.doCalls, Object.keys(c.doObjects).length, c.doRows, c.doAlarms, c.authlete, c.outbound]);

/**
 * One scenario's figures: the counts of its last run (every pass counts the same, or the report says
 * which did not) and the median CPU over its runs.
 * @param {ScenarioResult} s
 */
export function summarize(s) {
  const last = s.runs.at(-1);
  if (!last) return null;
  const c = last.counts;
  const sum = (/** @type {Record<string, number>} */ r) => Object.values(r).reduce((a, b) => a + b, 0);
  /** @type {Record<string, number>} */
  const doByBinding = {};
  for (const [call, n] of Object.entries(c.doCalls)) {
    const binding = call.split(".")[0] ?? call;
    doByBinding[binding] = (doByBinding[binding] ?? 0) + n;
  }
  return {
    id: s.id,
    label: s.label,
    detail: last.detail,
    counts: c,
    steady: s.runs.every((r) => exact(r.counts) === exact(c)),
    requests: c.requests,
    kv: c.kv,
    doRequests: sum(c.doCalls),
    doByBinding,
    doObjects: Object.keys(c.doObjects).length,
    doAlarms: c.doAlarms,
    authlete: sum(c.authlete),
    idp: sum(c.outbound),
    cpuMs: median(s.runs.map((r) => r.cpuUs)) / 1000,
    doWallMs: median(s.runs.map((r) => r.counts.doWallMs)),
  };
}

/** Authlete's APIs by the names the table uses. */
const API_NAMES = { "device/authorization": "DA", "auth/token": "token", "device/verification": "verification", "device/complete": "complete" };

/** @param {Record<string, number>} r @param {Record<string, string>} [names] */
const breakdown = (r, names = {}) =>
  Object.entries(r)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${names[k] ?? k}`)
    .join(", ");

/** @param {Operations} x */
export function render(x) {
  const rows = x.scenarios.map(summarize).filter((s) => s !== null);
  const unsteady = rows.filter((r) => !r.steady).map((r) => r.id);
  const compliant = rows.find((r) => r.id === "compliant");
  return {
    present: x.present && rows.length > 0,
    table: table(
      [
        "scenario (what happened)",
        "Worker requests",
        "KV reads / writes / deletes / lists",
        "DO requests (by binding; objects; alarms)",
        "SQLite rows read / written",
        "Authlete calls",
        "IdP calls ¹",
        "CPU, Worker isolate (ms)",
      ],
      "lrrrrlll",
      rows.map((r) => [
        `${r.label} (${r.detail})`,
        r.requests,
        `${r.kv.get} / **${r.kv.put}** / ${r.kv.delete} / ${r.kv.list}`,
        `${r.doRequests} (${breakdown(r.doByBinding) || "—"}; ${r.doObjects}; ${r.doAlarms})`,
        `${r.counts.doRows.read} / ${r.counts.doRows.written}`,
        `**${r.authlete}** (${breakdown(r.counts.authlete, API_NAMES)})`,
        r.idp ? `${r.idp} (${breakdown(r.counts.outbound)})` : "0",
        fmt(r.cpuMs, 1),
      ]),
    ),
    kvWrites: table(
      ["scenario", ...kvPrefixes(rows).map((p) => `\`${p}:\` writes / deletes`)],
      `l${"r".repeat(kvPrefixes(rows).length)}`,
      rows.map((r) => [r.id, ...kvPrefixes(rows).map((p) => `${r.counts.kvByPrefix[p]?.put ?? 0} / ${r.counts.kvByPrefix[p]?.delete ?? 0}`)]),
    ),
    decideAt: x.decideAt,
    guesses: x.guesses,
    passes: x.passes,
    unsteady: unsteady.join(", "),
    compliantRequests: compliant?.requests ?? "—",
    compliantKvWrites: compliant?.kv.put ?? "—",
    compliantAuthlete: compliant?.authlete ?? "—",
    compliantToken: compliant?.counts.authlete["auth/token"] ?? "—",
    compliantKvWritesDeletes: compliant ? compliant.kv.put + compliant.kv.delete : "—",
  };
}

/** Every KV prefix any scenario wrote or deleted. @param {NonNullable<ReturnType<typeof summarize>>[]} rows */
function kvPrefixes(rows) {
  return [
    ...new Set(
      rows.flatMap((r) =>
        Object.entries(r.counts.kvByPrefix)
          .filter(([, o]) => o.put || o.delete)
          .map(([p]) => p),
      ),
    ),
  ].sort();
}
