import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { ConfigError, type Env, LIMITS, loadConfig } from "../../src/config";
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

describe("a budget variable: max/seconds", () => {
  const variable = LIMITS.signInFailuresPerIp.env;
  const parse = (value: string | undefined) => loadConfig({ ...env, [variable]: value } as Env).limits.signInFailuresPerIp;

  it("two whole numbers around a slash, spaces allowed", () => {
    expect(parse("10/900")).toEqual({ max: 10, windowSeconds: 900 });
    expect(parse(" 3 / 60 ")).toEqual({ max: 3, windowSeconds: 60 });
    expect(parse("999999/999999")).toEqual({ max: 999_999, windowSeconds: 999_999 });
    expect(parse(undefined)).toEqual({ max: 20, windowSeconds: 900 });
  });

  it.each(["10", "10/", "/900", "10:900", "ten/900", "1.5/900", "-1/900", "1000000/900", "", " "])(
    "%j: one message saying what it should look like",
    (value) => {
      expect(() => parse(value)).toThrow(ConfigError);
      expect(() => parse(value)).toThrow(`Invalid configuration: ${variable}: must look like "10/900" (max events / window in seconds)`);
    },
  );

  it.each(["0/900", "10/0", "0/0"])("%j: max and window of at least 1", (value) => {
    expect(() => parse(value)).toThrow(`Invalid configuration: ${variable}: max and window must be at least 1`);
  });

  it("each variable is named in its own message", () => {
    for (const [, l] of limits) expect(() => loadConfig({ ...env, [l.env]: "x" } as Env)).toThrow(`${l.env}: must look like "10/900"`);
  });
});
