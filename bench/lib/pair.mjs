// The load rows' method: the measured side and its baseline (and, for rows 1 and 2, the
// measured side again with KV in the Worker's isolate) run one after the other, run after
// run, and every figure is a median over the runs. Also the table those rows share.
import { fmt, median, ms, signedMs, table, verdict } from "./format.mjs";

/** @typedef {import("./wrk.mjs").WrkResult} WrkResult */
/** @typedef {"a" | "b" | "c" | "d"} Side a: measured, b: baseline, c: measured with KV in the Worker's isolate, d: a floor (row 1: the emulator alone) */
/**
 * One side's medians and totals over the runs.
 * @typedef {{ rps: number, p50Us: number, p99Us: number, requests: number, ok: number, bad: number, socketErrors: number, badSample: string }} Summary
 */
/** A side against the baseline: medians of the per-run ratio and differences. @typedef {{ ratio: number, p50DiffUs: number, p99DiffUs: number }} VsBaseline */
/** @typedef {{ runs: { a: WrkResult, b: WrkResult, c?: WrkResult, d?: WrkResult }[], a: Summary, b: Summary, c?: Summary & VsBaseline, d?: Summary & VsBaseline } & VsBaseline} Paired */

/**
 * Runs every side once per run, alternating the order so drift (thermal, caches) favours no
 * side, and compares `a` (and `c`) with the baseline `b` run by run.
 * @param {import("./settings.mjs").Settings} cfg
 * @param {string} label for the console
 * @param {{ a: (run: number) => Promise<WrkResult>, b: (run: number) => Promise<WrkResult>, c?: (run: number) => Promise<WrkResult>, d?: (run: number) => Promise<WrkResult> }} sides
 * @returns {Promise<Paired>}
 */
export async function pair(cfg, label, sides) {
  /** @type {Side[]} */
  const names = ["a", "b", ...(sides.c ? /** @type {const} */ (["c"]) : []), ...(sides.d ? /** @type {const} */ (["d"]) : [])];
  /** @type {Paired["runs"]} */
  const runs = [];
  for (let r = 0; r < cfg.runs; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    /** @type {Partial<Record<Side, WrkResult>>} */
    const got = {};
    for (const side of order) got[side] = await sides[side]?.(r);
    const { a, b, c, d } = got;
    if (!a || !b) throw new Error(`${label}: a side did not run`);
    runs.push({ a, b, c, d });
    const line = (/** @type {Side} */ n) => {
      const x = got[n];
      return x ? `${n} ${fmt(x.rps)} req/s p50 ${ms(x.p50Us)} p99 ${ms(x.p99Us)} ms${x.bad ? ` (${x.bad} unexpected)` : ""}` : "";
    };
    console.log(`  ${label} run ${r + 1}/${cfg.runs}: ${names.map(line).join(" | ")}`);
  }
  const each = (/** @type {Side} */ side) => runs.map((x) => x[side]).filter((x) => x !== undefined);
  /** @returns {Summary} */
  const sum = (/** @type {Side} */ side) => {
    const xs = each(side);
    const total = (/** @type {(x: WrkResult) => number} */ f) => xs.reduce((n, x) => n + f(x), 0);
    return {
      rps: median(xs.map((x) => x.rps)),
      p50Us: median(xs.map((x) => x.p50Us)),
      p99Us: median(xs.map((x) => x.p99Us)),
      requests: total((x) => x.requests),
      ok: total((x) => x.ok),
      bad: total((x) => x.bad),
      socketErrors: total((x) => x.socketErrors),
      badSample: xs.map((x) => x.badSample).find((s) => s) ?? "",
    };
  };
  /** @returns {VsBaseline} */
  const vs = (/** @type {Side} */ side) => ({
    ratio: median(runs.map((x) => (x[side]?.rps ?? NaN) / x.b.rps)),
    p50DiffUs: median(runs.map((x) => (x[side]?.p50Us ?? NaN) - x.b.p50Us)),
    p99DiffUs: median(runs.map((x) => (x[side]?.p99Us ?? NaN) - x.b.p99Us)),
  });
  /** @type {Paired} */
  const out = { runs, a: sum("a"), b: sum("b"), ...vs("a") };
  if (sides.c) out.c = { ...sum("c"), ...vs("c") };
  if (sides.d) out.d = { ...sum("d"), ...vs("d") };
  console.log(`  → ${label}: a/b ${fmt(out.ratio, 3)}${out.c ? `, c/b ${fmt(out.c.ratio, 3)}` : ""}${out.d ? `, d/b ${fmt(out.d.ratio, 3)}` : ""}`);
  return out;
}

