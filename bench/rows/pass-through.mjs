// Row 1, a pending poll: through the Worker, which answers `authorization_pending` at the edge
// for an undecided grant (its Durable Object), and through the Worker with every poll sent on
// to Authlete (POLL_PASS_THROUGH_SECONDS=0, the pass-through cost), versus the Worker an
// operator could write instead (bench/proxy-worker.ts: the same form body through the same
// service binding, nothing else, so it always asks Authlete), with the call sent straight to
// the emulator as the floor. Needs wrk.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, median, ms, signedMs, table, verdict } from "../lib/format.mjs";
import { BEARER, createCodes, FORM, SERVICE_ID } from "../lib/http.mjs";
import { comparisonTable, pair, pairedFigures } from "../lib/pair.mjs";
import { runWrk } from "../lib/wrk.mjs";

/** A pending poll answered at the edge: at least the proxy's throughput (it still asks Authlete), and a lower p50. */
const TARGET = 1.0;
/** A poll that reaches Authlete through the Worker (the pass-through side). */
const PASS_THROUGH_TARGET = 0.8;
/**
 * The emulator's polling interval for this row (the seed's is 5 s): a code may be polled
 * again after 1 s, so far fewer codes keep every poll compliant. Fewer live codes also keep
 * the baseline honest, since the emulator scans its store on every call.
 */
const INTERVAL_S = 1;
/** The most codes a pool gets; a faster Worker wraps a code sooner and is told slow_down, which the report counts as unexpected. */
const MAX_POOL = 8_000;
const SERVICE = { deviceFlowPollingInterval: INTERVAL_S, deviceFlowCodeDuration: 3600 }; // 1 h outlasts the row

/**
 * The edge against the proxy again, with every `/auth/token` answer of the emulator held back by
 * `rtt` ms (its `latency` fault): Authlete as far away as it is from a Cloudflare location.
 * @typedef {{ rtt: number, paired: import("../lib/pair.mjs").Paired }} AtDistance
 */
/** @typedef {import("../lib/pair.mjs").Paired & { poolSize: number, passThroughPoolSize: number, cycleSeconds: number, atDistance: AtDistance[] }} PassThrough */

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @param {import("../lib/http.mjs").Control} control
 * @returns {Promise<PassThrough>}
 */
