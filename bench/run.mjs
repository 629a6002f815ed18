// `npm run bench`: what the edge layer costs and what it saves, each figure against a
// baseline measured in the same run. Starts the Worker, a bench-only clocked entry, a bare
// Hono Worker and the Authlete emulator in one workerd through Miniflare, drives load with
// wrk on 127.0.0.1, and writes BENCHMARKS.md.
//
//   npm run bench                 5 runs × 5 s per load row
//   npm run bench -- --quick      2 runs × 2 s, fewer CPU samples (smoke); also BENCH_QUICK=1
//   npm run bench -- --render     rewrite BENCHMARKS.md from dist/bench/results.json, measuring nothing
//   npm run bench -- --size       row 6 alone (bundle size and start-up), printed; BENCHMARKS.md untouched
//
//   BENCH_RUNS          runs per load row (5; quick 2)
//   BENCH_SECONDS       seconds per wrk run (5; quick 2)
//   BENCH_CONNECTIONS   wrk connections (16)
//   BENCH_THREADS       wrk threads (1)
//   BENCH_CPU_REQUESTS  sequential requests per route in the CPU row (300; quick 100)
//   BENCH_OPS_PASSES    passes over the operations row's scenarios after a warm-up (3; quick 1)
//   BENCH_STARTUP_ISOLATES  fresh isolates per Worker and launch in the start-up row (25; quick 7)
//   BENCH_STARTUP_ROUNDS    launches per Worker in the start-up row (3; quick 1)
//   BENCH_OUT           the report file (BENCHMARKS.md)
//   BENCH_PIN=0         no CPU pinning (by default workerd and wrk get a CPU each when taskset can)
//   BENCH_AUTHLETE_RTTS row 1 again with Authlete that many ms away, comma-separated (10,25,50; quick 25)
//   BENCH_TIMEOUT_S     stop the whole bench after this many seconds (1800)
//
// Each row is one module in bench/rows/ that measures it and renders its table; the report's
// text is bench/report.md. It prints and writes; it never asserts a timing and is not part of
// `npm test`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { percent } from "./lib/format.mjs";
import { emulatorControl } from "./lib/http.mjs";
import { startIdp } from "./lib/idp.mjs";
import { findWorkerdPid, machine, threadCpuNs, threadSpread, versions } from "./lib/machine.mjs";
import { soakSection, withSoakSection } from "./lib/report-section.mjs";
import { readSettings } from "./lib/settings.mjs";
import { BENCH_BUDGET, startStack } from "./lib/stack.mjs";
import { fill } from "./lib/template.mjs";
import { findWrk, pinProcess, WRK_MISSING } from "./lib/wrk.mjs";
import * as costs from "./rows/costs.mjs";
import * as cpu from "./rows/cpu.mjs";
import * as edgeAnswers from "./rows/edge-answers.mjs";
import * as grants from "./rows/grants.mjs";
import * as operations from "./rows/operations.mjs";
import * as passThrough from "./rows/pass-through.mjs";
import * as sizeStartup from "./rows/size-startup.mjs";
import * as verificationPage from "./rows/verification-page.mjs";

const cfg = readSettings();
const RESULTS_JSON = "dist/bench/results.json";
const TEMPLATE = new URL("report.md", import.meta.url);

/**
 * Everything a run measured, as dist/bench/results.json keeps it. The load rows are missing
 * when wrk is; `workerdThreads` when /proc could not be read.
 * @typedef {{ started: Date, finished: Date, machine: ReturnType<typeof machine>, versions: ReturnType<typeof versions>,
 *   cfg: import("./lib/settings.mjs").Settings, pinned?: boolean, workerdThreads?: ReturnType<typeof threadSpread>,
 *   passThrough?: passThrough.PassThrough, edge?: edgeAnswers.EdgeAnswers, page?: verificationPage.VerificationPage,
 *   grants: grants.Grants, operations: operations.Operations, cpu: cpu.Cpu, size: sizeStartup.SizeStartup }} Results
 */

