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
  PROXIMITY_POLICY: undefined,
  HOSTING_ASNS: undefined,
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
    expect(c.proximity).toEqual({ policies: { default: { crossCountry: "warn", maxCodeAgeSeconds: 300 }, clients: {} }, hostingAsns: [] });
  });

  it("PROXIMITY_POLICY: a client's entry over the default entry over the built-in default; HOSTING_ASNS adds networks", () => {
    const c = page({
      PROXIMITY_POLICY: '{"default":{"maxCodeAgeSeconds":600},"1001":{"crossCountry":"block"},"1002":{"crossCountry":"allow","maxCodeAgeSeconds":120}}',
      HOSTING_ASNS: "64500, AS64501 64502",
    });
    expect(c.proximity.policies).toEqual({
      default: { crossCountry: "warn", maxCodeAgeSeconds: 600 },
      clients: { "1001": { crossCountry: "block", maxCodeAgeSeconds: 600 }, "1002": { crossCountry: "allow", maxCodeAgeSeconds: 120 } },
    });
    expect(c.proximity.hostingAsns).toEqual([64500, 64501, 64502]);
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
    [{ PROXIMITY_POLICY: "{" }, "PROXIMITY_POLICY: must be valid JSON"],
    [{ PROXIMITY_POLICY: '{"demo-device":{}}' }, "PROXIMITY_POLICY.demo-device: is not `default` or a numeric Authlete client id"],
    [{ PROXIMITY_POLICY: '{"default":{"crossCountry":"deny"}}' }, "PROXIMITY_POLICY.default.crossCountry: must be one of allow, warn, block"],
    [{ PROXIMITY_POLICY: '{"1001":{"maxCodeAgeSeconds":5}}' }, "PROXIMITY_POLICY.1001.maxCodeAgeSeconds"],
    [{ PROXIMITY_POLICY: '{"1001":{"crossCountry":"warn","farKm":10}}' }, "PROXIMITY_POLICY.1001"],
    [{ HOSTING_ASNS: "16509, amazon" }, "HOSTING_ASNS.1: must be ASNs such as 64500, AS64501"],
  ])("%j → %s", (overrides, message) => {
    expect(() => page(overrides)).toThrow(ConfigError);
    expect(() => page(overrides)).toThrow(message);
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

describe("AUTHENTICATOR=oidc: providers parsed once, errors that name the provider and the field", () => {
  const provider = { id: "okta", label: "Okta", issuer: "https://example.okta.com", client_id: "abc" };
  const OIDC = (providers: unknown, extra: Overrides = {}): Overrides => ({
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify(providers),
    OIDC_REDIRECT_URI: "https://device.example.com/device/callback",
    OIDC_CLIENT_SECRET_OKTA: "s3cret",
    ...extra,
  });

  it("defaults: client_secret_basic, openid profile email, sub as the subject unprefixed, every non-protocol claim offered, no userinfo; USERS stays optional", () => {
    const c = page(OIDC([provider], { USERS: undefined }));
    expect(c.authenticator).toEqual({
      kind: "oidc",
      redirectUri: "https://device.example.com/device/callback",
      users: [],
      providers: [
        {
          id: "okta",
          label: "Okta",
          issuer: "https://example.okta.com",
          clientId: "abc",
          clientSecret: "s3cret",
          authMethod: "client_secret_basic",
          scopes: "openid profile email",
          subjectClaim: "sub",
          prefixSubject: false,
          claims: null,
          userinfo: false,
        },
      ],
    });
  });

  it("the issuer is kept byte for byte (trailing slash included); a public client needs no secret; ids with dashes map to OIDC_CLIENT_SECRET_MY_IDP; USERS beside them", () => {
    const c = page(
      OIDC(
        [
          { ...provider, issuer: "https://tenant.auth0.com/" },
          { id: "my-idp", label: "Mine", issuer: "http://localhost:9000", client_id: "x", token_endpoint_auth_method: "none" },
          { id: "third", label: "Third", issuer: "https://idp.example", client_id: "y", token_endpoint_auth_method: "client_secret_post" },
        ],
        { OIDC_CLIENT_SECRET_THIRD: "t" },
      ),
    );
    expect(c.authenticator.kind === "oidc" && c.authenticator.providers.map((p) => [p.id, p.issuer, p.clientSecret, p.authMethod])).toEqual([
      ["okta", "https://tenant.auth0.com/", "s3cret", "client_secret_basic"],
      ["my-idp", "http://localhost:9000", null, "none"],
      ["third", "https://idp.example", "t", "client_secret_post"],
    ]);
    expect(c.authenticator.kind === "oidc" && c.authenticator.users.map((u) => u.username)).toEqual(["demo"]);
  });

  it.each<[unknown, Overrides, string]>([
    [[{ ...provider, issuer: "http://example.okta.com" }], {}, "OIDC_PROVIDERS[okta].issuer: must be an https (http only on loopback) URL"],
    [[{ ...provider, issuer: "https://example.okta.com#x" }], {}, "OIDC_PROVIDERS[okta].issuer: must be an https"],
    [[{ ...provider, client_id: "" }], {}, "OIDC_PROVIDERS[okta].client_id: must not be empty"],
    [[{ ...provider, label: undefined }], {}, "OIDC_PROVIDERS[okta].label: is missing"],
    [[{ ...provider, scopes: "profile email" }], {}, 'OIDC_PROVIDERS[okta].scopes: must be space-separated and include "openid"'],
    [[{ ...provider, token_endpoint_auth_method: "private_key_jwt" }], {}, "OIDC_PROVIDERS[okta].token_endpoint_auth_method: must be one of"],
    [[{ ...provider, id: "Okta!" }], {}, "OIDC_PROVIDERS[Okta!].id: must be 1-32 characters"],
    [[{ label: "x" }], {}, "OIDC_PROVIDERS[0].id: is missing"],
    [[provider, provider], {}, "OIDC_PROVIDERS[okta].id: appears more than once"],
    [[provider], { OIDC_CLIENT_SECRET_OKTA: undefined }, "OIDC_PROVIDERS[okta]: OIDC_CLIENT_SECRET_OKTA is missing"],
    [
      [{ ...provider, token_endpoint_auth_method: "none" }],
      {},
      'OIDC_PROVIDERS[okta].token_endpoint_auth_method: is "none" but OIDC_CLIENT_SECRET_OKTA is set',
    ],
    [[], {}, "OIDC_PROVIDERS: must list at least one provider"],
    [[provider], { OIDC_PROVIDERS: "{" }, "OIDC_PROVIDERS: must be valid JSON"],
    [[provider], { OIDC_REDIRECT_URI: undefined }, "OIDC_REDIRECT_URI: is missing"],
    [[provider], { OIDC_REDIRECT_URI: "http://device.example.com/device/callback" }, "OIDC_REDIRECT_URI: must be an https (http only on loopback) URL"],
    [[provider], { OIDC_REDIRECT_URI: "https://device.example.com/callback" }, "OIDC_REDIRECT_URI: must end in /device/callback"],
    [[provider], { OIDC_REDIRECT_URI: "https://device.example.com/device/callback?next=/x" }, "OIDC_REDIRECT_URI: must be an https"],
  ])("%j %j → %s", (providers, extra, message) => {
    expect(() => page(OIDC(providers, extra))).toThrow(ConfigError);
    expect(() => page(OIDC(providers, extra))).toThrow(message);
  });

  it("http is allowed on loopback only: localhost, *.localhost, 127.0.0.0/8, [::1]", () => {
    for (const issuer of ["http://localhost:9000", "http://idp.localhost:9000", "http://127.0.0.1:9000", "http://[::1]:9000"])
      expect(() => page(OIDC([{ ...provider, issuer }], { OIDC_REDIRECT_URI: "http://127.0.0.1:8787/device/callback" }))).not.toThrow();
    expect(() => page(OIDC([{ ...provider, issuer: "http://localhost.example.com" }]))).toThrow("must be an https");
  });
});
