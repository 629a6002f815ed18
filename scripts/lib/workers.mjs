// What the Node-side tools share about the two Workers: bundling a Worker from source as
// wrangler would, reading a wrangler.toml quietly, the offline emulator as a Miniflare Worker,
// and starting Miniflare. Used by the e2e server (test/e2e/local-server.ts), `npm run doctor`
// and the bench.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Bundles a Worker entry (a path under the root) into one ES module, as wrangler would.
 * @param {string} entry
 * @returns {Promise<string>}
 */
export async function bundleWorker(entry) {
  return bundleText({ entryPoints: [entry] });
}

/**
 * Bundles TypeScript source given as text (resolved from the root) into one self-contained
 * ES module: how Node code uses src/ modules, whose imports have no extensions.
 * @param {string} contents
 * @returns {Promise<string>}
 */
export async function bundleSource(contents) {
  return bundleText({ stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "entry.ts" } });
}

/** @param {import("esbuild").BuildOptions} input */
async function bundleText(input) {
  const out = await build({
    ...input,
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    // The runtime's own modules (cloudflare:workers), as wrangler leaves them.
    external: ["cloudflare:*"],
    write: false,
    logLevel: "warning",
  });
  return out.outputFiles[0]?.text ?? "";
}

/**
 * wrangler's own reading of a configuration file (inheritance, environments, defaults),
 * without its advice about non-inherited bindings, which this project declares on purpose.
 * Throws wrangler's error for a missing file or an unknown environment.
 * @param {string} configPath
 * @param {string} [env] an `[env.<name>]` section; the top level when absent
 */
export function readWranglerConfig(configPath, env) {
  const level = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error";
  try {
    return unstable_readConfig({ config: configPath, ...(env === undefined ? {} : { env }) });
  } finally {
    if (level === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = level;
  }
}

/**
 * The offline Authlete emulator as a Miniflare Worker, configured from emulator/wrangler.toml.
 * Its variables (emulator/README.md): PUBLIC_URL, the origin its seed URLs should name in
 * place of http://127.0.0.1:8787, and SEED, the seed it starts from.
 * @param {{ publicUrl?: string | undefined, seed?: string | undefined }} [options]
 * @returns {Promise<{ name: string, modules: { type: "ESModule", path: string, contents: string }[], compatibilityDate?: string, bindings: Record<string, string> }>}
 */
export async function emulatorWorker({ publicUrl, seed } = {}) {
  const emu = readWranglerConfig(`${root}/emulator/wrangler.toml`);
  /** @type {Record<string, string>} */
  const bindings = {};
  if (publicUrl) bindings["PUBLIC_URL"] = publicUrl;
  if (seed) bindings["SEED"] = seed;
  return {
    name: emu.name ?? "authlete-emulator",
    modules: [{ type: "ESModule", path: "index.mjs", contents: await bundleWorker("emulator/src/index.ts") }],
    ...(emu.compatibility_date ? { compatibilityDate: emu.compatibility_date } : {}),
    bindings,
  };
}

/** The emulator's Worker name (emulator/wrangler.toml), which a service binding names. */
export function emulatorName() {
  return readWranglerConfig(`${root}/emulator/wrangler.toml`).name ?? "authlete-emulator";
}

/**
 * Miniflare, given the options of Miniflare 4 that these tools are written in. The Miniflare
 * installed is the one wrangler pins (5), which converts them itself; the conversion also keeps
 * these Workers out of its cross-process dev registry, as Miniflare 4 did. Options it no longer
 * knows are dropped without a word: runtime output comes through `handleStructuredLogs`
 * (`handleRuntimeStdio` is gone), storage is in memory unless `resourcePersistencePath` is set,
 * and there are no wrapped bindings.
 * @param {import("miniflare").V4MiniflareOptions} options
 */
export function startMiniflare(options) {
  return new Miniflare(convertV4MiniflareOptions(options));
}
