// Drives load with wrk from a separate process, loopback only, bounded in time.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../wrk/load.lua", import.meta.url));

export function findWrk() {
  try {
    const out = execFileSync("wrk", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return out.split("\n")[0].trim();
  } catch (err) {
    // wrk --version exits 1 after printing its banner.
    const text = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    if (/^wrk /m.test(text)) return text.split("\n")[0].trim();
    return null;
  }
}

export const WRK_MISSING = `wrk is not installed. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk
(macOS: brew install wrk). The load rows are skipped without it; the other rows still run.`;

export function hasTaskset() {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * One bounded wrk run against a loopback URL.
 * @param {{ url: string, seconds: number, connections: number, threads: number, cpu?: number|null, env: Record<string,string> }} o
 */
export function runWrk({ url, seconds, connections, threads, cpu = null, env }) {
  const u = new URL(url);
  if (u.hostname !== "127.0.0.1") throw new Error(`refusing to load ${u.hostname}: loopback only`);
  const wrkArgs = ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "5s", "-s", SCRIPT, url];
  const [cmd, args] = cpu === null ? ["wrk", wrkArgs] : ["taskset", ["-c", String(cpu), "wrk", ...wrkArgs]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
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
