// The local secrets every local run starts from: `.dev.vars.example` (the emulator's
// credentials and the demo user). Read the same way by the tests, the e2e server and the
// benchmarks, so a clean clone needs no `.dev.vars`.
import { readFileSync } from "node:fs";

/** @returns {Record<string, string>} the KEY=value lines of `.dev.vars.example` */
export function readDevVars(root = process.cwd()) {
  return Object.fromEntries(
    readFileSync(`${root}/.dev.vars.example`, "utf8")
      .split("\n")
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).trim()]),
  );
}