/** @returns {Promise<Results>} */
async function measure() {
  const started = new Date();
  const wrkVersion = findWrk();
  const m = machine();
  const v = versions(wrkVersion);
  console.log(
    `device-flow-edge bench — ${cfg.runs} runs × ${cfg.seconds} s, ${cfg.connections} connections, ${cfg.threads} wrk thread(s)${cfg.quick ? " (quick)" : ""}`,
  );
  console.log(
    `machine: ${m.cores} CPUs, ${m.cpu}, ${m.memoryGiB} GiB; node ${v.node}, ${v.workerd}, miniflare ${v.miniflare}, wrangler ${v.wrangler}, hono ${v.hono}`,
  );
  if (!wrkVersion) console.log(`\n${WRK_MISSING}\n`);
  /** @type {Omit<Results, "grants" | "operations" | "cpu" | "size" | "finished">} */
  const results = { started, machine: m, versions: v, cfg };

  // Rows 1–3 (wrk) run without the inspector attached, so the debugger costs them nothing.
  if (wrkVersion) {
    const stack = await startStack();
    try {
      const pid = findWorkerdPid();
      results.pinned = pid !== null && cfg.workerdCpu !== null && pinProcess(pid, cfg.workerdCpu);
      const before = pid === null ? null : threadCpuNs(pid);
      const control = emulatorControl(stack.urls["authlete-emulator"]);
      await control("POST", "/_emulator/reset");
      results.passThrough = await passThrough.measure(cfg, stack.urls, control);
      results.edge = await edgeAnswers.measure(cfg, stack.urls);
      results.page = await verificationPage.measure(cfg, stack.urls);
      // How workerd spread its work over its threads while under load, for the report.
      if (pid !== null && before !== null) results.workerdThreads = threadSpread(before, threadCpuNs(pid));
    } finally {
      await stack.close();
    }
  }

  // Rows 4, 5 and 7 share a stack with the inspector; not pinned: V8's sampler thread needs a
  // CPU of its own, or it loses samples. The OpenID provider (loopback) serves its federation parts.
  const idp = await startIdp(["app-oidc", "app-bench-oidc"]);
  const stack = await startStack({ inspectorPort: 0, oidc: idp });
  let grantsResult;
  let operationsResult;
  let cpuResult;
  try {
    const control = emulatorControl(stack.urls["authlete-emulator"]);
    const inspector = String(await stack.mf.getInspectorURL());
    await control("POST", "/_emulator/reset");
    grantsResult = await grants.measure(stack.urls, control);
    await control("POST", "/_emulator/reset");
    operationsResult = await operations.measure(cfg, stack.urls, control, inspector, idp.issuers);
    await control("POST", "/_emulator/reset");
    cpuResult = await cpu.measure(cfg, stack.urls, inspector, findWorkerdPid(), idp.issuers);
  } finally {
    await stack.close();
    await idp.stop();
  }

  const size = await sizeStartup.measure(cfg);
  return { ...results, grants: grantsResult, operations: operationsResult, cpu: cpuResult, size, finished: new Date() };
}

