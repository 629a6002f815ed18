// Drives load with wrk from a separate process, loopback only, bounded in time. Every
// response is checked by the wrk script (bench/wrk/load.lua) against what the row expects.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../wrk/load.lua", import.meta.url));

/**
 * What one wrk run reports (load.lua's `WRK_JSON` line) plus the rates derived from it.
 * @typedef {{ requests: number, durationUs: number, p50Us: number, p90Us: number, p99Us: number, meanUs: number, maxUs: number,
 *   errors: { connect: number, read: number, write: number, timeout: number, status: number },
 *   ok: number, bad: number, badSample: string, rps: number, socketErrors: number }} WrkResult
 */

/** @returns {string | null} wrk's version banner, or null when wrk is not installed */
export function findWrk() {
  const firstLine = (/** @type {string} */ s) => s.split("\n")[0]?.trim() ?? "";
  try {
    return firstLine(execFileSync("wrk", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch (err) {
    // wrk --version exits 1 after printing its banner.
    const stdout = err instanceof Error && "stdout" in err ? String(err.stdout ?? "") : "";
    const stderr = err instanceof Error && "stderr" in err ? String(err.stderr ?? "") : "";
    const text = stdout + stderr;
    return /^wrk /m.test(text) ? firstLine(text) : null;
  }
}

export const WRK_MISSING = `wrk is not installed. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk
(macOS: brew install wrk). The load rows are skipped without it; the other rows still run.`;

// Pinning keeps wrk from taking CPU time from workerd (and the other way round), so a side's
// figure does not depend on where the scheduler put the load generator.
export function hasTaskset() {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a running process to one CPU. @param {number} pid @param {number} cpu @returns {boolean} whether it took */
export function pinProcess(pid, cpu) {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * One bounded wrk run against a loopback URL, with the row's settings.
 * @param {import("./settings.mjs").Settings} cfg connections, threads, seconds and the core wrk is pinned to
 * @param {string} url
 * @param {Record<string, string>} env the load.lua variables (WRK_METHOD, WRK_EXPECT, …)
 * @returns {Promise<WrkResult>}
 */
export function runWrk(cfg, url, env, seconds = cfg.seconds) {
  const u = new URL(url);
  if (u.hostname !== "127.0.0.1") throw new Error(`refusing to load ${u.hostname}: loopback only`);
  const wrkArgs = ["-t", String(cfg.threads), "-c", String(cfg.connections), "-d", `${seconds}s`, "--timeout", "5s", "-s", SCRIPT, url];
  const [cmd, args] = cfg.wrkCpu === null ? ["wrk", wrkArgs] : ["taskset", ["-c", String(cfg.wrkCpu), "wrk", ...wrkArgs]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    // Hard bound: wrk stops itself after `seconds`; this only guards against a hang.
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.on("error", (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
      if (!line) return reject(new Error(`wrk exited ${code ?? signal} without a summary:\n${out}\n${err}`));
      const r = JSON.parse(line.slice("WRK_JSON ".length));
      r.rps = r.requests / (r.durationUs / 1e6);
      r.socketErrors = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
      resolve(r);
    });
  });
}
