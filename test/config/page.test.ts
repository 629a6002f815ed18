import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, loadPageConfig } from "../../src/config";
import type { Overrides } from "../support/helpers";

/** The page variables wrangler.toml sets, unset, so the defaults show. */
const UNSET: Overrides = {
  USER_CODE_CHARSET: undefined,
  USER_CODE_LENGTH: undefined,
  AUTHENTICATOR: undefined,
  SIGN_IN_SESSION_SECONDS: undefined,
  PRODUCT_NAME: undefined,
  ACCENT_COLOR: undefined,
  SCOPE_DESCRIPTIONS: undefined,
};
const page = (overrides: Overrides) => loadPageConfig({ ...env, ...UNSET, ...overrides } as Env);
const DEMO_HASH = JSON.parse(env.USERS!)[0].passwordHash as string;

describe("page configuration: defaults and errors that name the variable", () => {
  it("defaults: BASE20 × 8, built-in users, 15-minute sign-in sessions, the default theme", () => {
    const c = page({});
    expect(c.userCode).toEqual({ charset: "BASE20", length: 8 });
    expect(c.authenticator).toMatchObject({ kind: "password", users: [{ username: "demo", subject: "demo" }] });
    expect(c.signInSessionSeconds).toBe(900);
    expect(c.theme).toEqual({ productName: "Device Flow Edge", logoUrl: null, accent: "#1a56db" });
    expect(c.scopeDescriptions).toEqual({});
  });

  it("NUMERIC codes default to Authlete's 9 digits; an explicit length wins", () => {
    expect(page({ USER_CODE_CHARSET: "NUMERIC" }).userCode).toEqual({ charset: "NUMERIC", length: 9 });
    expect(page({ USER_CODE_CHARSET: "NUMERIC", USER_CODE_LENGTH: "6" }).userCode.length).toBe(6);
  });

  it("Access needs its team domain and audience", () => {
    expect(page({ AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "https://t.cloudflareaccess.com/", ACCESS_AUD: "aud" }).authenticator).toEqual({
      kind: "access",
      teamDomain: "https://t.cloudflareaccess.com",
      audience: "aud",
    });
  });

  it.each<[Overrides, string]>([
    [{ USER_CODE_CHARSET: "HEX" }, "USER_CODE_CHARSET: must be one of BASE20, NUMERIC"],
    [{ USER_CODE_LENGTH: "3" }, "USER_CODE_LENGTH"],
    [{ AUTHENTICATOR: "saml" }, "AUTHENTICATOR: must be one of password, access"],
    [{ USERS: undefined }, "USERS: is missing"],
    [{ USERS: "not json" }, "USERS: must be valid JSON"],
    [{ USERS: "[]" }, "USERS: must list at least one user"],
    [{ USERS: '[{"username":"a","passwordHash":"plain"}]' }, "USERS.0.passwordHash: must be a hash printed by `npm run hash-password`"],
    [{ USERS: `[{"username":"a","passwordHash":"${DEMO_HASH.replace(":100000:", ":200000:")}"}]` }, "iterations must be between 10000 and 100000"],
    [{ USERS: `[{"username":"a","passwordHash":"${DEMO_HASH}","subject":"has space"}]` }, "USERS.0.subject: must be 1-100 printable ASCII characters"],
    [{ AUTHENTICATOR: "access", ACCESS_AUD: "x" }, "ACCESS_TEAM_DOMAIN: is missing"],
    [{ AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "http://t.cloudflareaccess.com", ACCESS_AUD: "x" }, "ACCESS_TEAM_DOMAIN: must be an https origin"],
    [{ SIGN_IN_SESSION_SECONDS: "10" }, "SIGN_IN_SESSION_SECONDS"],
    [{ LOGO_URL: "javascript:alert(1)" }, "LOGO_URL: must be an http(s) URL"],
    [{ ACCENT_COLOR: "red;}body{display:none" }, "ACCENT_COLOR: must be a colour like #1a56db"],
    [{ SCOPE_DESCRIPTIONS: '{"tv.watch":"Watch"}' }, "SCOPE_DESCRIPTIONS.tv.watch"],
  ])("%j → %s", (overrides, message) => {
    expect(() => page(overrides)).toThrow(ConfigError);
    expect(() => page(overrides)).toThrow(message);
  });
});

