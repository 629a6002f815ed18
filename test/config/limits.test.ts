import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { LIMITS, loadConfig } from "../../src/config";
import toml from "../../wrangler.toml?raw";

const limits = Object.entries(LIMITS);

describe("the table of limits is the one source of every limit", () => {
  it("each default parses to the budget the code uses when the variable is unset", () => {
    const unset = Object.fromEntries(limits.map(([, l]) => [l.env, undefined]));
    const parsed = loadConfig({ ...env, ...unset }).limits;
    for (const [name, l] of limits) {
      const [max, windowSeconds] = l.default.split("/").map(Number);
      expect(parsed[name as keyof typeof parsed], name).toEqual({ max, windowSeconds });
    }
  });

  it("the README's configuration table states each variable with its default and meaning", () => {
    for (const [, l] of limits) expect(readme).toContain(`| \`${l.env}\` | \`${l.default}\` | ${l.meaning} |`);
  });

  it("wrangler.toml's production vars state each limit at its default", () => {
    const production = toml.slice(toml.indexOf("[env.production.vars]"));
    for (const [, l] of limits) expect(production).toContain(`${l.env} = "${l.default}"`);
  });
});
