import { readFileSync, writeFileSync } from "node:fs";
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

// What workerd and the plugin print about the harness rather than about our code, dropped line by
// line; each rule matches one known message exactly, and everything else still shows:
// - Vitest's module runner asks for `node:inspector` in every test file to decide whether to
//   inline source maps; workerd has no such module, and the plugin and workerd each print a
//   warning about it, once per file.
// - The emulator's "drop" fault makes the Worker's fetch fail by throwing out of the emulator's
//   handler (emulator/src/faults.ts DropConnection): nothing else a Worker can do fails its
//   caller's fetch, and workerd, which the plugin runs verbose, reports every exception that
//   leaves a handler, twice (the error with its stack, then the runtime's own account of it).
//   The tests assert how the Worker handles the failure (a retry page, a logged decision).
// - A fetch to a closed port (the federation test of an IdP that cannot be reached) fails inside
//   Miniflare's outbound Worker, which passes each fetch of the Worker under test on: workerd
//   reports the refused connection, then that Worker's rejected promise, twice. The Worker under
//   test catches its own failed fetch (the test asserts its logged decision); only the two
//   reports that follow a refused connection are dropped, not every "Network connection lost".
// - Vite says that a package's published source map points at sources its tarball does not ship
//   (oauth4webapi, openid-client): a fact about those packages, not about this code, and only
//   for files under node_modules.
const DROPPED = "authlete-emulator: connection dropped (injected fault)";
let afterRefused = 0;
function harnessNoise(text: string): boolean {
  if (text.includes('"node:inspector"') && text.includes("is not available at this Worker's compatibility date")) return true;
  if (text.includes("Fallback service failed to fetch module") && text.includes("node%3Ainspector")) return true;
  if (text.startsWith("uncaught exception; ") && text.includes(DROPPED)) return true;
  if (/^Sourcemap for "[^"]*\/node_modules\/[^"]*" points to missing source files\s*$/.test(text)) return true;
  if (text.startsWith("exception = rust/worker/ffi.rs:") && text.includes("disconnected: Connection refused (os error 111)")) {
    afterRefused = 2;
    return true;
  }
  if (afterRefused > 0 && text.startsWith("uncaught exception; ") && text.includes("Error: Network connection lost.")) {
    afterRefused -= 1;
    return true;
  }
  return false;
}
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  if (!harnessNoise(args.map(String).join(" "))) consoleError(...args);
};
type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as Write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => (harnessNoise(String(chunk)) ? true : write(chunk, ...rest))) as typeof stream.write;
}

// Tests use the same local secrets a developer's .dev.vars starts from, so a clean clone needs nothing else.
const devVars = readDevVars();

// The plugin reads wrangler.toml and, from the same folder, a developer's own .dev.vars (npm start
// creates one, npm run idp asks for lines in it), whose values would reach the Worker under test
// over the ones above: the run would depend on whose checkout it is. So the plugin reads a copy of
// wrangler.toml in dist/test, where no .dev.vars is, with `main` pointing back at the source.
const wranglerConfig = "dist/test/wrangler.toml";
const MAIN = /^main = "src\/index\.ts"$/m;
const wranglerToml = readFileSync("wrangler.toml", "utf8");
if (!MAIN.test(wranglerToml)) throw new Error('vitest.config.ts: wrangler.toml no longer says main = "src/index.ts"; update the copy made here');
writeFileSync(wranglerConfig, wranglerToml.replace(MAIN, 'main = "../../src/index.ts"'));

/**
 * A project of test files run in workerd against the Worker, with the emulator as its
 * auxiliary Worker. `emulatorBindings` are the emulator's variables for the whole run.
 */
function workersProject(name: string, include: string[], emulatorBindings: Record<string, string> = {}, groupOrder = 0) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: wranglerConfig },
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
