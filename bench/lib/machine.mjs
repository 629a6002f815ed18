// Facts about the machine and the software, read by the run itself: the report states none
// it did not read here (CPU, cores, memory, kernel, versions, how workerd spread its work).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
  } catch {
    return "not installed";
  }
};

function cpuModel() {
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
    if (model) return model.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function workerdVersion() {
  try {
    const bin = "node_modules/workerd/bin/workerd";
    return execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return `workerd ${pkgVersion("workerd")}`;
  }
}

export function machine() {
  return {
    cores: os.availableParallelism(),
    cpu: cpuModel(),
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    virtualised: (() => {
      try {
        return /hypervisor/.test(readFileSync("/proc/cpuinfo", "utf8"));
      } catch {
        return false;
      }
    })(),
  };
}

export function versions(wrk) {
  return {
    node: process.version,
    workerd: workerdVersion(),
    miniflare: pkgVersion("miniflare"),
    wrangler: pkgVersion("wrangler"),
    hono: pkgVersion("hono"),
    esbuild: pkgVersion("esbuild"),
    wrk: wrk ?? "not installed",
  };
}

/** The workerd process Miniflare started (a child of this Node process). */
export function findWorkerdPid() {
  const mine = String(process.pid);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      if (ppid === mine && comm.startsWith("workerd")) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

/**
 * CPU time (ns) each thread of a process has used so far, from /proc/<pid>/task/<tid>/schedstat.
 * @param {number} pid
 * @returns {Map<string, number>} thread id → ns
 */
export function threadCpuNs(pid) {
  const byThread = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      byThread.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // thread ended
    }
  }
  return byThread;
}

/** CPU time (ns) used so far by every thread of a process together. @param {number} pid */
export function processCpuNs(pid) {
  let total = 0;
  for (const ns of threadCpuNs(pid).values()) total += ns;
  return total;
}

/**
 * How a process spread its CPU time between two readings of threadCpuNs: how many threads
 * used any, and the share of the busiest one (1 = all of it on one thread).
 * @param {Map<string, number>} before
 * @param {Map<string, number>} after
 */
export function threadSpread(before, after) {
  const used = [...after].map(([tid, ns]) => ns - (before.get(tid) ?? 0)).filter((ns) => ns > 0);
  const total = used.reduce((a, b) => a + b, 0);
  return { threads: after.size, busyThreads: used.length, busiestShare: total > 0 ? Math.max(...used) / total : NaN };
}
