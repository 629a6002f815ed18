import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import {
  binding,
  ConfigError,
  describe as describeIssues,
  intIn,
  isLoopback,
  json,
  oneOf,
  optionalText,
  parse,
  pathText,
  requiredText,
  shape,
  url,
  wholeIn,
} from "../../src/config/schema";

/** What `parse` makes of one variable `X` under `schema`: its value, or the ConfigError's one line. */
function one(schema: z.ZodMiniType, value: unknown): unknown {
  try {
    return parse(z.object({ X: schema }), value === undefined ? {} : { X: value }).X;
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}
const refused = (message: string) => `Invalid configuration: X: ${message}`;

describe("the configuration's words for what zod finds (src/config/schema.ts)", () => {
  it.each<[string, z.ZodMiniType, unknown, string]>([
    ["absent, whatever was expected", z.number(), undefined, "is missing"],
    ["absent, for a list of choices", z.enum(["a", "b"]), undefined, "is missing"],
    ["text", z.string(), 1, "must be text"],
    ["a number", z.number(), "1", "must be a number"],
    ["true or false", z.boolean(), "true", "must be true or false"],
    ["a list", z.array(z.string()), {}, "must be a list"],
    ["an object", z.object({}), [], "must be an object"],
    ["an object (a record)", z.record(z.string(), z.string()), "x", "must be an object"],
    ["one choice", z.literal("2"), "3", 'must be "2"'],
    ["one of several", z.enum(["allow", "warn", "block"]), "deny", "must be one of allow, warn, block"],
    ["not empty", z.string().check(z.minLength(1)), "", "must not be empty"],
    ["at least N characters", z.string().check(z.minLength(3)), "ab", "must be at least 3 characters"],
    ["at most N characters", z.string().check(z.maxLength(3)), "abcd", "must be at most 3 characters"],
    ["at least N", z.number().check(z.gte(3)), 2, "must be at least 3"],
    ["at most N", z.number().check(z.lte(3)), 4, "must be at most 3"],
  ])("%s", (_, schema, value, message) => {
    expect(one(schema, value)).toBe(refused(message));
  });

  it("a check's own message wins over the words", () => {
    expect(one(z.string().check(z.minLength(2, "too short for this")), "a")).toBe(refused("too short for this"));
  });

  it("a member nobody knows, in a strict object, is named on its own path", () => {
    expect(one(z.strictObject({ a: z.optional(z.string()) }), { a: "x", b: 1, c: 2 })).toBe(
      "Invalid configuration: X.b: is not a known setting; X.c: is not a known setting",
    );
  });

  it("every issue is gathered, in order, each with its path from the variable", () => {
    try {
      parse(z.object({ A: z.string(), B: z.array(z.object({ c: z.string() })) }), { B: [{ c: "ok" }, { c: 1 }] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([
        { path: ["A"], message: "is missing" },
        { path: ["B", 1, "c"], message: "must be text" },
      ]);
      expect((err as ConfigError).message).toBe("Invalid configuration: A: is missing; B.1.c: must be text");
      expect((err as ConfigError).name).toBe("ConfigError");
    }
  });

  it("paths: a list index after a dot, an entry named by its id in brackets", () => {
    expect(pathText(["USERS", 0, "passwordHash"])).toBe("USERS.0.passwordHash");
    expect(pathText(["OIDC_PROVIDERS", "[okta]", "issuer"])).toBe("OIDC_PROVIDERS[okta].issuer");
    expect(pathText(["EDGE_SECRET"])).toBe("EDGE_SECRET");
    expect(new ConfigError([{ path: ["OIDC_PROVIDERS", "[okta]"], message: "x" }]).message).toBe("Invalid configuration: OIDC_PROVIDERS[okta]: x");
  });

  it("shape: the same words for any input (Authlete's answers), a problem of the whole value without a path", () => {
    expect(shape(z.object({ action: z.string() }), { action: "OK" })).toEqual({ data: { action: "OK" } });
    const r = shape(z.object({ action: z.string() }), "nope");
    expect(r).toEqual({ issues: [{ path: [], message: "must be an object" }] });
    expect(describeIssues("issues" in r ? r.issues : [])).toBe("must be an object");
  });
});

describe("text variables", () => {
  it("optionalText: trimmed; blank or absent is undefined", () => {
    expect(one(optionalText, "  x  ")).toBe("x");
    expect(one(optionalText, "   ")).toBeUndefined();
    expect(one(optionalText, undefined)).toBeUndefined();
    expect(one(optionalText, 5)).toBe(refused("must be text"));
  });

  it("requiredText: trimmed; blank reads as missing", () => {
    expect(one(requiredText, " v ")).toBe("v");
    expect(one(requiredText, "  ")).toBe(refused("is missing"));
    expect(one(requiredText, undefined)).toBe(refused("is missing"));
  });
});

describe("whole numbers", () => {
  const n = intIn(5, 60, 10);
  it("intIn: digits in range; the fallback when absent or blank", () => {
    expect(one(n, "5")).toBe(5);
    expect(one(n, " 60 ")).toBe(60);
    expect(one(n, undefined)).toBe(10);
    expect(one(n, "")).toBe(10);
    expect(one(intIn(4, 20), undefined)).toBeUndefined();
  });

  it.each(["4", "61", "-5", "5.0", "1e1", "+7", "ten", "0x10"])("intIn refuses %j with one message", (v) => {
    expect(one(n, v)).toBe(refused("must be a whole number between 5 and 60"));
  });

  it("wholeIn: a JSON number, whole and in range", () => {
    expect(one(wholeIn(30, 86_400), 30)).toBe(30);
    for (const v of [29, 86_401, 30.5]) expect(one(wholeIn(30, 86_400), v)).toBe(refused("must be a whole number between 30 and 86400"));
    expect(one(wholeIn(30, 86_400), "60")).toBe(refused("must be a number"));
  });
});

describe("choices, JSON, bindings", () => {
  it("oneOf: one of the values, the fallback when absent or blank, exact case", () => {
    const charset = oneOf(["BASE20", "NUMERIC"], "BASE20");
    expect(one(charset, " NUMERIC ")).toBe("NUMERIC");
    expect(one(charset, undefined)).toBe("BASE20");
    expect(one(charset, "")).toBe("BASE20");
    expect(one(charset, "numeric")).toBe(refused("must be one of BASE20, NUMERIC"));
  });

  it("json: a syntax error says so; the parsed value is checked by the inner schema, on the variable's path", () => {
    const list = json(z.array(z.string()));
    expect(one(list, '["a"]')).toEqual(["a"]);
    expect(one(list, "[")).toBe(refused("must be valid JSON"));
    expect(one(list, "[1]")).toBe("Invalid configuration: X.0: must be text");
    expect(one(list, "{}")).toBe(refused("must be a list"));
    expect(one(list, undefined)).toBe(refused("is missing"));
  });

  it("binding: an object with the method, else the message given (absent too)", () => {
    const kv = binding<KVNamespace>("get", "the KV namespace binding is missing");
    const namespace = { get: () => null };
    expect(one(kv, namespace)).toBe(namespace);
    expect(one(kv, undefined)).toBe(refused("the KV namespace binding is missing"));
    expect(one(kv, { put: () => null })).toBe(refused("the KV namespace binding is missing"));
    expect(one(kv, "KV")).toBe(refused("the KV namespace binding is missing"));
  });
});

describe("the one URL rule", () => {
  it("default: http or https, no query, fragment or credentials; trailing slashes dropped", () => {
    expect(one(url(), "https://api.authlete.com/")).toBe("https://api.authlete.com");
    expect(one(url(), "http://authlete-emulator")).toBe("http://authlete-emulator");
    expect(one(url(), "https://x.example/base//")).toBe("https://x.example/base");
    for (const bad of ["ftp://x", "https://x.example/?a=1", "https://x.example/#f", "https://u:p@x.example", "x.example", "javascript:alert(1)"])
      expect(one(url(), bad), bad).toBe(refused("must be an http(s) URL without query or fragment"));
    expect(one(url(), " ")).toBe(refused("is missing"));
  });

  it("query: allowed and kept as written (a logo on a CDN)", () => {
    expect(one(url({ query: true }), "https://cdn.example/logo.svg?v=2")).toBe("https://cdn.example/logo.svg?v=2");
    expect(one(url({ query: true }), "https://cdn.example/logo.svg#x")).toBe(refused("must be an http(s) URL"));
  });

  it("httpsOnly with originOnly: nothing but scheme, host and port", () => {
    const origin = url({ httpsOnly: true, originOnly: true });
    expect(one(origin, "https://team.cloudflareaccess.com/")).toBe("https://team.cloudflareaccess.com");
    for (const bad of ["http://team.cloudflareaccess.com", "https://team.cloudflareaccess.com/path", "http://localhost"])
      expect(one(origin, bad), bad).toBe(refused("must be an https origin such as https://example.com"));
  });

  it("httpsOnly with httpOnLoopback: http only for loopback names and addresses; verbatim keeps the trailing slash", () => {
    const issuer = url({ httpsOnly: true, httpOnLoopback: true, verbatim: true });
    expect(one(issuer, "https://tenant.auth0.com/")).toBe("https://tenant.auth0.com/");
    expect(one(issuer, "http://localhost:9000")).toBe("http://localhost:9000");
    expect(one(issuer, "http://example.com")).toBe(refused("must be an https (http only on loopback) URL without query or fragment"));
    expect(one(url({ httpsOnly: true }), "http://localhost")).toBe(refused("must be an https URL without query or fragment"));
  });

  it("loopback: localhost, *.localhost, 127.0.0.0/8 and [::1], nothing that only looks like them", () => {
    for (const h of ["localhost", "idp.localhost", "127.0.0.1", "127.255.0.9", "[::1]"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["localhost.example.com", "128.0.0.1", "0.0.0.0", "[::2]", "example.com"]) expect(isLoopback(h), h).toBe(false);
  });
});