/**
 * Rows 1 and 2: the measured side, its baseline and a variant (row 2: KV in the Worker's isolate;
 * row 1: every poll passed through to Authlete), against the target.
 * @param {Paired} x
 * @param {{ a: string, b: string, short: string, floor?: string, c?: string, cShort?: string, cTarget?: number }} labels column headings;
 *   `floor`: the d side's, shown too; `c`, `cShort`: the variant's (default: KV in its isolate, ¹); `cTarget`: a target of its own
 * @param {number} target the least ratio the row aims for
 */
export function comparisonTable(x, { a, b, short, floor, c: cLabel, cShort = "¹", cTarget }, target) {
  const c = x.c;
  const d = floor ? x.d : undefined;
  /** @param {string[]} cells @param {string[]} floorCells */
  const row = (cells, floorCells) => (floor ? [...cells, ...floorCells] : cells);
  return table(
    row(
      ["", a, b, `**${short} / baseline**`, "target", cLabel ?? `${short}, KV in its isolate ¹`, `${cShort} / baseline`],
      [`${floor} (floor)`, "floor / baseline"],
    ),
    floor ? "lrrrlrrrr" : "lrrrlrr",
    [
      row(
        [
          "throughput (req/s)",
          fmt(x.a.rps),
          fmt(x.b.rps),
          `**${fmt(x.ratio, 2)}**`,
          `≥ ${target} ${verdict(x.ratio, target)}`,
          fmt(c?.rps),
          cTarget === undefined ? fmt(c?.ratio, 2) : `${fmt(c?.ratio, 2)} (target ≥ ${cTarget} ${verdict(c?.ratio ?? NaN, cTarget)})`,
        ],
        [fmt(d?.rps), fmt(d?.ratio, 2)],
      ),
      row(
        ["p50 latency (ms)", ms(x.a.p50Us), ms(x.b.p50Us), `${signedMs(x.p50DiffUs)} ms`, "", ms(c?.p50Us), `${signedMs(c?.p50DiffUs)} ms`],
        [ms(d?.p50Us), `${signedMs(d?.p50DiffUs)} ms`],
      ),
      row(
        ["p99 latency (ms)", ms(x.a.p99Us), ms(x.b.p99Us), `${signedMs(x.p99DiffUs)} ms`, "", ms(c?.p99Us), `${signedMs(c?.p99DiffUs)} ms`],
        [ms(d?.p99Us), `${signedMs(d?.p99DiffUs)} ms`],
      ),
      row(
        [
          "responses checked (unexpected)",
          `${fmt(x.a.requests)} (${x.a.bad})`,
          `${fmt(x.b.requests)} (${x.b.bad})`,
          "",
          "",
          `${fmt(c?.requests)} (${c?.bad ?? "—"})`,
          "",
        ],
        [`${fmt(d?.requests)} (${d?.bad ?? "—"})`, ""],
      ),
    ],
  );
}

/**
 * What every load row's prose cites: the headline ratio and differences, each run's
 * throughput, how far p99 moved between runs, and the first unexpected answer, if any.
 * @param {Paired} x
 */
export function pairedFigures(x) {
  const range = (/** @type {Side} */ side) => {
    const p99s = x.runs.map((r) => r[side]?.p99Us).filter((us) => us !== undefined);
    return p99s.length ? `${ms(Math.min(...p99s))}–${ms(Math.max(...p99s))}` : "—";
  };
  const unexpected = x.a.bad + x.b.bad + (x.c?.bad ?? 0) + (x.d?.bad ?? 0);
  const sample = x.a.badSample || x.b.badSample || x.c?.badSample || x.d?.badSample || "";
  return {
    ratio: fmt(x.ratio, 2),
    p50Diff: signedMs(x.p50DiffUs),
    p99Diff: signedMs(x.p99DiffUs),
    kvRatio: fmt(x.c?.ratio, 2),
    aRps: fmt(x.a.rps),
    aP99: ms(x.a.p99Us),
    p99RangeA: range("a"),
    p99RangeB: range("b"),
    p99RangeD: range("d"),
    floorRatio: fmt(x.d?.ratio, 2),
    perRun: x.runs
      .map((r) =>
        [r.a, r.b, r.c, r.d]
          .filter((s) => s !== undefined)
          .map((s) => fmt(s.rps))
          .join(" / "),
      )
      .join("; "),
    unexpected: unexpected ? `${fmt(unexpected)}, e.g. \`${sample.replace(/`/g, "'")}\`` : "",
  };
}
