import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { PasswordAuthenticator } from "../src/auth/password";
import { derive, verifyPassword } from "../src/auth/password-hash";
import { ConfigError, loadPageConfig } from "../src/config";
import type { Env } from "../src/env";
import { contrast, palette } from "../src/verification/theme";
import { formatUserCode, normalizeUserCode } from "../src/verification/user-code";
import { bind, control, resetEmulator } from "./helpers";
import { browser, startDevice, text } from "./verification-browser";

/** The page variables wrangler.toml sets, unset, so the defaults show. */
const UNSET: Partial<Env> = {
  USER_CODE_CHARSET: undefined,
  USER_CODE_LENGTH: undefined,
  AUTHENTICATOR: undefined,
  SIGN_IN_SESSION_SECONDS: undefined,
  PRODUCT_NAME: undefined,
  ACCENT_COLOR: undefined,
  SCOPE_DESCRIPTIONS: undefined,
};
const page = (overrides: Partial<Env>) => loadPageConfig({ ...env, ...UNSET, ...overrides });
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

  it.each<[Partial<Env>, string]>([
    [{ USER_CODE_CHARSET: "HEX" }, "USER_CODE_CHARSET: must be one of BASE20, NUMERIC"],
    [{ USER_CODE_LENGTH: "3" }, "USER_CODE_LENGTH"],
    [{ AUTHENTICATOR: "saml" }, "AUTHENTICATOR: must be one of password, access"],
    [{ USERS: undefined }, "USERS: is missing"],
    [{ USERS: "not json" }, "USERS: must be valid JSON"],
    [{ USERS: "[]" }, "USERS: must list at least one user"],
    [{ USERS: '[{"username":"a","passwordHash":"plain"}]' }, "USERS.0.passwordHash: must be a hash printed by `npm run hash-password`"],
    [{ USERS: `[{"username":"a","passwordHash":"${DEMO_HASH.replace(":100000:", ":200000:")}"}]` }, "iterations must be between 10000 and 100000"],
    [{ USERS: `[{"username":"a","passwordHash":"${DEMO_HASH}"},{"username":"A","passwordHash":"${DEMO_HASH}"}]` }, 'username "A" appears more than once'],
    [{ USERS: `[{"username":"a","passwordHash":"${DEMO_HASH}","subject":"has space"}]` }, "USERS.0.subject: must be 1-100 printable ASCII characters"],
    [{ AUTHENTICATOR: "access", ACCESS_AUD: "x" }, "ACCESS_TEAM_DOMAIN: is missing"],
    [{ AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "http://t.cloudflareaccess.com", ACCESS_AUD: "x" }, "ACCESS_TEAM_DOMAIN: must be an https origin"],
    [{ SIGN_IN_SESSION_SECONDS: "10" }, "SIGN_IN_SESSION_SECONDS"],
    [{ LOGO_URL: "javascript:alert(1)" }, "LOGO_URL: must be an absolute http(s) URL"],
    [{ ACCENT_COLOR: "red;}body{display:none" }, "ACCENT_COLOR: must be a colour like #1a56db"],
    [{ SCOPE_DESCRIPTIONS: '{"tv.watch":"Watch"}' }, "SCOPE_DESCRIPTIONS.tv.watch"],
  ])("%j → %s", (overrides, message) => {
    expect(() => page(overrides)).toThrow(ConfigError);
    expect(() => page(overrides)).toThrow(message);
  });
});

