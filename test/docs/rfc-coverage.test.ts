import { describe, expect, it } from "vitest";
import coverage from "../../docs/rfc-coverage.md?raw";

/** Every test file's text, by path under test/ (Vite reads them at build time). */
const files = Object.fromEntries(
  Object.entries(import.meta.glob<string>("../**/*.test.ts", { query: "?raw", import: "default", eager: true })).map(([path, text]) => [
    path.replace(/^\.\.\//, ""),
    text,
  ]),
);

/** `path.test.ts` "title" pairs of each table row; a title cut with … is matched up to the cut. */
function citations(): [string, string][] {
  const out: [string, string][] = [];
  for (const row of coverage.split("\n").filter((l) => l.startsWith("|"))) {
    for (const cell of row.split("|")) {
      let file: string | undefined;
      for (const m of cell.matchAll(/`([\w/.-]+\.test\.ts)`|"([^"]+)"/g)) {
        if (m[1]) file = m[1];
        else if (file && m[2]) out.push([file, m[2].split("…")[0]!.trim()]);
      }
    }
  }
  return out;
}

describe("docs/rfc-coverage.md names tests that exist", () => {
  it("finds citations to check", () => {
    expect(citations().length).toBeGreaterThan(20);
  });

  it.each(citations())("%s has a test titled %j", (file, title) => {
    expect(Object.keys(files), file).toContain(file);
    expect(files[file]).toContain(title);
  });
});
