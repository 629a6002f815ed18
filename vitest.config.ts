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

/**
 * A project of test files run in workerd against the Worker, with the emulator as its
 * auxiliary Worker. `emulatorBindings` are the emulator's variables for the whole run.
 */
function workersProject(name: string, include: string[], emulatorBindings: Record<string, string> = {}, groupOrder = 0) {
  return {
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
              bindings: emulatorBindings,
            },
          ],
        },
      }),
    ],
    test: {
      name,
      // The upstream OpenID providers the federation tests sign in at, over real HTTP (Node).
      globalSetup: ["test/idp/global-setup.ts"],
      // Every emulator answer is checked against Authlete's published schemas.
      setupFiles: ["test/support/contract-setup.ts"],
      include,
      exclude: [...configDefaults.exclude, "test/e2e/**"],
      // The emulator is one stateful isolate (clock, fault queue) shared by all files.
      fileParallelism: false,
      sequence: { groupOrder },
    },
  };
}

export default defineConfig({
  test: {
    // The Worker's one-line-per-decision info logs would drown the report; warnings and errors still show.
    onConsoleLog: (line, type) => !(type === "stdout" && line.startsWith('{"level":"info"')),
    projects: [
      workersProject("workers", ["test/**/*.test.ts"]),
      // The flows again with the emulator sending members without a value as null instead of
      // leaving them out (docs/authlete-api.md §1.4): the Worker must read both shapes. After
      // the other projects, not beside them: the concurrency tests need the CPU to themselves.
      workersProject("flows-null-members", ["test/flows/**/*.test.ts"], { OMIT_NULL_FIELDS: "false" }, 1),
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
