// CLIENT_POLICY's mitigations (RFC 10027) through the real page and the emulator, one table per
// field: what /device/complete received (the emulator's request log) and what the device's
// tokens carry when it polls. The policy is keyed by Authlete's numeric client id: demo-device is
// 1001, demo-post 1003.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { atConfirm, atConsent, browser, calls, DEMO, startDevice, text } from "../support/browser";
import { bind, type Cf, control, nextIp, ORIGIN, type Overrides, resetEmulator, twoPlaces, withClock } from "../support/helpers";
import { seen, TEST_CLIENT, tenant } from "../support/issuer";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const policy = (p: object): Overrides => ({ CLIENT_POLICY: JSON.stringify(p) });
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const idTokenClaims = (idToken: string) => JSON.parse(atob(idToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
const primary = (html: string) => /<button type="submit" class="primary"[^>]*>([^<]+)<\/button>/.exec(html)?.[1];
const lastComplete = async () => (await calls("device/complete")).at(-1)?.body as Record<string, unknown>;

const TOKYO: Cf = { country: "JP", region: "Tokyo", city: "Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION", colo: "NRT", timezone: "Asia/Tokyo" };
const TOKYO_PHONE: Cf = { ...TOKYO, asn: 9605, asOrganization: "NTT DOCOMO, INC." };
const OSAKA: Cf = { country: "JP", region: "Osaka", city: "Osaka", asn: 17676, asOrganization: "SoftBank Corp.", colo: "KIX", timezone: "Asia/Tokyo" };
const FRANKFURT: Cf = { country: "DE", region: "Hesse", city: "Frankfurt am Main", asn: 3320, asOrganization: "Deutsche Telekom AG", colo: "FRA" };

type Worker = ReturnType<typeof bind>;
type Browser = ReturnType<typeof browser>;

/** Consent → Approve; the done page, then the device's next poll. */
async function approve(w: Worker, b: Browser, deviceCode: string) {
  const done = await b.submit("/device/consent", { action: "approve" });
  expect(text(done.html)).toContain("Your device is connected");
  return json(await w.poll(deviceCode));
}

describe("CLIENT_POLICY scopes: a device grant carries only the allowed scopes (RFC 10027: limited scopes)", () => {
  const w = bind(createApp());
  const cases: {
    name: string;
    policy: object | null;
    form?: Record<string, string>;
    sent: string[] | undefined;
    scope: string | undefined;
    withheld: string[];
  }[] = [
    { name: "no policy: Authlete's scopes stand, no scopes member", policy: null, sent: undefined, scope: "openid profile email", withheld: [] },
    {
      name: "the default entry limits every client",
      policy: { default: { scopes: ["openid", "profile"] } },
      form: { client_id: "demo-device", scope: "openid profile email offline_access" },
      sent: ["openid", "profile"],
      scope: "openid profile",
      withheld: ["See your email address (email)", "Stay connected while you are not using it, until you remove its access (offline_access)"],
    },
    {
      name: "the client's own entry, by Authlete's numeric id",
      policy: { default: { scopes: ["openid"] }, "1001": { scopes: ["openid", "profile", "email"] } },
      sent: ["openid", "profile", "email"],
      scope: "openid profile email",
      withheld: [],
    },
    {
      name: "another client's entry leaves this one alone",
      policy: { "1003": { scopes: ["openid"] } },
      sent: undefined,
      scope: "openid profile email",
      withheld: [],
    },
    {
      name: "without openid: no ID token, and no claims released",
      policy: { "1001": { scopes: ["tv.watch"] } },
      form: { client_id: "demo-device", scope: "openid profile tv.watch" },
      sent: ["tv.watch"],
      scope: "tv.watch",
      withheld: ["Confirm who you are (openid)", "See your basic profile, such as your name and picture (profile)"],
    },
  ];

  it.each(cases)("$name", async (c) => {
    const b = browser(w, { env: c.policy ? policy(c.policy) : {} });
    const { flow, page } = await atConsent(w, b, c.form ?? { client_id: "demo-device", scope: "openid profile email" });
    const t = text(page.html);
    if (c.withheld.length) {
      expect(t).toContain("Not offered Demo TV also asked for the following. It is not allowed them here, so it will not get them:");
      for (const s of c.withheld) expect(t).toContain(s);
      // Consent shows only what will be granted above the line.
      expect(t.slice(0, t.indexOf("Not offered"))).not.toContain(c.withheld[0]!);
    } else expect(t).not.toContain("Not offered");
    const tokens = await approve(w, b, flow.device_code);
    const sent = await lastComplete();
    expect(sent["scopes"]).toEqual(c.sent);
    expect(tokens["scope"]).toBe(c.scope);
    const claims = sent["claims"] ? (JSON.parse(String(sent["claims"])) as Record<string, unknown>) : {};
    if (c.scope?.split(" ").includes("openid")) {
      expect(idTokenClaims(String(tokens["id_token"]))).toMatchObject({ sub: "demo" });
      // A withheld email scope takes its claims with it.
      expect("email" in claims).toBe(c.scope.includes("email"));
    } else {
      expect(tokens["id_token"]).toBeUndefined();
      expect(claims).toEqual({});
    }
  });

  it("nothing requested is allowed: the consent page says so, and the token carries no scope", async () => {
    const b = browser(w, { env: policy({ "1001": { scopes: ["openid"] } }) });
    const { flow, page } = await atConsent(w, b, { client_id: "demo-device", scope: "tv.watch tv.purchase" });
    const t = text(page.html);
    expect(t).not.toContain("It will be able to");
    expect(t).toContain("Not offered");
    expect(t).toContain("tv.watch");
    expect(t).toContain("tv.purchase");
    const tokens = await approve(w, b, flow.device_code);
    expect((await lastComplete())["scopes"]).toEqual([]);
    expect(tokens["scope"]).toBeUndefined();
  });

  it("in Japanese: what is not offered is named too", async () => {
    const b = browser(w, { env: policy({ "1001": { scopes: ["openid", "profile"] } }), headers: { "Accept-Language": "ja" } });
    const { page } = await atConsent(w, b, { client_id: "demo-device", scope: "openid profile email" });
    const t = text(page.html);
    expect(t).toContain("提供されない内容 Demo TV は次の内容も求めていますが、ここでは許可されていないため提供されません:");
    expect(t).toContain("メールアドレスの参照 (email)");
  });
});

describe("CLIENT_POLICY tokens: lifetimes of device grants, shorter after the stronger warning (RFC 10027: short-lived tokens)", () => {
  const { device: w, browser: web } = twoPlaces();
  const refresh = (refreshToken: string) =>
    w.postForm("/token", { grant_type: "refresh_token", refresh_token: refreshToken, client_id: "demo-device" }, { "CF-Connecting-IP": nextIp() });
  const tokens = { accessTokenSeconds: 900, refreshTokenSeconds: 3600, afterWarning: { accessTokenSeconds: 300, refreshTokenSeconds: 600 } };
  const cases: {
    name: string;
    policy: object | null;
    device: Cf;
    sent: { accessTokenDuration?: number; refreshTokenDuration?: number };
    expiresIn: number;
    refreshLives: number;
  }[] = [
    { name: "no policy: the service's own (3600 s, refresh 86400 s)", policy: null, device: TOKYO, sent: {}, expiresIn: 3600, refreshLives: 86_400 },
    {
      name: "tokens for a normal approval",
      policy: { "1001": { tokens } },
      device: TOKYO,
      sent: { accessTokenDuration: 900, refreshTokenDuration: 3600 },
      expiresIn: 900,
      refreshLives: 3600,
    },
    {
      name: "afterWarning for an approval through the stronger warning (Continue anyway)",
      policy: { "1001": { tokens } },
      device: FRANKFURT,
      sent: { accessTokenDuration: 300, refreshTokenDuration: 600 },
      expiresIn: 300,
      refreshLives: 600,
    },
    {
      name: "afterWarning alone: the access token is shortened, the refresh token is the service's",
      policy: { default: { tokens: { afterWarning: { accessTokenSeconds: 120 } } } },
      device: FRANKFURT,
      sent: { accessTokenDuration: 120 },
      expiresIn: 120,
      refreshLives: 86_400,
    },
    {
      name: "afterWarning longer than the usual lifetime: the shorter one wins",
      policy: { "1001": { tokens: { accessTokenSeconds: 600, afterWarning: { accessTokenSeconds: 1200 } } } },
      device: FRANKFURT,
      sent: { accessTokenDuration: 600 },
      expiresIn: 600,
      refreshLives: 86_400,
    },
  ];

  it.each(cases)("$name", async (c) => {
    const b = browser(web, { cf: TOKYO_PHONE, env: c.policy ? policy(c.policy) : {} });
    const { flow, page } = await atConfirm(w, b, undefined, { cf: c.device });
    expect(primary(page.html)).toBe(c.device === FRANKFURT ? "Deny" : "Continue");
    let next = await b.submit("/device/confirm", {});
    next = await b.submit("/device/sign-in", DEMO);
    expect(next.html).toContain('action="/device/consent"');
    const got = await approve(w, b, flow.device_code);
    const sent = await lastComplete();
    expect({ accessTokenDuration: sent["accessTokenDuration"], refreshTokenDuration: sent["refreshTokenDuration"] }).toEqual({
      accessTokenDuration: undefined,
      refreshTokenDuration: undefined,
      ...c.sent,
    });
    expect(got["expires_in"]).toBe(c.expiresIn);
    // The refresh token lives exactly as long: refused at its end (Authlete's clock; usable before it, next test).
    await control("clock", { advanceMs: c.refreshLives * 1000 });
    expect(await json(await refresh(String(got["refresh_token"])))).toMatchObject({ error: "invalid_grant" });
  });

  it("a refresh token is usable until then", async () => {
    const b = browser(web, { cf: TOKYO_PHONE, env: policy({ "1001": { tokens } }) });
    const { flow } = await atConsent(w, b, undefined, { cf: TOKYO });
    const got = await approve(w, b, flow.device_code);
    await control("clock", { advanceMs: 3599_000 });
    expect(await json(await refresh(String(got["refresh_token"])))).toMatchObject({ token_type: "Bearer" });
  });
});

describe("CLIENT_POLICY maxAuthAgeSeconds: a signed-in browser's old sign-in signs in again", () => {
  /** A browser that signed in (and approved one code) at the clock's start; `advance` moves the Worker's clock and Authlete's together. */
  async function signedIn(env: Overrides) {
    const t = withClock();
    const b = browser(t, { env });
    const { flow } = await atConsent(t, b);
    await approve(t, b, flow.device_code);
    await b.get("/device");
    const advance = async (ms: number) => {
      t.clock.advance(ms);
      await control("clock", { advanceMs: ms });
    };
    return { ...t, b, advance };
  }
  /** A second code, confirmed: the page it leads to. */
  async function confirmNext(t: Worker, b: Browser) {
    const { flow } = await atConfirm(t, b);
    return { flow, page: await b.submit("/device/confirm", {}) };
  }

  it.each([
    ["no policy: the sign-in session's own lifetime", null, 800, "consent"],
    ["within the bound: Continue skips the form", 300, 299, "consent"],
    ["past the bound: sign in again", 300, 301, "sign_in"],
    ["0: always sign in again", 0, 1, "sign_in"],
  ] as const)("%s", async (_, max, after, lands) => {
    const { clock, b, advance, ...t } = await signedIn(max === null ? {} : policy({ "1001": { maxAuthAgeSeconds: max } }));
    await advance(after * 1000);
    const { flow, page } = await confirmNext(t, b);
    if (lands === "consent") {
      expect(page.html).toContain('action="/device/consent"');
      return;
    }
    expect(page.html).toContain('action="/device/sign-in"');
    expect(text(page.html)).toContain("Sign in again to continue: for this application, your earlier sign-in is too long ago.");
    // A new sign-in for this code, and the approval carries its time.
    const consent = await b.submit("/device/sign-in", DEMO);
    expect(consent.html).toContain('action="/device/consent"');
    await approve(t, b, flow.device_code);
    expect((await lastComplete())["authTime"]).toBe(Math.floor(clock.now / 1000));
  });

  it("a consent page left open past the bound does not approve: back to sign-in, nothing sent to Authlete", async () => {
    const { b, advance, ...t } = await signedIn(policy({ default: { maxAuthAgeSeconds: 300 } }));
    await advance(200_000);
    const { flow, page } = await confirmNext(t, b);
    expect(page.html).toContain('action="/device/consent"');
    const before = (await calls("device/complete")).length;
    await advance(101_000);
    const res = await b.post("/device/consent", { action: "approve" });
    expect([res.status, res.location]).toEqual([303, "/device"]);
    const again = await b.get("/device");
    expect(again.html).toContain('action="/device/sign-in"');
    expect(text(again.html)).toContain("Sign in again to continue");
    expect(await calls("device/complete")).toHaveLength(before);
    expect(await json(await t.poll(flow.device_code))).toMatchObject({ error: "authorization_pending" });
    // A fresh sign-in approves (the device waits its interval before it polls again).
    await b.submit("/device/sign-in", DEMO);
    await advance(5_000);
    expect((await approve(t, b, flow.device_code))["access_token"]).toBeTypeOf("string");
  });

  it("a sign-in made for this code approves, however long the person reads the consent page (the code's lifetime bounds it)", async () => {
    const t = withClock();
    const b = browser(t, { env: policy({ "1001": { maxAuthAgeSeconds: 0 } }) });
    const { flow } = await atConsent(t, b);
    t.clock.advance(120_000);
    expect((await approve(t, b, flow.device_code))["access_token"]).toBeTypeOf("string");
  });

  it("Deny needs no fresh sign-in", async () => {
    const { b, advance, ...t } = await signedIn(policy({ "1001": { maxAuthAgeSeconds: 300 } }));
    await advance(200_000);
    const { flow } = await confirmNext(t, b);
    await advance(200_000);
    expect(text((await b.submit("/device/consent", { action: "deny" })).html)).toContain("Request denied");
    expect(await json(await t.poll(flow.device_code))).toMatchObject({ error: "access_denied" });
  });
});

describe("CLIENT_POLICY maxAuthAgeSeconds with an upstream OpenID provider: max_age, and auth_time checked", () => {
  const w = bind(createApp());
  const corp = (issuer: string, max: number): Overrides => ({
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify([{ id: "corp", label: "Corp SSO", issuer, client_id: TEST_CLIENT.clientId }]),
    OIDC_CLIENT_SECRET_CORP: TEST_CLIENT.clientSecret,
    OIDC_REDIRECT_URI: `${ORIGIN}/device/callback/{id}`,
    ...policy({ "1001": { maxAuthAgeSeconds: max } }),
  });
  /** Code, confirm, "Sign in with Corp SSO", the test issuer's answer: the callback's response. */
  async function viaCorp(b: Browser) {
    const { flow } = await atConfirm(w, b);
    await b.submit("/device/confirm", {});
    const handoff = await b.post("/device/federation", { provider: "corp" });
    const url = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(handoff.html)![1]!.replace(/&amp;/g, "&");
    const back = await fetch(url, { redirect: "manual" });
    return { flow, res: await b.get(back.headers.get("Location")!.slice(ORIGIN.length)) };
  }
  const authorize = async (issuer: string) => (await seen(issuer)).find((s) => s.endpoint === "/authorize")!.params;

  it.each([
    [300, { max_age: "300" }],
    [0, { max_age: "0", prompt: "login" }],
  ] as const)("maxAuthAgeSeconds %s → the provider is asked %j, and a fresh sign-in goes on to consent", async (max, asked) => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer, max) });
    const { res } = await viaCorp(b);
    expect([res.status, res.location]).toEqual([303, "/device"]);
    const params = await authorize(issuer);
    expect(params).toMatchObject(asked);
    if (!("prompt" in asked)) expect(params["prompt"]).toBeUndefined();
    expect((await b.get("/device")).html).toContain('action="/device/consent"');
  });

  it.each([
    [
      "an auth_time older than max_age (the provider's session was taken for a sign-in)",
      { auth_time: Math.floor(Date.now() / 1000) - 3600 },
      "corp: OAUTH_JWT_TIMESTAMP_CHECK_FAILED: too much time has elapsed since the last End-User authentication",
    ],
    ["no auth_time", { auth_time: null }, 'corp: OAUTH_INVALID_RESPONSE: JWT "auth_time" (authentication time) claim missing'],
  ])("%s → refused as a failed sign-in", async (_, idToken, detail) => {
    const issuer = await tenant({ idToken });
    const b = browser(w, { env: corp(issuer, 300) });
    const logs = captureLogs();
    const { res } = await viaCorp(b);
    expect(res.status).toBe(502);
    expect(text(res.html)).toContain("Sign-in failed");
    expect(logs.decision()).toMatchObject({ level: "info", route: "/device/callback/corp", outcome: "login_rejected", detail });
  });
});

