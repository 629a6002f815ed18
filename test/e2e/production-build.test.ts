import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The production bundle exactly as `npm run build` makes it (wrangler, --env production).
const dir = mkdtempSync(join(tmpdir(), "dfe-build-"));
let bundle = "";

beforeAll(() => {
  execFileSync(join("node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--env", "production", "--outdir", dir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  bundle = readFileSync(join(dir, "index.js"), "utf8");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the production build", () => {
  it("keeps class names: oauth4webapi names its errors from constructor.name, and the logs print err.name", () => {
    // Minified without wrangler's keep_names, these classes are renamed (`class Ue extends
    // Error`) and a failed sign-in at a provider would be logged as "Ue: …".
    for (const name of ["OperationProcessingError", "ResponseBodyError", "AuthorizationResponseError"]) {
      expect(new RegExp(`\\b${name}\\b`).test(bundle), `${name} is renamed in the bundle`).toBe(true);
    }
  });
});