describe("each page variable: its default, its rule, its message", () => {
  it("blank reads as unset: the defaults again", () => {
    const blank = page({ USER_CODE_CHARSET: " ", USER_CODE_LENGTH: "", AUTHENTICATOR: " ", SIGN_IN_SESSION_SECONDS: "", PRODUCT_NAME: " ", ACCENT_COLOR: "" });
    expect(blank.userCode).toEqual({ charset: "BASE20", length: 8 });
    expect(blank.authenticator.kind).toBe("password");
    expect(blank.signInSessionSeconds).toBe(900);
    expect(blank.theme).toEqual({ productName: "Device Flow Edge", logoUrl: null, accent: "#1a56db" });
    expect(page({ LOGO_URL: "  ", SCOPE_DESCRIPTIONS: " " })).toMatchObject({ theme: { logoUrl: null }, scopeDescriptions: {} });
  });

  it("USER_CODE_LENGTH 4 to 20; SIGN_IN_SESSION_SECONDS 60 to 86400", () => {
    expect(page({ USER_CODE_LENGTH: "4" }).userCode.length).toBe(4);
    expect(page({ USER_CODE_LENGTH: "20" }).userCode.length).toBe(20);
    for (const bad of ["3", "21", "eight"]) expect(() => page({ USER_CODE_LENGTH: bad })).toThrow("USER_CODE_LENGTH: must be a whole number between 4 and 20");
    expect(page({ SIGN_IN_SESSION_SECONDS: "60" }).signInSessionSeconds).toBe(60);
    expect(page({ SIGN_IN_SESSION_SECONDS: "86400" }).signInSessionSeconds).toBe(86_400);
    expect(() => page({ SIGN_IN_SESSION_SECONDS: "86401" })).toThrow("SIGN_IN_SESSION_SECONDS: must be a whole number between 60 and 86400");
  });

  it("the theme: PRODUCT_NAME trimmed and at most 60 characters, LOGO_URL with its query, ACCENT_COLOR lower-cased", () => {
    expect(page({ PRODUCT_NAME: "  Acme TV  " }).theme.productName).toBe("Acme TV");
    expect(page({ PRODUCT_NAME: "x".repeat(60) }).theme.productName).toHaveLength(60);
    expect(() => page({ PRODUCT_NAME: "x".repeat(61) })).toThrow("Invalid configuration: PRODUCT_NAME: must be at most 60 characters");
    expect(page({ LOGO_URL: " https://cdn.example/logo.svg?v=2 " }).theme.logoUrl).toBe("https://cdn.example/logo.svg?v=2");
    expect(page({ ACCENT_COLOR: "#1A56DB" }).theme.accent).toBe("#1a56db");
    expect(() => page({ ACCENT_COLOR: "#1a56d" })).toThrow("ACCENT_COLOR: must be a colour like #1a56db");
  });

  it("SCOPE_DESCRIPTIONS: per scope, English and Japanese, each optional", () => {
    expect(page({ SCOPE_DESCRIPTIONS: '{"tv.watch":{"en":"Watch"},"x":{}}' }).scopeDescriptions).toEqual({ "tv.watch": { en: "Watch" }, x: {} });
    expect(() => page({ SCOPE_DESCRIPTIONS: '{"tv.watch":{"en":1}}' })).toThrow("Invalid configuration: SCOPE_DESCRIPTIONS.tv.watch.en: must be text");
    expect(() => page({ SCOPE_DESCRIPTIONS: "[]" })).toThrow("Invalid configuration: SCOPE_DESCRIPTIONS: must be an object");
  });

  it("AUTHENTICATOR: one of three, each with exactly its variables", () => {
    expect(() => page({ AUTHENTICATOR: "saml" })).toThrow("Invalid configuration: AUTHENTICATOR: must be one of password, access, oidc");
    expect(() => page({ AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "https://t.cloudflareaccess.com" })).toThrow(
      "Invalid configuration: ACCESS_AUD: is missing",
    );
    // Access needs no USERS: a bad one is not read.
    expect(page({ AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "https://t.cloudflareaccess.com", ACCESS_AUD: "a", USERS: "nope" }).authenticator.kind).toBe(
      "access",
    );
  });
});

