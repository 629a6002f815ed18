// Row 3, verification page: GET /device (the code-entry page, no session) versus the bare
// Hono Worker returning a constant HTML page of the same size. Needs wrk.
import { fmt, ms, signedMs, table } from "../lib/format.mjs";
import { http } from "../lib/http.mjs";
import { pair, pairedFigures } from "../lib/pair.mjs";
import { runWrk } from "../lib/wrk.mjs";

/** @typedef {import("../lib/pair.mjs").Paired & { present: boolean, status: number, bytes: number }} VerificationPage */

/**
 * @param {import("../lib/settings.mjs").Settings} cfg
 * @param {import("../lib/stack.mjs").Urls} urls
 * @returns {Promise<VerificationPage>}
 */
export async function measure(cfg, urls) {
  console.log("\n[3] Verification page: GET /device");
  const probe = await http(`${urls.app}/device`);
  const bytes = Buffer.byteLength(probe.text);
  const present = probe.status === 200 && /<html/i.test(probe.text);
  console.log(`  GET /device → ${probe.status}, ${bytes} bytes${present ? "" : " (the page is missing: measured anyway, reported as missing)"}`);
  const result = await pair(cfg, "GET /device", {
    a: () => runWrk(cfg, `${urls.app}/device`, { WRK_METHOD: "GET", WRK_PATH: "/device", WRK_EXPECT: "status:200" }),
    b: () => runWrk(cfg, `${urls.bare}/page`, { WRK_METHOD: "GET", WRK_PATH: `/page?bytes=${Math.max(bytes, 64)}`, WRK_EXPECT: "status:200" }),
  });
  return { ...result, present, status: probe.status, bytes };
}

/** The row's table and the figures its prose cites. @param {VerificationPage} x */
export function render(x) {
  return {
    ...pairedFigures(x),
    present: x.present,
    status: x.status,
    bytes: fmt(x.bytes),
    table: table(["", "GET /device", "constant page (baseline)", "page / baseline"], "lrrr", [
      ["throughput (req/s)", fmt(x.a.rps), fmt(x.b.rps), `**${fmt(x.ratio, 2)}**`],
      ["p50 latency (ms)", ms(x.a.p50Us), ms(x.b.p50Us), `${signedMs(x.p50DiffUs)} ms`],
      ["p99 latency (ms)", ms(x.a.p99Us), ms(x.b.p99Us), `${signedMs(x.p99DiffUs)} ms`],
      ["non-200 answers", `${fmt(x.a.bad)} of ${fmt(x.a.requests)}`, `${fmt(x.b.bad)} of ${fmt(x.b.requests)}`, ""],
    ]),
  };
}
