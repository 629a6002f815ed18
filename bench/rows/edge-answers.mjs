// Row 2, edge answers: too-early polls answered `slow_down` by the Worker without an
// Authlete call, versus a bare Hono Worker returning the same bytes (bench/bare-worker.ts).
// Needs wrk.
import { verdict } from "../lib/format.mjs";
import { FORM, pollForm, warmedCode } from "../lib/http.mjs";
import { comparisonTable, pair, pairedFigures } from "../lib/pair.mjs";
import { runWrk } from "../lib/wrk.mjs";

const TARGET = 0.7;

/** @typedef {import("../lib/pair.mjs").Paired & { interval?: number }} EdgeAnswers */

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @returns {Promise<EdgeAnswers>}
 */
export async function measure(cfg, urls) {
  console.log("\n[2] Edge answers: slow_down at the edge vs a bare Hono Worker");
  const wrkEnv = (/** @type {string} */ deviceCode) => ({
    WRK_METHOD: "POST",
    WRK_PATH: "/token",
    WRK_CT: FORM,
    WRK_BODY: pollForm(deviceCode),
    WRK_EXPECT: '"slow_down"',
  });
  /** @type {number | undefined} */
  let interval;
  // A fresh code per run, warmed to the cap: nothing is written to KV during the run, and the
  // run ends long before the cap lets a poll through again.
  const slowDownRun = async (/** @type {string} */ origin) => {
    const c = await warmedCode(origin);
    interval = c.interval;
    return runWrk(cfg, `${origin}/token`, wrkEnv(c.deviceCode));
  };
  const result = await pair(cfg, "slow_down", {
    a: () => slowDownRun(urls.app),
    b: () => runWrk(cfg, `${urls.bare}/token`, wrkEnv("x".repeat(43))),
    c: () => slowDownRun(urls["app-memkv"]),
  });
  return { ...result, interval };
}

/** The row's table and the figures its prose cites. @param {EdgeAnswers} x */
export function render(x) {
  return {
    ...pairedFigures(x),
    table: comparisonTable(x, { a: "slow_down at the edge", b: "bare Hono (baseline)", short: "edge" }, TARGET),
    target: TARGET,
    verdict: verdict(x.ratio, TARGET),
    missed: !(x.ratio >= TARGET),
    interval: x.interval ?? "—",
  };
}