describe("USERS: each entry", () => {
  const users = (...entries: unknown[]) => JSON.stringify(entries);
  const user = { username: "a", passwordHash: DEMO_HASH };

  it("defaults: the subject is the username, no claims", () => {
    expect(page({ USERS: users(user) }).authenticator).toEqual({
      kind: "password",
      users: [{ username: "a", passwordHash: DEMO_HASH, subject: "a", claims: {} }],
    });
    expect(page({ USERS: users({ ...user, subject: "user-1", claims: { name: "A" } }) }).authenticator).toMatchObject({
      users: [{ subject: "user-1", claims: { name: "A" } }],
    });
  });

  it.each<[object | string, string]>([
    [{ ...user, username: "" }, "USERS.0.username: must not be empty"],
    [{ ...user, username: "x".repeat(101) }, "USERS.0.username: must be at most 100 characters"],
    [{ passwordHash: DEMO_HASH }, "USERS.0.username: is missing"],
    [{ username: "a" }, "USERS.0.passwordHash: is missing"],
    [{ ...user, passwordHash: DEMO_HASH.replace(":100000:", ":9999:") }, "USERS.0.passwordHash: iterations must be between 10000 and 100000"],
    [{ ...user, subject: "x".repeat(101) }, "USERS.0.subject: must be 1-100 printable ASCII characters"],
    [{ ...user, claims: [] }, "USERS.0.claims: must be an object"],
    ["demo", "USERS.0: must be an object"],
  ])("%j → %s", (entry, message) => {
    expect(() => page({ USERS: users(entry) })).toThrow(`Invalid configuration: ${message}`);
  });

  it("a hash that is not one gets one message, not also one about its iterations", () => {
    expect(() => page({ USERS: users({ ...user, passwordHash: "plain" }) })).toThrow(
      /^Invalid configuration: USERS\.0\.passwordHash: must be a hash printed by `npm run hash-password`$/,
    );
  });

  it("USERS must be a JSON list", () => {
    expect(() => page({ USERS: JSON.stringify(user) })).toThrow("Invalid configuration: USERS: must be a list");
  });
});

describe("built-in users share one PBKDF2 cost, so sign-in time tells nobody which usernames exist", () => {
  it("users hashed with different iteration counts are refused at configuration", () => {
    const cheap = DEMO_HASH.replace(":100000:", ":20000:");
    const mixed = `[{"username":"a","passwordHash":"${DEMO_HASH}"},{"username":"b","passwordHash":"${cheap}"}]`;
    expect(() => page({ USERS: mixed })).toThrow(ConfigError);
    expect(() => page({ USERS: mixed })).toThrow("USERS: every user must be hashed with the same iteration count");
    expect(page({ USERS: `[{"username":"a","passwordHash":"${cheap}"},{"username":"b","passwordHash":"${cheap}"}]` }).authenticator.kind).toBe("password");
  });
});

describe("built-in users are told apart the way sign-in tells them apart", () => {
  it("two names that fold to one (case, full width) are refused, naming the second and the first", () => {
    const users = (...names: string[]) => JSON.stringify(names.map((username) => ({ username, passwordHash: DEMO_HASH })));
    expect(() => page({ USERS: users("demo", "DEMO") })).toThrow(ConfigError);
    expect(() => page({ USERS: users("demo", "DEMO") })).toThrow(
      'USERS.1.username: "DEMO" appears more than once (as "demo" in USERS.0): sign-in ignores case and width',
    );
    expect(() => page({ USERS: users("a", "b", "Ａ") })).toThrow('USERS.2.username: "Ａ" appears more than once (as "a" in USERS.0):');
    const issues = (() => {
      try {
        page({ USERS: users("x", "X", "y", " Y ") });
      } catch (err) {
        return (err as ConfigError).issues;
      }
    })();
    expect(issues?.map((i) => i.path)).toEqual([
      ["USERS", 1, "username"],
      ["USERS", 3, "username"],
    ]);
    expect(page({ USERS: users("demo", "demo2") }).authenticator).toMatchObject({ users: [{ username: "demo" }, { username: "demo2" }] });
  });
});