describe("CLIENT_POLICY oneCodeOnePerson: one code, one person (RFC 10027: unique codes)", () => {
  const { device: w, browser: web } = twoPlaces();
  const enter = async (b: Browser, userCode: string) => {
    await b.get("/device");
    return b.submit("/device", { user_code: userCode });
  };
  const SHARED = "Someone else, in another browser on another network, has entered this same code.";

  it.each([
    ["warn", "the stronger warning with that reason, Deny first"],
    ["block", "refused: a page that says why, the device told no, a log line"],
  ] as const)("a second browser on a second network, while the first is at it → %s: %s", async (mode, _) => {
    const logs = captureLogs();
    const env = policy({ "1001": { oneCodeOnePerson: mode } });
    const flow = await startDevice(w, undefined, { cf: TOKYO });
    const first = browser(web, { cf: TOKYO_PHONE, env });
    const page = await enter(first, flow.user_code);
    expect(primary(page.html)).toBe("Continue");
    expect(text(page.html)).not.toContain(SHARED);

    const second = browser(web, { cf: OSAKA, env });
    if (mode === "warn") {
      const warned = await enter(second, flow.user_code);
      expect(text(warned.html)).toContain("Be careful: this may not be your device");
      expect(text(warned.html)).toContain(SHARED);
      expect(primary(warned.html)).toBe("Deny");
    } else {
      await second.get("/device");
      const res = await second.post("/device", { user_code: flow.user_code });
      expect([res.status, res.location]).toEqual([303, "/device"]);
      const t = text((await second.get("/device")).html);
      expect(t).toContain("This request was refused");
      expect(t).toContain("Someone else, in another browser on another network, had already entered this code.");
      // The device learns no, never why (the reason is in the log).
      const why = "The authorization request was denied.";
      expect((await calls("device/complete")).map((r) => r.body)).toEqual([{ userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: why }]);
      expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "access_denied", error_description: why });
    }
    expect(logs.of("shared_code")).toEqual([
      expect.objectContaining({ level: "warn", clientId: 1001, policy: mode, risk: mode, code: expect.stringMatching(/^[\w-]{12}$/) }),
    ]);
    const all = logs.lines.map((l) => JSON.stringify(l)).join("\n");
    for (const secret of [flow.user_code, flow.device_code, first.ip, second.ip]) expect(all).not.toContain(secret);
  });

  it("one person is not two: the same browser again, or a second browser on the same network, gets the usual page", async () => {
    const env = policy({ "1001": { oneCodeOnePerson: "block" } });
    const flow = await startDevice(w, undefined, { cf: TOKYO });
    const ip = nextIp();
    const phone = browser(web, { ip, cf: TOKYO_PHONE, env });
    expect(primary((await enter(phone, flow.user_code)).html)).toBe("Continue");
    // The same browser opens the link once more: its own verification, replaced.
    await phone.get(`/device?user_code=${flow.user_code}`);
    expect(text((await phone.get("/device")).html)).toContain("You were connecting another device");
    expect(primary((await phone.submit("/device", { user_code: flow.user_code })).html)).toBe("Continue");
    const laptop = browser(web, { ip, cf: TOKYO, env });
    expect(primary((await enter(laptop, flow.user_code)).html)).toBe("Continue");
    expect(await calls("device/complete")).toEqual([]);
  });

  it("without the policy nothing is recorded or compared", async () => {
    const flow = await startDevice(w, undefined, { cf: TOKYO });
    expect(primary((await enter(browser(web, { cf: TOKYO_PHONE }), flow.user_code)).html)).toBe("Continue");
    expect(primary((await enter(browser(web, { cf: OSAKA }), flow.user_code)).html)).toBe("Continue");
  });
});