describe("user codes: lenient input, strict output", () => {
  const BASE20 = { charset: "BASE20", length: 8 } as const;
  const NUMERIC = { charset: "NUMERIC", length: 9 } as const;
  it.each<[string, typeof BASE20 | typeof NUMERIC, string | null]>([
    ["wdjb-mjht", BASE20, "WDJBMJHT"],
    ["WDJB MJHT", BASE20, "WDJBMJHT"],
    ["wdjb_mjht", BASE20, "WDJBMJHT"],
    ["w.d.j.b.m.j.h.t", BASE20, "WDJBMJHT"],
    ["ＷＤＪＢ－ＭＪＨＴ", BASE20, "WDJBMJHT"],
    ["WDJB-MJHA", BASE20, null],
    ["WDJB-MJH", BASE20, null],
    ["WDJB-MJHT-B", BASE20, null],
    ["019-450-730", NUMERIC, "019450730"],
    ["０１９ ４５０ ７３０", NUMERIC, "019450730"],
    ["019-450-73O", NUMERIC, null],
  ])("%j → %j", (input, format, expected) => {
    expect(normalizeUserCode(input, format)).toBe(expected);
  });

  it("shows codes in groups of four, or of three when only three divides the length", () => {
    expect(formatUserCode("WDJBMJHT")).toBe("WDJB-MJHT");
    expect(formatUserCode("019450730")).toBe("019-450-730");
    expect(formatUserCode("BCDFGHJKLM")).toBe("BCDF-GHJK-LM");
  });

  it("a NUMERIC service works end to end through the page", async () => {
    await resetEmulator();
    await control("service", { userCodeCharset: "NUMERIC", userCodeLength: 9 });
    const w = bind(createApp());
    const flow = await startDevice(w);
    const b = browser(w, { env: { USER_CODE_CHARSET: "NUMERIC" } });
    const enter = await b.get("/device");
    expect(enter.html).toContain('inputmode="numeric"');
    expect(text(enter.html)).toContain("9 digits, like 019-450-730.");
    const p = await b.submit("/device", { user_code: `${flow.user_code.slice(0, 3)} ${flow.user_code.slice(3, 6)}-${flow.user_code.slice(6)}` });
    expect(text(p.html)).toContain(`${flow.user_code.slice(0, 3)}-${flow.user_code.slice(3, 6)}-${flow.user_code.slice(6)}`);
  });
});

describe("theme: any accent stays readable (WCAG AA)", () => {
  it.each(["#1a56db", "#ffd400", "#777777", "#000000", "#ffffff", "#e11d48"])("accent %s gets button text with contrast ≥ 4.5:1", (accent) => {
    const p = palette(accent);
    expect(contrast(p.accent, p.onAccent)).toBeGreaterThanOrEqual(4.5);
    // The button's edge is visible on the white card (1.4.11).
    expect(contrast(p.accentBorder, "#ffffff")).toBeGreaterThanOrEqual(3);
  });

  it("the fixed colours: text ≥ 4.5:1 on white and on the page background, field borders ≥ 3:1", () => {
    for (const ink of ["#111827", "#4b5563", "#b42318"]) {
      expect(contrast(ink, "#ffffff")).toBeGreaterThanOrEqual(4.5);
      expect(contrast(ink, "#f3f4f6")).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast("#111827", "#fff8e6")).toBeGreaterThanOrEqual(4.5);
    expect(contrast("#6b7280", "#ffffff")).toBeGreaterThanOrEqual(3);
  });
});

describe("passwords: PBKDF2-SHA256", () => {
  beforeEach(resetEmulator);

  it("the demo hash verifies demo and nothing else", async () => {
    expect(await verifyPassword("demo", DEMO_HASH)).toBe(true);
    expect(await verifyPassword("Demo", DEMO_HASH)).toBe(false);
    expect(await verifyPassword("demo", "pbkdf2-sha256:100000:short:x")).toBe(false);
  });

  it("derives the RFC 7914 §11 PBKDF2-HMAC-SHA256 test vector", async () => {
    const out = await derive("passwd", Uint8Array.from(new TextEncoder().encode("salt")), 1);
    expect([...out.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe("55ac046e56e3089f");
  });

  it("built-in users: names fold case and width; unknown names and wrong passwords are both just null", async () => {
    const users = loadPageConfig(env).authenticator;
    if (users.kind !== "password") throw new Error("expected built-in users");
    const auth = new PasswordAuthenticator(users.users, () => 1_700_000_000_000);
    expect(await auth.fromCredentials("ＤＥＭＯ", "demo")).toEqual({
      subject: "demo",
      claims: users.users[0]!.claims,
      authTime: 1_700_000_000,
      label: "Demo User",
    });
    expect(await auth.fromCredentials("demo", "wrong")).toBeNull();
    expect(await auth.fromCredentials("nobody", "demo")).toBeNull();
  });
});
