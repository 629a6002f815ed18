// One copy each of the runtime and its tools. wrangler pins miniflare and workerd exactly, and
// @cloudflare/vitest-plugin pins wrangler and miniflare: when the versions drift apart npm
// installs a second (and third) workerd, some 150 MB each, and the tests, the bench and
// `npm start` would no longer run the same runtime. package-lock.json is what `npm ci` installs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../../scripts/lib/workers.mjs";

const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  overrides?: Record<string, Record<string, string>>;
};

/** Every installed copy of `name`: its place in node_modules and its version. */
const copies = (name: string) =>
  Object.entries(lock.packages)
    .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
    .map(([path, p]) => `${path}@${p.version}`);

describe("installed tools", () => {
  it.each(["wrangler", "miniflare", "workerd", "esbuild"])("one copy of %s", (name) => {
    expect(copies(name)).toHaveLength(1);
  });

  it("package.json's miniflare is the one wrangler pins, and the vitest plugin uses the project's wrangler and miniflare", () => {
    const wrangler = lock.packages["node_modules/wrangler"] as { dependencies?: Record<string, string> };
    expect(pkg.devDependencies["miniflare"]).toBe(wrangler.dependencies?.["miniflare"]);
    expect(pkg.overrides?.["@cloudflare/vitest-plugin"]).toEqual({ wrangler: "$wrangler", miniflare: "$miniflare" });
  });
});
