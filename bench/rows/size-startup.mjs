// Row 6, size and start-up. The production bundle as `wrangler deploy --dry-run --env production`
// builds it, gzipped here (and wrangler's own figure). Start-up: what a fresh isolate spends on
// that bundle before it can answer, against a bare Hono Worker (bench/bare-worker.ts, bundled as
// wrangler would) measured the same way in the same run. Needs no running stack.
//
// Start-up has two parts, as Cloudflare's limit counts it: parsing the script and running its
// global scope. workerd compiles every module when it loads a Worker, before any request, so:
// - the global scope, per isolate: each bundle is loaded in Workers of its own (an isolate each)
//   behind an entry module that imports nothing at load. Its first request asks this Node
//   process for a mark, then another, then `await import()`s the bundle (link and global scope),
//   then a last mark. JavaScript in workerd sees a clock that stands still, so the marks are
//   taken here, on arrival: the import's time is (third − second) − (second − first), the round
//   trip cancelling out. On Linux each mark also reads workerd's CPU time (/proc, every thread,
//   so V8's helper threads count), giving the same difference in CPU time. The median counts.
// - the load part (compiling the bundle), from workerd's CPU time once all its Workers are
//   loaded, against a workerd whose Workers hold an empty module, per Worker: the median over a
//   few rounds of the three launches (empty, bare, app), as one launch varies. Linux only.
// The CPU time of both together is what the target holds: it is what the isolate itself spends,
// where wall time on a shared machine also counts waiting for a core. Without /proc the global
// scope's wall time stands alone, and the table says so.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startMiniflare } from "../../scripts/lib/workers.mjs";
import { failure, fmt, median, table, verdict } from "../lib/format.mjs";
import { findWorkerdPid, processCpuNs } from "../lib/machine.mjs";
import { bundle, COMPAT_DATE } from "../lib/stack.mjs";

/**
 * The bundle's gzip size should stay under this (bytes): not a budget to trim features to, a
 * guard against something large getting in by accident (the emulator, an SDK). Cloudflare's
 * only script-size limit is 64 MiB uncompressed, on every plan.
 */
const GZIP_TARGET_BYTES = 256 * 1024;
/** The platform's start-up limit (ms), and the share of it this Worker may use. */
const STARTUP_LIMIT_MS = 1000;
const STARTUP_TARGET_MS = STARTUP_LIMIT_MS * 0.05;
const WRANGLER = join("node_modules", ".bin", "wrangler");

/**
 * @typedef {{ wallMs: number[], cpuMs: number[] }} Samples each fresh isolate's global scope
 * @typedef {{ rawBytes?: number, gzipBytes?: number, wranglerKiB?: number, wranglerGzipKiB?: number, error?: string,
 *   isolates?: number, rounds?: number, loadCpuMs?: { empty: number[], bare: number[], app: number[] }, app?: Samples, bare?: Samples,
 *   startupError?: string }} SizeStartup
 */