export async function measure(cfg, urls, control) {
  console.log("\n[1] A pending poll: at the edge, and passed through to Authlete, Worker vs a plain proxy Worker (emulator direct as the floor)");
  await control("POST", "/_emulator/service", SERVICE);
  // wrk sends the Authlete call itself to the emulator, and the device's poll to the Worker.
  const emuEnv = (/** @type {string} */ codesFile, /** @type {number} */ offset) => ({
    WRK_METHOD: "POST",
    WRK_PATH: `/api/${SERVICE_ID}/auth/token`,
    WRK_CT: "application/json",
    WRK_AUTH: BEARER,
    WRK_FORMAT: "authlete",
    WRK_CODES: codesFile,
    WRK_OFFSET: String(offset),
    WRK_EXPECT: "authorization_pending",
  });
  const workerEnv = (/** @type {string} */ codesFile, /** @type {number} */ offset) => ({
    ...emuEnv(codesFile, offset),
    WRK_PATH: "/token",
    WRK_CT: FORM,
    WRK_AUTH: "",
    WRK_FORMAT: "form",
  });
  const dir = mkdtempSync(join(tmpdir(), "dfe-bench-"));
  try {
    // Size the pool from a short probe through the Worker: a second and a half of polls at that
    // rate before a code comes round again (its interval is 1 s). A larger pool would slow the
    // emulator down for nothing (it scans its store on every call), on both sides alike, and costs
    // minting time: each code makes two Durable Objects, which local workerd creates on disk.
    const probe = async (/** @type {string} */ origin) => {
      const probeCodes = await createCodes(origin, 500);
      const f = join(dir, "probe.txt");
      writeFileSync(f, probeCodes.map((c) => c.deviceCode).join("\n"));
      const r = await runWrk(cfg, `${origin}/token`, { ...workerEnv(f, 0), WRK_EXPECT: "error" }, 1);
      // The probe's codes wrap and get slow_down (cheaper), so its rate is an overestimate: safe.
      // Margin for tail latency: a poll can sit in workerd's queue for up to a second.
      const size = Math.min(MAX_POOL, Math.max(1_000, Math.ceil(r.rps * 1.5)));
      console.log(`  probe ${origin}: ${fmt(r.rps)} req/s → pool of ${fmt(size)} device codes (interval ${INTERVAL_S} s)`);
      return size;
    };
    const sizeA = await probe(urls.app);
    const sizeC = await probe(urls["app-passthrough"]);
    // The probes' codes are spent (their intervals were raised); drop them from the emulator,
    // whose store is scanned on every call, and mint fresh pools.
    await control("POST", "/_emulator/reset");
    await control("POST", "/_emulator/service", SERVICE);
    // Each pool minted through its own Worker's /device_authorization, so each code has a grant there.
    const codes = await createCodes(urls.app, sizeA);
    const passThroughCodes = await createCodes(urls["app-passthrough"], sizeC);
    if ([...codes, ...passThroughCodes].some((c) => c.interval !== INTERVAL_S))
      throw new Error(`the emulator did not take deviceFlowPollingInterval=${INTERVAL_S}`);
    const file = join(dir, "codes.txt");
    const passThroughFile = join(dir, "codes-passthrough.txt");
    writeFileSync(file, codes.map((c) => c.deviceCode).join("\n"));
    writeFileSync(passThroughFile, passThroughCodes.map((c) => c.deviceCode).join("\n"));
    const offsets = { a: 0, b: 0, c: 0, d: 0 };
    const counted = (/** @type {"a" | "b" | "c" | "d"} */ side, /** @type {(offset: number) => ReturnType<typeof runWrk>} */ run) => async () => {
      const r = await run(offsets[side]);
      // Requests still in flight when wrk stopped reached the Worker but are not counted:
      // skip past them, so the next run (possibly right after) starts on unpolled codes.
      offsets[side] += r.requests + cfg.connections;
      return r;
    };
    const result = await pair(cfg, "pass-through", {
      a: counted("a", (o) => runWrk(cfg, `${urls.app}/token`, workerEnv(file, o))),
      // The proxy forwards each poll to Authlete, which answers authorization_pending: it never refuses, so any code will do.
      b: counted("b", (o) => runWrk(cfg, `${urls.proxy}/token`, workerEnv(file, o))),
      c: counted("c", (o) => runWrk(cfg, `${urls["app-passthrough"]}/token`, workerEnv(passThroughFile, o))),
      d: counted("d", (o) => runWrk(cfg, urls["authlete-emulator"], emuEnv(file, o))),
    });
    // The same two sides with Authlete a round trip away. In this process the emulator answers in
    // well under a millisecond, cheaper than anything the Worker does, while on Cloudflare every
    // call to Authlete crosses the internet to its region; the edge's pending answer crosses
    // nothing. Only the device's polls are delayed (`auth/token`), both sides alike.
    /** @type {AtDistance[]} */
    const atDistance = [];
    for (const rtt of cfg.authleteRtts) {
      await control("POST", "/_emulator/faults", { api: "auth/token", mode: "latency", latencyMs: rtt, times: 0 });
      try {
        const paired = await pair(cfg, `pass-through, Authlete ${rtt} ms away`, {
          a: counted("a", (o) => runWrk(cfg, `${urls.app}/token`, workerEnv(file, o))),
          b: counted("b", (o) => runWrk(cfg, `${urls.proxy}/token`, workerEnv(file, o))),
        });
        atDistance.push({ rtt, paired });
      } finally {
        await control("DELETE", "/_emulator/faults");
      }
    }
    return {
      ...result,
      atDistance,
      poolSize: codes.length,
      passThroughPoolSize: passThroughCodes.length,
      cycleSeconds: Math.min(codes.length / result.a.rps, passThroughCodes.length / (result.c?.rps ?? NaN)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await control("DELETE", "/_emulator/service");
    await control("POST", "/_emulator/reset");
  }
}

/** The row's table and the figures its prose cites. @param {PassThrough} x */
export function render(x) {
  const perRun = (/** @type {(r: PassThrough["runs"][number]) => number} */ f) => median(x.runs.map(f));
  return {
    ...pairedFigures(x),
    // Against the floor: the Worker, and the proxy itself.
    workerVsFloor: fmt(
      perRun((r) => r.a.rps / (r.d?.rps ?? NaN)),
      2,
    ),
    proxyVsFloor: fmt(
      perRun((r) => r.b.rps / (r.d?.rps ?? NaN)),
      2,
    ),
    table: comparisonTable(
      x,
      {
        a: "through the Worker: pending at the edge",
        b: "plain proxy Worker (baseline)",
        short: "edge",
        floor: "emulator direct",
        c: "through the Worker: every poll to Authlete ²",
        cShort: "²",
        cTarget: PASS_THROUGH_TARGET,
      },
      TARGET,
    ),
    target: TARGET,
    verdict: verdict(x.ratio, TARGET),
    missed: !meets(x),
    lowerP50: x.p50DiffUs < 0,
    passThroughTarget: PASS_THROUGH_TARGET,
    passThroughRatio: fmt(x.c?.ratio, 2),
    passThroughP50Diff: signedMs(x.c?.p50DiffUs),
    passThroughVerdict: verdict(x.c?.ratio ?? NaN, PASS_THROUGH_TARGET),
    passThroughMissed: !((x.c?.ratio ?? NaN) >= PASS_THROUGH_TARGET),
    interval: INTERVAL_S,
    atDistance: distanceFigures(x.atDistance ?? []),
    poolSize: fmt(x.poolSize),
    passThroughPoolSize: fmt(x.passThroughPoolSize),
    cycleSeconds: fmt(x.cycleSeconds, 1),
  };
}

/**
 * Whether the edge met row 1's target: at least the proxy's throughput, and a lower p50 (the
 * proxy asks Authlete every time, the edge does not).
 * @param {import("../lib/pair.mjs").Paired} p
 */
const meets = (p) => p.ratio >= TARGET && p.p50DiffUs < 0;

/**
 * Row 1 with Authlete at a distance: a table, and the nearest distance at which the edge met the
 * target (at least the proxy's throughput, and a lower p50), or none.
 * @param {AtDistance[]} xs
 */
function distanceFigures(xs) {
  const first = xs.find((x) => meets(x.paired));
  return {
    measured: xs.length > 0,
    table: table(
      [
        "Authlete this far away",
        "pending at the edge (req/s)",
        "plain proxy (req/s)",
        "**edge / proxy**",
        "p50 at the edge (ms)",
        "p50 through the proxy (ms)",
        "target",
      ],
      "lrrrrrl",
      xs.map(({ rtt, paired: p }) => [
        `${fmt(rtt)} ms`,
        fmt(p.a.rps),
        fmt(p.b.rps),
        `**${fmt(p.ratio, 2)}**`,
        ms(p.a.p50Us),
        ms(p.b.p50Us),
        meets(p) ? "✅ meets" : "❌ misses",
      ]),
    ),
    rtts: xs.map((x) => `${fmt(x.rtt)} ms`).join(", "),
    firstMet: first ? `${fmt(first.rtt)} ms` : null,
    firstMetRatio: first ? fmt(first.paired.ratio, 2) : null,
  };
}
