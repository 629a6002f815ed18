// Row 6, size and start-up: the production bundle as `wrangler deploy --dry-run` builds it
// (gzipped here, and wrangler's own figure), and wrangler's local profile of the Worker's
// top-level evaluation. Needs no running stack.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { failure, fmt, table, verdict } from "../lib/format.mjs";

/** The bundle's gzip size should stay under this (bytes). */
const GZIP_TARGET_BYTES = 64 * 1000;
const WRANGLER = join("node_modules", ".bin", "wrangler");

/**
 * @typedef {{ rawBytes?: number, gzipBytes?: number, wranglerKiB?: number, wranglerGzipKiB?: number, error?: string,
 *   startupWindowMs?: number, startupSampledMs?: number, startupActiveMs?: number, startupIdleMs?: number, startupSamples?: number,
 *   startupError?: string }} SizeStartup
 */

/** @returns {SizeStartup} */
export function measure() {
  console.log("\n[6] Production bundle size and start-up (wrangler)");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
  const dir = mkdtempSync(join(tmpdir(), "dfe-bundle-"));
  const wrangler = (/** @type {string[]} */ args) =>
    execFileSync(WRANGLER, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  /** @type {SizeStartup} */
  const out = {};
  try {
    const dry = wrangler(["deploy", "--dry-run", "--env", "production", "--outdir", dir]);
    const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(dry);
    if (m) Object.assign(out, { wranglerKiB: Number(m[1]), wranglerGzipKiB: Number(m[2]) });
    const js = readdirSync(dir).filter((f) => f.endsWith(".js"));
    out.rawBytes = js.reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    out.gzipBytes = js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
    console.log(`  bundle ${fmt(out.rawBytes / 1024, 1)} KiB, gzip ${fmt(out.gzipBytes / 1024, 1)} KiB (wrangler: ${out.wranglerGzipKiB ?? "?"} KiB)`);
  } catch (err) {
    out.error = `wrangler deploy --dry-run failed: ${failure(err)}`;
    console.log(`  ${out.error}`);
  }
  try {
    const text = wrangler(["check", "startup", "--env", "production", "--outfile", join(dir, "startup.cpuprofile")]);
    const num = (/** @type {string} */ label) => Number(new RegExp(`${label}:\\s*([\\d.]+)\\s*ms`).exec(text)?.[1] ?? NaN);
    Object.assign(out, {
      startupWindowMs: num("Profile window"),
      startupSampledMs: num("Sampled time"),
      startupActiveMs: num("Active"),
      startupIdleMs: num("Idle"),
      startupSamples: Number(/Samples:\s*(\d+)/.exec(text)?.[1] ?? NaN),
    });
    console.log(`  start-up: active ${out.startupActiveMs} ms of a ${out.startupWindowMs} ms window (${out.startupSamples} samples)`);
  } catch (err) {
    out.startupError = `wrangler check startup failed: ${failure(err)}`;
    console.log(`  ${out.startupError}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The row's table and the figures the headline cites. @param {SizeStartup} s */
export function render(s) {
  const bundle = s.gzipBytes
    ? [
        ["production bundle (`wrangler deploy --dry-run --env production`)", `${fmt((s.rawBytes ?? NaN) / 1024, 1)} KiB`, ""],
        [
          "gzip (level 9, measured)",
          `**${fmt(s.gzipBytes / 1024, 1)} KiB** (${fmt(s.gzipBytes)} bytes)`,
          `< ${fmt(GZIP_TARGET_BYTES / 1000)} KB ${verdict(s.gzipBytes, GZIP_TARGET_BYTES, false)}`,
        ],
        ["gzip (wrangler's own figure)", `${s.wranglerGzipKiB ?? "—"} KiB`, ""],
      ]
    : [["production bundle", s.error ?? "not measured", ""]];
  const startup = s.startupError
    ? [["start-up", s.startupError, ""]]
    : [
        ["start-up, `wrangler check startup --env production`: active CPU", `**${s.startupActiveMs} ms**`, ""],
        ["… profile window / sampled / idle / samples", `${s.startupWindowMs} / ${s.startupSampledMs} / ${s.startupIdleMs} ms / ${s.startupSamples}`, ""],
      ];
  return {
    table: table(["", "value", "target"], "lrl", [...bundle, ...startup]),
    gzipKiB: fmt((s.gzipBytes ?? NaN) / 1024, 1),
    measured: Boolean(s.gzipBytes),
    targetKB: fmt(GZIP_TARGET_BYTES / 1000),
    verdict: verdict(s.gzipBytes, GZIP_TARGET_BYTES, false),
    startupActiveMs: s.startupActiveMs ?? "—",
  };
}