/** BENCHMARKS.md from a run's results: each row renders its part, the template has the text. @param {Results} r */
function render(r) {
  const rows = {
    passThrough: r.passThrough && passThrough.render(r.passThrough),
    edge: r.edge && edgeAnswers.render(r.edge),
    page: r.page && verificationPage.render(r.page),
    grants: grants.render(r.grants),
    operations: operations.render(r.operations),
    costs: costs.render(r.operations),
    cpu: cpu.render(r.cpu),
    size: sizeStartup.render(r.size),
  };
  const spread = r.workerdThreads;
  // Every target the bench has, said plainly: met or not, with the figure beside it.
  /** @type {[string, { verdict: string, missed: boolean } | undefined, string][]} */
  const targets = [
    [
      "pending poll answered at the edge: ≥ 1.0 of the plain proxy Worker's throughput, and a lower p50 (row 1), with the emulator in the same process",
      rows.passThrough,
      `${rows.passThrough?.ratio}×, p50 ${rows.passThrough?.p50Diff} ms`,
    ],
    [
      `… the same with Authlete a round trip away (row 1: ${rows.passThrough?.atDistance.rtts})`,
      rows.passThrough?.atDistance.measured ? { verdict: "", missed: !rows.passThrough.atDistance.firstMet } : undefined,
      rows.passThrough?.atDistance.firstMet
        ? `met from ${rows.passThrough.atDistance.firstMet} (${rows.passThrough.atDistance.firstMetRatio}×)`
        : "not met at any distance measured",
    ],
    [
      "pass-through poll: ≥ 0.8 of the plain proxy Worker's throughput (row 1, ²)",
      rows.passThrough && { verdict: rows.passThrough.passThroughVerdict, missed: rows.passThrough.passThroughMissed },
      `${rows.passThrough?.passThroughRatio}×, p50 ${rows.passThrough?.passThroughP50Diff} ms`,
    ],
    .../** @type {[string, { verdict: string, missed: boolean }, string][]} */ (rows.costs.present ? (rows.costs.targets ?? []) : []),
    ["edge slow_down: ≥ 0.7 of a bare Hono Worker's throughput (row 2)", rows.edge, `${rows.edge?.ratio}×`],
    [
      `start-up of a fresh isolate ≤ ${rows.size.startup.targetMs} ms, 5 % of the platform's ${rows.size.startup.limitS} s limit (row 6)`,
      rows.size.startup.measured ? { verdict: rows.size.startup.verdict, missed: !rows.size.startup.verdict.includes("meets") } : undefined,
      `${rows.size.startup.ms} ms, ${rows.size.startup.what} (${rows.size.startup.versus})`,
    ],
    [
      `production bundle: < ${rows.size.targetKiB} KiB gzip, a guard against something large getting in by accident (row 6)`,
      rows.size.measured ? { verdict: rows.size.verdict, missed: !rows.size.verdict.includes("meets") } : undefined,
      `${rows.size.gzipKiB} KiB`,
    ],
  ];
  const targetsText = targets
    .map(([what, row, figure]) => `- ${row ? (row.missed ? "**not met**" : "**met**") : "not measured"}: ${what}${row ? ` — ${figure}` : ""}`)
    .join("\n");
  return fill(readFileSync(TEMPLATE, "utf8"), {
    ...rows,
    targetsMissed: Boolean(rows.passThrough?.missed || rows.edge?.missed),
    run: {
      started: r.started.toISOString(),
      finished: r.finished.toISOString(),
      minutes: ((r.finished.getTime() - r.started.getTime()) / 60_000).toFixed(1),
      pinned: r.pinned ?? false,
      spread: spread && Number.isFinite(spread.busiestShare) && { ...spread, busiestShare: percent(spread.busiestShare) },
    },
    machine: r.machine,
    versions: r.versions,
    cfg: r.cfg,
    setup: { budget: BENCH_BUDGET },
    targets: { text: targetsText },
    wrkMissing: WRK_MISSING,
  });
}

/** The report's headline bullets, which the console prints too. @param {string} md */
function headline(md) {
  const after = md.slice(md.indexOf("## Headline\n") + "## Headline\n".length).trimStart();
  const end = after.indexOf("\n\n");
  return (end < 0 ? after : after.slice(0, end)).split("\n").map((l) => l.replace(/^- /, ""));
}

/** The soak section (npm run soak) lives in the same file; a bench run keeps it. @param {string} md */
function keepSoak(md) {
  const section = soakSection(cfg.out);
  return section ? withSoakSection(md, section) : md;
}

async function main() {
  if (process.argv.includes("--size")) {
    console.log(sizeStartup.render(await sizeStartup.measure(cfg)).table);
    return;
  }
  /** @type {Results} */
  let results;
  if (process.argv.includes("--render")) {
    results = JSON.parse(readFileSync(RESULTS_JSON, "utf8"));
    results.started = new Date(results.started);
    results.finished = new Date(results.finished);
  } else {
    results = await measure();
    // Raw results too, so the report can be re-rendered without re-measuring (--render).
    mkdirSync(dirname(RESULTS_JSON), { recursive: true });
    writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2));
  }
  const md = render(results);
  writeFileSync(cfg.out, keepSoak(md));
  console.log(`\n${headline(md).join("\n")}\n\n${process.argv.includes("--render") ? `Re-rendered ${cfg.out} from ${RESULTS_JSON}` : `Wrote ${cfg.out}`}.`);
}

// Every loop in the rows is bounded; this bounds the whole bench as well.
setTimeout(() => {
  console.error(`bench: stopped after BENCH_TIMEOUT_S=${cfg.timeoutS} s`);
  process.exit(2);
}, cfg.timeoutS * 1000).unref();

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
