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
