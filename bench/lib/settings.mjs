// The bench's settings, from its flags and BENCH_* variables (documented at the top of
// bench/run.mjs). Each is range-checked, so a typo fails at once instead of after minutes.
import { machine } from "./machine.mjs";
import { hasTaskset } from "./wrk.mjs";

/**
 * @typedef {object} Settings
 * @property {boolean} quick  --quick or BENCH_QUICK=1: shorter runs, fewer samples (smoke)
 * @property {number} runs  runs per load row (BENCH_RUNS)
 * @property {number} seconds  seconds per wrk run (BENCH_SECONDS)
 * @property {number} connections  wrk connections (BENCH_CONNECTIONS)
 * @property {number} threads  wrk threads (BENCH_THREADS)
 * @property {number} cpuRequests  sequential requests per route in the CPU row (BENCH_CPU_REQUESTS)
 * @property {number} opsPasses  passes over the scenarios of the operations row, after a warm-up (BENCH_OPS_PASSES)
 * @property {number} startupIsolates  fresh isolates per Worker and launch in the start-up row (BENCH_STARTUP_ISOLATES)
 * @property {number} startupRounds  launches per Worker in the start-up row (BENCH_STARTUP_ROUNDS)
 * @property {number[]} authleteRtts  row 1 again with Authlete this many ms away (BENCH_AUTHLETE_RTTS, comma-separated; empty: not run)
 * @property {number} timeoutS  the whole bench's bound (BENCH_TIMEOUT_S)
 * @property {string} out  the report file (BENCH_OUT)
 * @property {boolean} pin  pin workerd and wrk to a CPU each during the load rows (BENCH_PIN=0 turns it off)
 * @property {number | null} workerdCpu  the CPU workerd runs on, when pinned
 * @property {number | null} wrkCpu  the CPU wrk runs on, when pinned
 */

/** @param {string[]} argv @param {Record<string, string | undefined>} env @returns {Settings} */
export function readSettings(argv = process.argv, env = process.env) {
  const quick = argv.includes("--quick") || env.BENCH_QUICK === "1";
  const int = (/** @type {string} */ name, /** @type {number} */ fallback, /** @type {number} */ min, /** @type {number} */ max) => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  // Pinning needs a CPU for workerd and one for wrk (the Node driver is idle while wrk runs).
  const pin = env.BENCH_PIN !== "0" && machine().cores >= 2 && hasTaskset();
  return {
    quick,
    runs: int("BENCH_RUNS", quick ? 2 : 5, 1, 50),
    seconds: int("BENCH_SECONDS", quick ? 2 : 5, 1, 120),
    connections: int("BENCH_CONNECTIONS", 16, 1, 256),
    threads: int("BENCH_THREADS", 1, 1, 8),
    cpuRequests: int("BENCH_CPU_REQUESTS", quick ? 100 : 300, 10, 5000),
    opsPasses: int("BENCH_OPS_PASSES", quick ? 1 : 3, 1, 20),
    startupIsolates: int("BENCH_STARTUP_ISOLATES", quick ? 7 : 25, 3, 200),
    startupRounds: int("BENCH_STARTUP_ROUNDS", quick ? 1 : 3, 1, 20),
    authleteRtts: rtts(env.BENCH_AUTHLETE_RTTS ?? (quick ? "25" : "10,25,50")),
    timeoutS: int("BENCH_TIMEOUT_S", 1800, 60, 7200),
    out: env.BENCH_OUT || "BENCHMARKS.md",
    pin,
    workerdCpu: pin ? 0 : null,
    wrkCpu: pin ? 1 : null,
  };
}

/** "10,25,50" → [10, 25, 50]: each a whole number of milliseconds from 1 to 2000. @param {string} v */
function rtts(v) {
  const xs = v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map(Number);
  if (xs.some((n) => !Number.isInteger(n) || n < 1 || n > 2000))
    throw new Error("BENCH_AUTHLETE_RTTS must be whole milliseconds from 1 to 2000, comma-separated");
  return xs;
}