/** @param {{ startupIsolates: number, startupRounds: number }} cfg @returns {Promise<SizeStartup>} */
export async function measure(cfg) {
  console.log("\n[6] Production bundle size and start-up");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
  const dir = mkdtempSync(join(tmpdir(), "dfe-bundle-"));
  /** @type {SizeStartup} */
  const out = {};
  try {
    /** @type {string | undefined} */
    let app;
    try {
      const dry = execFileSync(WRANGLER, ["deploy", "--dry-run", "--env", "production", "--outdir", dir], {
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
      const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(dry);
      if (m) Object.assign(out, { wranglerKiB: Number(m[1]), wranglerGzipKiB: Number(m[2]) });
      const js = readdirSync(dir).filter((f) => f.endsWith(".js"));
      out.rawBytes = js.reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
      out.gzipBytes = js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
      console.log(`  bundle ${fmt(out.rawBytes / 1024, 1)} KiB, gzip ${fmt(out.gzipBytes / 1024, 1)} KiB (wrangler: ${out.wranglerGzipKiB ?? "?"} KiB)`);
      if (js.length !== 1) throw new Error(`expected one module in the production build, found ${js.join(", ") || "none"}`);
      app = readFileSync(join(dir, js[0] ?? ""), "utf8");
    } catch (err) {
      out.error = `wrangler deploy --dry-run failed: ${failure(err)}`;
      console.log(`  ${out.error}`);
    }
    if (app !== undefined) {
      try {
        const bare = readFileSync(bundle("bench/bare-worker.ts", join(dir, "bare.js")), "utf8");
        Object.assign(out, await startup({ app, bare }, cfg.startupIsolates, cfg.startupRounds));
        const t = summary(out);
        console.log(
          `  start-up per fresh isolate (${out.isolates} × ${out.rounds} each): ${fmt(t.app.total, 2)} ms ${t.byCpu ? "CPU" : "wall, global scope only"} (${versus(t)})`,
        );
      } catch (err) {
        out.startupError = `start-up not measured: ${failure(err)}`;
        console.log(`  ${out.startupError}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// Loads nothing at start; the first request imports the bundle between marks (see the top).
const ENTRY = `
export default {
  async fetch(request, env) {
    await env.CLOCK.fetch("http://clock/a");
    await env.CLOCK.fetch("http://clock/b");
    await import("./bundle.js");
    await env.CLOCK.fetch("http://clock/c");
    return new Response("ok");
  },
};`;

/**
 * Both parts of start-up for each bundle, and for a module with nothing in it (the yardstick of
 * the load part), `rounds` times: one workerd per kind and round, with `perLaunch + 1` Workers
 * of it, the first of which warms up the marks and is not counted.
 * @param {{ app: string, bare: string }} sources @param {number} perLaunch @param {number} rounds
 * @returns {Promise<Required<Pick<SizeStartup, "isolates" | "rounds" | "loadCpuMs" | "app" | "bare">>>}
 */
async function startup(sources, perLaunch, rounds) {
  const workers = perLaunch + 1;
  /** @type {{ empty: number[], bare: number[], app: number[] }} */
  const loadCpuMs = { empty: [], bare: [], app: [] };
  /** @type {{ app: Samples, bare: Samples }} */
  const samples = { app: { wallMs: [], cpuMs: [] }, bare: { wallMs: [], cpuMs: [] } };
  for (let round = 0; round < rounds; round++) {
    loadCpuMs.empty.push((await launch("export default {};", workers, false)).loadCpuMs);
    for (const kind of /** @type {const} */ (["bare", "app"])) {
      const one = await launch(sources[kind], workers, true);
      loadCpuMs[kind].push(one.loadCpuMs);
      samples[kind].wallMs.push(...one.samples.wallMs);
      samples[kind].cpuMs.push(...one.samples.cpuMs);
    }
  }
  return { isolates: perLaunch, rounds, loadCpuMs, ...samples };
}

/**
 * One workerd with `workers` Workers loading `source`: workerd's CPU time once all are loaded
 * (NaN where /proc cannot be read) and, when `timed`, each one's global scope (see the top).
 * @param {string} source @param {number} workers @param {boolean} timed
 * @returns {Promise<{ loadCpuMs: number, samples: Samples }>}
 */
async function launch(source, workers, timed) {
  const names = Array.from({ length: workers }, (_, i) => `isolate-${i}`);
  /** Each isolate's marks ("a", "b", "c"): when they arrived here, and workerd's CPU time then. */
  const marks = new Map(names.map((name) => [name, /** @type {Record<string, { at: bigint, cpuNs: number }>} */ ({})]));
  let pid = /** @type {number | null} */ (null);
  const mf = startMiniflare({
    log: undefined,
    workers: names.map((name) => ({
      name,
      compatibilityDate: COMPAT_DATE,
      modulesRoot: "/",
      modules: [
        { type: "ESModule", path: "/entry.mjs", contents: ENTRY },
        { type: "ESModule", path: "/bundle.js", contents: source },
      ],
      serviceBindings: {
        CLOCK: (/** @type {Request} */ req) => {
          const at = process.hrtime.bigint();
          const cpuNs = pid === null ? NaN : processCpuNs(pid);
          const mine = marks.get(name);
          if (mine) mine[new URL(req.url).pathname.slice(1)] = { at, cpuNs };
          return new Response(null, { status: 204 });
        },
      },
    })),
  });
  try {
    await mf.ready;
    pid = findWorkerdPid();
    const loadCpuMs = pid === null ? NaN : processCpuNs(pid) / 1e6;
    /** @type {Samples} */
    const samples = { wallMs: [], cpuMs: [] };
    if (timed) {
      for (const [i, name] of names.entries()) {
        const res = await (await mf.getWorker(name)).fetch("http://startup/");
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${body.slice(0, 200)}`);
        const m = marks.get(name);
        if (!m?.a || !m.b || !m.c) throw new Error(`${name}: marks missing`);
        if (i === 0) continue;
        samples.wallMs.push((Number(m.c.at - m.b.at) - Number(m.b.at - m.a.at)) / 1e6);
        samples.cpuMs.push((m.c.cpuNs - m.b.cpuNs - (m.b.cpuNs - m.a.cpuNs)) / 1e6);
      }
    }
    return { loadCpuMs, samples };
  } finally {
    await mf.dispose();
  }
}

/** How many fresh isolates of each kind had their global scope timed. @param {SizeStartup} s */
const samplesOf = (s) => s.app?.wallMs.length ?? 0;

/**
 * The figures a run reports, per fresh isolate. With workerd's CPU time: the load part (what a
 * Worker of that kind adds to workerd's CPU time until all are loaded, over one with an empty
 * module, per Worker) plus the global scope's median. Without it: the global scope in wall time.
 * @param {SizeStartup} s
 */
function summary(s) {
  const workers = (s.isolates ?? NaN) + 1;
  // Per round, what a Worker of that kind added over an empty one; the median round.
  const load = (/** @type {"app" | "bare"} */ kind) =>
    median((s.loadCpuMs?.[kind] ?? []).map((ms, round) => (ms - (s.loadCpuMs?.empty[round] ?? NaN)) / workers));
  const byCpu = Number.isFinite(load("app")) && Number.isFinite(median(s.app?.cpuMs ?? []));
  const part = (/** @type {"app" | "bare"} */ kind) => {
    const scope = median((byCpu ? s[kind]?.cpuMs : s[kind]?.wallMs) ?? []);
    const loaded = byCpu ? load(kind) : 0;
    // A compile below the launches' noise counts as nothing, never as a saving.
    return { load: loaded, scope, total: Math.max(0, loaded) + scope, wallScope: median(s[kind]?.wallMs ?? []) };
  };
  const app = part("app");
  const bare = part("bare");
  // Each launch's CPU time varies by more than a small Worker's compile: a median below zero (or a
  // total that is not above it) says the difference is lost in that noise, not that it is negative,
  // so no ratio is made of it.
  const ratio = app.load < 0 || bare.load < 0 ? NaN : app.total / bare.total;
  return { byCpu, app, bare, ratio };
}

/** A compile figure; one below zero is launch-to-launch noise (counted as 0 in the total). @param {number} ms */
const compile = (ms) => (ms < 0 ? `below noise (${fmt(ms, 2)} ms, counted as 0)` : `${fmt(ms, 2)} ms`);

/** The app against the bare Worker, in words. @param {ReturnType<typeof summary>} t */
const versus = (t) =>
  Number.isFinite(t.ratio)
    ? `${fmt(t.ratio, 1)}× a bare Hono Worker's ${fmt(t.bare.total, 2)} ms`
    : `a bare Hono Worker: ${fmt(t.bare.total, 2)} ms; no ratio, as a compile difference fell below this run's launch-to-launch noise`;

/** The row's table and the figures the headline cites. @param {SizeStartup} s */
export function render(s) {
  const bundleRows = s.gzipBytes
    ? [
        ["production bundle (`wrangler deploy --dry-run --env production`)", `${fmt((s.rawBytes ?? NaN) / 1024, 1)} KiB`, ""],
        [
          "gzip (level 9, measured)",
          `**${fmt(s.gzipBytes / 1024, 1)} KiB** (${fmt(s.gzipBytes)} bytes)`,
          `< ${fmt(GZIP_TARGET_BYTES / 1024)} KiB ${verdict(s.gzipBytes, GZIP_TARGET_BYTES, false)}`,
        ],
        ["gzip (wrangler's own figure)", `${s.wranglerGzipKiB ?? "—"} KiB`, ""],
      ]
    : [["production bundle", s.error ?? "not measured", ""]];
  const t = summary(s);
  const measured = !s.startupError && Number.isFinite(t.app.total);
  // "At most": verdict() reads lower-is-better targets as strict.
  const startupVerdict = measured ? (t.app.total <= STARTUP_TARGET_MS ? "✅ meets" : "❌ misses") : "—";
  const what = t.byCpu ? "compile + global scope, CPU time" : "global scope only, wall time (no CPU time here)";
  const ms2 = (/** @type {number} */ x) => `${fmt(x, 2)} ms`;
  const startupRows = measured
    ? [
        [
          `start-up per fresh isolate: ${what}`,
          `**${ms2(t.app.total)}** (${versus(t)})`,
          `≤ ${fmt(STARTUP_TARGET_MS)} ms (5 % of the ${fmt(STARTUP_LIMIT_MS / 1000)} s limit) ${startupVerdict}`,
        ],
        ...(t.byCpu
          ? [
              [
                `… compile at load (median of ${s.rounds} round${s.rounds === 1 ? "" : "s"} of ${s.isolates} + 1 Workers) / global scope (median of ${samplesOf(s)} isolates)`,
                `${compile(t.app.load)} / ${ms2(t.app.scope)}`,
                "",
              ],
              ["… the same for the bare Hono Worker", `${compile(t.bare.load)} / ${ms2(t.bare.scope)}`, ""],
              ["… global scope in wall time (median)", `${ms2(t.app.wallScope)} (bare: ${ms2(t.bare.wallScope)})`, ""],
            ]
          : [[`… median of ${samplesOf(s)} isolates each`, "", ""]]),
      ]
    : [["start-up", s.startupError ?? "not measured", ""]];
  return {
    table: table(["", "value", "target"], "lrl", [...bundleRows, ...startupRows]),
    gzipKiB: fmt((s.gzipBytes ?? NaN) / 1024, 1),
    measured: Boolean(s.gzipBytes),
    targetKiB: fmt(GZIP_TARGET_BYTES / 1024),
    verdict: verdict(s.gzipBytes, GZIP_TARGET_BYTES, false),
    startup: {
      measured,
      ms: fmt(t.app.total, 2),
      what,
      /** "3.2× a bare Hono Worker's 3.50 ms", or why there is no ratio. */
      versus: versus(t),
      isolates: samplesOf(s),
      targetMs: fmt(STARTUP_TARGET_MS),
      limitS: fmt(STARTUP_LIMIT_MS / 1000),
      verdict: startupVerdict,
    },
  };
}
