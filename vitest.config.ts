import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { buildSync } from "esbuild";
import { configDefaults, defineConfig } from "vitest/config";
import { readDevVars } from "./scripts/dev-vars.mjs";

// The plugin bundles only the Worker under test; the emulator is an auxiliary Worker,
// so we bundle it ourselves, exactly as wrangler would.
const emulatorScript = "dist/test/authlete-emulator.js";
buildSync({
  entryPoints: ["emulator/src/index.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  outfile: emulatorScript,
  logLevel: "warning",
});

// Vitest's module runner asks for `node:inspector` in every test file to decide whether to
// inline source maps; workerd has no such module, and the plugin and workerd each print a
// warning about it, once per file. That is noise about the harness, not about our code, so
// exactly those two lines are dropped; everything else the plugin or workerd prints shows.
const harnessNoise = (text: string) =>
  (text.includes('"node:inspector"') && text.includes("is not available at this Worker's compatibility date")) ||
  (text.includes("Fallback service failed to fetch module") && text.includes("node%3Ainspector"));
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  if (!harnessNoise(args.map(String).join(" "))) consoleError(...args);
};
const stderrWrite = process.stderr.write.bind(process.stderr) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
  harnessNoise(String(chunk)) ? true : stderrWrite(chunk, ...rest)) as typeof process.stderr.write;

// Tests use the same local secrets a developer's .dev.vars starts from, so a clean clone needs nothing else.
const devVars = readDevVars();

export default defineConfig({
  test: {
    // The Worker's one-line-per-decision info logs would drown the report; warnings and errors still show.
    onConsoleLog: (line, type) => !(type === "stdout" && line.startsWith('{"level":"info"')),
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // FUZZ_RUNS: property-test cases per fuzz property (npm run fuzz raises it).
              bindings: { ...devVars, FUZZ_RUNS: process.env.FUZZ_RUNS ?? "60" },
              workers: [
                {
                  name: "authlete-emulator",
                  modules: true,
                  scriptPath: emulatorScript,
                  compatibilityDate: "2026-07-01",
                },
              ],
            },
          }),
        ],
        test: {
          name: "workers",
          // The upstream OpenID providers the federation tests sign in at, over real HTTP (Node).
          globalSetup: ["test/idp/global-setup.ts"],
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/e2e/**"],
          // The emulator is one stateful isolate (clock, fault queue) shared by all files.
          fileParallelism: false,
        },
      },
      {
        // Node-side tests against a real HTTP origin (test/e2e/local-server.ts): Chromium, CLIs.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
