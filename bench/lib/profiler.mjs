// CPU time per request inside one Worker's isolate, from V8's own sampling profiler over
// the Chrome DevTools Protocol (workerd's inspector, one target per Worker).
import WebSocket from "ws";

class Cdp {
  #ws;
  #id = 0;
  #pending = new Map();
  static async connect(url) {
    const c = new Cdp();
    c.#ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    await new Promise((resolve, reject) => {
      c.#ws.once("open", resolve);
      c.#ws.once("error", reject);
    });
    c.#ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      const p = msg.id !== undefined && c.#pending.get(msg.id);
      if (!p) return;
      c.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${msg.error.message} (${p.method})`));
      else p.resolve(msg.result);
    });
    return c;
  }
  send(method, params = {}) {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`CDP ${method}: no answer in 60 s`));
      }, 60_000);
      this.#pending.set(id, {
        method,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }
  /** @returns {Promise<void>} once the socket closed, or after 2 s */
  close() {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.#ws.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      this.#ws.close();
    });
  }
}

/**
 * CPU time from a V8 CPU profile of one isolate.
 *
 * workerd's profiler only takes a sample while the isolate is in use, and each sample's
 * timeDelta runs from the previous sample, so the first sample after the isolate was
 * released (awaiting KV, a subrequest, the next request) carries the whole gap. Summing
 * the deltas of every non-"(idle)" sample therefore measures wall time, not CPU (the
 * `naiveUs` figure). `cpuUs` instead credits each non-idle sample with at most two sampling
 * intervals — the time it can really stand for — and is checked against a loop of known
 * cost (the calibration in bench/rows/cpu.mjs).
 */
export function summarizeProfile(profile, samplingIntervalUs) {
  const name = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName || "(anonymous)"]));
  const cap = 2 * samplingIntervalUs;
  let totalUs = 0;
  let idleUs = 0;
  let cpuUs = 0;
  let gcUs = 0;
  let busySamples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    totalUs += dt;
    const n = name.get(profile.samples[i]);
    if (n === "(idle)") {
      idleUs += dt;
      continue;
    }
    busySamples++;
    cpuUs += Math.min(dt, cap);
    if (n === "(garbage collector)") gcUs += Math.min(dt, cap);
  }
  return { totalUs, idleUs, naiveUs: totalUs - idleUs, cpuUs, gcUs, busySamples, samples: profile.samples.length };
}

/**
 * A profiler session on the isolate of one Worker (inspector target `core:user:<name>`).
 * One session per Worker for the whole bench: workerd serves one inspector session per
 * target, and a second one opened right after the first closes may never answer.
 * @param {string} inspectorOrigin ws://host:port
 */
export async function openProfiler(inspectorOrigin, worker, { samplingIntervalUs = 100 } = {}) {
  const cdp = await Cdp.connect(`${inspectorOrigin.replace(/\/$/, "")}/core:user:${worker}`);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  return {
    /** Profiles while `work()` runs (N sequential requests); returns the summary. */
    async profile(work) {
      await cdp.send("Profiler.start");
      const started = performance.now();
      const extra = await work();
      const wallMs = performance.now() - started;
      const { profile } = await cdp.send("Profiler.stop");
      return { ...summarizeProfile(profile, samplingIntervalUs), wallMs, extra };
    },
    async close() {
      await cdp.send("Profiler.disable").catch(() => {});
      await cdp.close();
    },
  };
}

/**
 * How many isolates the inspector lists for one Worker (its targets `core:user:<name>`), so
 * the report can say how many served the requests instead of assuming it.
 * @param {string} inspectorOrigin ws://host:port
 * @param {string} worker
 */
export async function countIsolates(inspectorOrigin, worker) {
  const res = await fetch(new URL("/json/list", inspectorOrigin.replace(/^ws/, "http")), { signal: AbortSignal.timeout(10_000) });
  const targets = await res.json();
  return Array.isArray(targets) ? targets.filter((t) => t?.id === `core:user:${worker}`).length : NaN;
}
