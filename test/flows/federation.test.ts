// Sign-in at an upstream OpenID provider, in workerd, against real IdPs over HTTP on loopback
// (test/idp/global-setup.ts): node-oidc-provider (a certified OP) for the happy path, and the test
// issuer, whose clock, claims and keys each test sets, for every way the round trip can fail.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { TenantOptions } from "../idp/tenant";
import { atConfirm, browser, startDevice, text } from "../support/browser";
import { bind, control, emulator, ORIGIN, type Overrides, poll, resetEmulator, withClock } from "../support/helpers";

const TEST_ISSUER = inject("testIssuer");
const OP = inject("oidcProvider");
const TEST_CLIENT = { clientId: "edge-test-client", clientSecret: "edge-test-client-secret" };
const CALLBACK = `${ORIGIN}/device/callback`;

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/** A fresh issuer of the test IdP that misbehaves as asked. */
async function tenant(options: TenantOptions = {}): Promise<string> {
  const res = await fetch(`${TEST_ISSUER}/_tenants`, { method: "POST", body: JSON.stringify(options) });
  return ((await res.json()) as { issuer: string }).issuer;
}
const seen = async (issuer: string) =>
  (await (await fetch(`${issuer}/_seen`)).json()) as { endpoint: string; params: Record<string, string>; authorization?: string }[];

/** AUTHENTICATOR=oidc with one test-issuer provider "corp" (and the demo user unless told otherwise). */
function corp(issuer: string, provider: Record<string, unknown> = {}, extra: Overrides = {}): Overrides {
  return {
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify([{ id: "corp", label: "Corp SSO", issuer, client_id: TEST_CLIENT.clientId, ...provider }]),
    OIDC_CLIENT_SECRET_CORP: TEST_CLIENT.clientSecret,
    OIDC_REDIRECT_URI: CALLBACK,
    ...extra,
  };
}

const idTokenClaims = (idToken: string) => JSON.parse(atob(idToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
const decodeEntities = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

type Worker = ReturnType<typeof bind>;
type Browser = ReturnType<typeof browser>;

/** Code typed, device confirmed: on the sign-in page. */
async function atSignIn(w: Worker, b: Browser) {
  const { flow } = await atConfirm(w, b);
  const page = await b.submit("/device/confirm", {});
  if (!page.html.includes('action="/device/federation"')) throw new Error(`not on the sign-in page: ${page.status} ${text(page.html)}`);
  return { flow, page };
}

/** Presses "Sign in with …": the hand-off page, and the provider URL it moves on to. */
async function pressProvider(b: Browser, provider = "corp") {
  const page = await b.post("/device/federation", { provider });
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(page.html)?.[1];
  return { page, url: refresh ? new URL(decodeEntities(refresh)) : null };
}

/** The test issuer signs the person in at once and redirects back: the callback URL. */
async function atTestIdp(url: URL): Promise<string> {
  const res = await fetch(url, { redirect: "manual" });
  const location = res.headers.get("Location");
  if (res.status !== 302 || !location?.startsWith(CALLBACK)) throw new Error(`test IdP answered ${res.status} ${location}`);
  return location.slice(ORIGIN.length);
}

/** Through the test IdP and back: the callback's answer. */
async function signInThroughCorp(w: Worker, b: Browser) {
  const { flow } = await atSignIn(w, b);
  const { url } = await pressProvider(b);
  const callback = await atTestIdp(url!);
  return { flow, callback, res: await b.get(callback) };
}

/**
 * node-oidc-provider's own login and consent pages, driven like a browser with JavaScript off:
 * follow redirects, keep the IdP's cookies, fill its login form, press Continue on consent.
 */
async function signInAtOp(start: URL, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = start.href;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
    const location = res.headers.get("Location");
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(CALLBACK)) return next.href.slice(ORIGIN.length);
      [url, init] = [next.href, {}];
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`unexpected IdP page ${res.status}: ${html.slice(0, 300)}`);
    const form = prompt === "login" ? { prompt, login, password: "anything" } : { prompt };
    [url, init] = [
      new URL(decodeEntities(action), url).href,
      { method: "POST", body: new URLSearchParams(form).toString(), headers: { "Content-Type": "application/x-www-form-urlencoded" } },
    ];
  }
  throw new Error("too many hops at the IdP");
}

const w = bind(createApp());

describe("the sign-in page offers the providers", () => {
  it("one 'Sign in with …' button per provider, each a CSRF-protected POST form, and the password form when USERS is set", async () => {
    const issuer = await tenant();
    const b = browser(w, {
      env: corp(
        issuer,
        {},
        {
          OIDC_PROVIDERS: JSON.stringify([
            { id: "corp", label: "Corp SSO", issuer, client_id: "a" },
            { id: "partner", label: "Partner <ID>", issuer, client_id: "b" },
          ]),
          OIDC_CLIENT_SECRET_PARTNER: "s",
        },
      ),
    });
    const { page } = await atSignIn(w, b);
    expect(page.status).toBe(200);
    const forms = page.html.match(/<form method="post" action="\/device\/federation"[\s\S]*?<\/form>/g) ?? [];
    expect(forms).toHaveLength(2);
    for (const f of forms) expect(f).toMatch(/name="csrf" value="[\w-]{12}\.[\w-]{43}"/);
    expect(forms[0]).toContain('name="provider" value="corp"');
    expect(text(page.html)).toContain("Sign in with Corp SSO");
    expect(page.html).toContain("Sign in with Partner &lt;ID&gt;");
    expect(page.html).toContain('action="/device/sign-in"');
    expect(text(page.html)).toContain("or with a username and password");
  });

  it("without USERS only the buttons show, in Japanese too, and the password route refuses", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer, {}, { USERS: undefined }), headers: { "Accept-Language": "ja" } });
    const { page } = await atSignIn(w, b);
    expect(page.html).not.toContain('action="/device/sign-in"');
    expect(text(page.html)).toContain("Corp SSO でサインイン");
    expect((await b.post("/device/sign-in", { username: "demo", password: "demo" })).status).toBe(409);
  });

  it("a provider id the page did not offer is refused (403) and nothing is sent anywhere", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const { page } = await pressProvider(b, "evil");
    expect(page.status).toBe(403);
    expect(page.headers.getSetCookie().some((c) => c.startsWith("__Host-device-login="))).toBe(false);
    expect(await seen(issuer)).toEqual([]);
  });
});

describe("a round trip through node-oidc-provider (a certified OP)", () => {
  it("code → confirm → Sign in with … → the OP's login and consent → back → consent → approve: the device's subject is the OP's user", async () => {
    const b = browser(w, {
      env: {
        AUTHENTICATOR: "oidc",
        OIDC_PROVIDERS: JSON.stringify([{ id: "op", label: "Example OP", issuer: OP.issuer, client_id: OP.clientId, userinfo: true }]),
        OIDC_CLIENT_SECRET_OP: OP.clientSecret,
        OIDC_REDIRECT_URI: CALLBACK,
      },
    });
    const { flow } = await atSignIn(w, b);
    const { page, url } = await pressProvider(b, "op");
    expect(page.status).toBe(200);
    expect(url!.origin + url!.pathname).toBe(`${OP.issuer}/auth`);
    const callback = await signInAtOp(url!, "alice");
    const back = await b.get(callback);
    expect(back.status).toBe(303);
    expect(back.location).toBe("/device");
    const consent = await b.get("/device");
    expect(text(consent.html)).toContain("Signed in as Alice Example with Example OP");
    await b.submit("/device/consent", { action: "approve" });
    const tokens = (await (await poll(flow.device_code)).json()) as { id_token: string };
    expect(idTokenClaims(tokens.id_token)).toMatchObject({ sub: "alice", name: "Alice Example" });
  });
});

describe("a round trip through the test issuer", () => {
  it("sends response_type=code, PKCE S256, state, nonce and the configured redirect_uri; Basic client authentication; the code's verifier checks out", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/device");
    const [authorize, token] = await seen(issuer).then((s) => s.filter((x) => x.endpoint !== "/.well-known/openid-configuration" && x.endpoint !== "/jwks"));
    expect(authorize!.params).toMatchObject({
      response_type: "code",
      client_id: TEST_CLIENT.clientId,
      redirect_uri: CALLBACK,
      scope: "openid profile email",
      code_challenge_method: "S256",
    });
    expect(authorize!.params["state"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["nonce"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["code_challenge"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["response_mode"]).toBeUndefined();
    expect(token!.endpoint).toBe("/token");
    expect(token!.authorization).toMatch(/^Basic /);
    expect(token!.params).toMatchObject({ grant_type: "authorization_code", redirect_uri: CALLBACK });
    expect(token!.params["code_verifier"]).toMatch(/^[\w-]{43}$/);
  });

  it("continues where password sign-in does: consent with the provider's claims (released as claimNames ask), acr and auth_time passed on, a signed-in browser", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const { flow } = await signInThroughCorp(w, b);
    const consent = await b.get("/device");
    expect(consent.html).toContain('action="/device/consent"');
    expect(text(consent.html)).toContain("Signed in as Alice Example with Corp SSO");
    // openid profile asks for name (and the other profile claims), not email: email is not shown.
    expect(text(consent.html)).toContain("Name : Alice Example");
    expect(text(consent.html)).not.toContain("alice@idp.example");
    expect(b.jar.has("__Host-device-signin")).toBe(true);
    expect(b.jar.has("__Host-device-login")).toBe(false);
    await b.submit("/device/consent", { action: "approve" });
    const completes = ((await (await emulator("/_emulator/requests")).json()) as { path: string; body: Record<string, unknown> }[]).filter((r) =>
      r.path.endsWith("/device/complete"),
    );
    expect(completes.at(-1)!.body).toMatchObject({ result: "AUTHORIZED", subject: "alice", acr: "urn:example:acr:mfa" });
    expect(completes.at(-1)!.body["authTime"]).toBeGreaterThan(Math.floor(Date.now() / 1000) - 60);
    expect(JSON.parse(completes.at(-1)!.body["claims"] as string)).toEqual({ name: "Alice Example" });
    const tokens = (await (await poll(flow.device_code)).json()) as { id_token: string };
    expect(idTokenClaims(tokens.id_token)).toMatchObject({ sub: "alice", name: "Alice Example", acr: "urn:example:acr:mfa" });

    // The next code in this browser goes straight to consent, as after a password sign-in.
    await atConfirm(w, b);
    expect(text((await b.submit("/device/confirm", {})).html)).toContain("Signed in as Alice Example");
  });

  it("subject_claim and prefix_subject: email, prefixed by the provider id so two IdPs cannot collide", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer, { subject_claim: "email", prefix_subject: true, claims: ["email", "groups"] }) });
    await signInThroughCorp(w, b);
    await b.get("/device");
    await b.submit("/device/consent", { action: "approve" });
    const completes = ((await (await emulator("/_emulator/requests")).json()) as { path: string; body: Record<string, unknown> }[]).filter((r) =>
      r.path.endsWith("/device/complete"),
    );
    expect(completes.at(-1)!.body["subject"]).toBe("corp:alice@idp.example");
  });

  it("userinfo: true adds the userinfo endpoint's claims", async () => {
    const issuer = await tenant({ idToken: { name: null }, userinfo: { name: "Alice From Userinfo" } });
    const b = browser(w, { env: corp(issuer, { userinfo: true }) });
    await signInThroughCorp(w, b);
    expect(text((await b.get("/device")).html)).toContain("Signed in as Alice From Userinfo");
    expect((await seen(issuer)).map((s) => s.endpoint)).toContain("/userinfo");
  });

  it("discovery is fetched once and kept: a second sign-in does not ask again", async () => {
    const issuer = await tenant();
    for (let i = 0; i < 2; i++) await signInThroughCorp(w, browser(w, { env: corp(issuer) }));
    expect((await seen(issuer)).filter((s) => s.endpoint === "/.well-known/openid-configuration")).toHaveLength(1);
  });
});

describe("every way it can fail: a readable page and one log line, never a stack trace", () => {
  /** The decision line the page logged for this answer. */
  function logged(spy: { mock: { calls: unknown[][] } }) {
    return spy.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((l) => l["event"] === "decision");
  }

  it.each<[string, TenantOptions, Record<string, unknown>, RegExp]>([
    ["wrong iss", { idToken: { iss: "https://attacker.example" } }, {}, /JWT_CLAIM_COMPARISON.*iss/],
    ["wrong aud", { idToken: { aud: "someone-else" } }, {}, /JWT_CLAIM_COMPARISON.*aud/],
    ["an extra audience without azp", { idToken: { aud: [TEST_CLIENT.clientId, "someone-else"] } }, {}, /additional untrusted audiences/],
    ["expired (the IdP's clock an hour behind)", { clockOffsetSeconds: -3600 }, {}, /JWT_TIMESTAMP_CHECK.*exp/],
    ["iat in the future (the IdP's clock an hour ahead)", { clockOffsetSeconds: 3600 }, {}, /iat is in the future/],
    ["nonce mismatch", { idToken: { nonce: "another-login" } }, {}, /JWT_CLAIM_COMPARISON.*nonce/],
    ["bad signature", { badSignature: true }, {}, /signature verification failed/],
    ["an unusable subject", { sub: "has spaces in it" }, {}, /unusable subject/],
    ["userinfo for another subject", { userinfo: { sub: "mallory" } }, { userinfo: true }, /JSON_ATTRIBUTE_COMPARISON/],
  ])("an invalid answer (%s) → 502 'Sign-in failed', the flow still at sign-in", async (_, options, provider, reason) => {
    const issuer = await tenant(options);
    const b = browser(w, { env: corp(issuer, provider) });
    const spy = vi.spyOn(console, "log");
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(502);
    expect(text(res.html)).toContain("Sign-in failed");
    expect(res.html).not.toMatch(/at \w+ \(|Error:/);
    const line = logged(spy).at(-1)!;
    expect(line).toMatchObject({ outcome: "login_rejected", route: "/device/callback" });
    expect(String(line["detail"])).toMatch(reason);
    expect(String(line["detail"])).toMatch(/^corp: /);
    // Back at /device: the sign-in step again, no identity.
    expect((await b.get("/device")).html).toContain('action="/device/federation"');
  });

  it("no log line carries the code, the state, the nonce, the verifier or a token", async () => {
    const issuer = await tenant({ idToken: { aud: "x" } });
    const b = browser(w, { env: corp(issuer) });
    const lines: string[] = [];
    for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation((l: unknown) => void lines.push(String(l)));
    const { callback } = await signInThroughCorp(w, b);
    const q = new URL(callback, ORIGIN).searchParams;
    const [authorize] = (await seen(issuer)).filter((s) => s.endpoint === "/authorize");
    for (const secret of [q.get("code")!, q.get("state")!, authorize!.params["nonce"]!, authorize!.params["code_challenge"]!, TEST_CLIENT.clientSecret])
      expect(lines.join("\n")).not.toContain(secret);
  });

  it.each<[string, TenantOptions]>([
    ["discovery answers 500", { discovery: "500" }],
    ["discovery is not JSON", { discovery: "malformed" }],
    ["discovery names another issuer", { discovery: "wrong-issuer" }],
  ])("the IdP is down or its discovery is malformed (%s) → 503 retry page with Retry-After, on the button", async (_, options) => {
    const issuer = await tenant(options);
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const spy = vi.spyOn(console, "warn");
    const { page } = await pressProvider(b);
    expect(page.status).toBe(503);
    expect(page.headers.get("Retry-After")).toBe("5");
    expect(text(page.html)).toContain("Temporarily unavailable");
    expect(page.headers.getSetCookie().some((c) => c.startsWith("__Host-device-login="))).toBe(false);
    expect(logged(spy).at(-1)).toMatchObject({ outcome: "unavailable", route: "/device/federation" });
    expect(String(logged(spy).at(-1)!["detail"])).toMatch(/^corp: discovery: /);
  });

  it("the IdP cannot be reached at all → 503", async () => {
    const b = browser(w, { env: corp("http://127.0.0.1:9/closed") });
    await atSignIn(w, b);
    const { page } = await pressProvider(b);
    expect(page.status).toBe(503);
    expect(text(page.html)).toContain("Try again");
  });

  it("the token endpoint answers 500 → 503 retry page", async () => {
    const issuer = await tenant({ token: "500" });
    const { res } = await signInThroughCorp(w, browser(w, { env: corp(issuer) }));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
  });

  it("the person cancels at the IdP (error=access_denied) → back to the sign-in step, which says so once", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const { url } = await pressProvider(b);
    const res = await b.get(`/device/callback?error=access_denied&state=${url!.searchParams.get("state")}&iss=${encodeURIComponent(issuer)}`);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/device");
    const page = await b.get("/device");
    expect(page.status).toBe(200);
    expect(page.html).toContain('action="/device/federation"');
    expect(text(page.html)).toContain("Sign-in was cancelled, so nothing was connected.");
    expect(text((await b.get("/device")).html)).not.toContain("Sign-in was cancelled");
    // Nothing was asked of the token endpoint, and Authlete was told nothing.
    expect((await seen(issuer)).map((s) => s.endpoint)).not.toContain("/token");
  });

  it("a replayed callback fails (400), even with the login cookie put back", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const { url } = await pressProvider(b);
    const cookie = b.jar.get("__Host-device-login")!;
    const flowCookie = b.jar.get("__Host-device-flow")!;
    const callback = await atTestIdp(url!);
    expect((await b.get(callback)).status).toBe(303);
    // Put back both cookies as they were: the flow id changed at sign-in, which alone would refuse it.
    b.jar.set("__Host-device-login", cookie);
    b.jar.set("__Host-device-flow", flowCookie);
    const spy = vi.spyOn(console, "log");
    const replay = await b.get(callback);
    expect(replay.status).toBe(400);
    expect(text(replay.html)).toContain("This sign-in can't be completed");
    expect(logged(spy).at(-1)).toMatchObject({ outcome: "login_state", detail: "state_replayed" });
  });

  it.each<[string, (b: Browser, callback: string) => Promise<string>, string]>([
    [
      "no login cookie (another browser, or cookies blocked)",
      async (b, cb) => {
        b.jar.delete("__Host-device-login");
        return cb;
      },
      "state_missing",
    ],
    [
      "a tampered login cookie",
      async (b, cb) => {
        b.jar.set("__Host-device-login", flip(b.jar.get("__Host-device-login")!));
        return cb;
      },
      "state_invalid",
    ],
    ["a state that is not the cookie's", async (_, cb) => cb.replace(/state=[\w-]+/, "state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "state_mismatch"],
    [
      "another flow's login cookie",
      async (b, cb) => {
        b.jar.set("__Host-device-flow", "B".repeat(43));
        return cb;
      },
      "flow_mismatch",
    ],
  ])("%s → 400 'This sign-in can't be completed', nothing exchanged", async (_, spoil, reason) => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const { url } = await pressProvider(b);
    const callback = await spoil(b, await atTestIdp(url!));
    const spy = vi.spyOn(console, "log");
    const res = await b.get(callback);
    expect(res.status).toBe(400);
    expect(text(res.html)).toContain("This sign-in can't be completed");
    expect(logged(spy).at(-1)!["detail"]).toMatch(new RegExp(`^${reason}`));
    expect((await seen(issuer)).map((s) => s.endpoint)).not.toContain("/token");
  });

  it("the login state lasts ten minutes: a callback after that → 400", async () => {
    const issuer = await tenant();
    const { clock, ...cw } = withClock();
    await control("service", { deviceFlowCodeDuration: 3600 });
    const b = browser(cw, { env: corp(issuer) });
    await atSignIn(cw, b);
    const { url } = await pressProvider(b);
    const callback = await atTestIdp(url!);
    clock.advance(601_000);
    expect((await b.get(callback)).status).toBe(400);
  });

  it("the verification expired while the person was at the IdP → 410 'This code has expired'", async () => {
    const issuer = await tenant();
    const { clock, ...cw } = withClock();
    await control("service", { deviceFlowCodeDuration: 60 });
    const b = browser(cw, { env: corp(issuer) });
    await atSignIn(cw, b);
    const { url } = await pressProvider(b);
    const callback = await atTestIdp(url!);
    clock.advance(120_000);
    const res = await b.get(callback);
    expect(res.status).toBe(410);
    expect(text(res.html)).toContain("This code has expired");
  });

  it("a callback for a flow that has moved on (signed in meanwhile in another tab) → 409, no second session", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const first = await pressProvider(b);
    const firstCookie = b.jar.get("__Host-device-login")!;
    const firstCallback = await atTestIdp(first.url!);
    expect((await b.get(firstCallback)).status).toBe(303);
    expect(text((await b.get("/device")).html)).toContain("Allow access?");
    // A second start is impossible now (the flow is at consent) …
    expect((await pressProvider(b)).page.status).toBe(409);
    // … and an old login of this flow is refused as a replay.
    b.jar.set("__Host-device-login", firstCookie);
    expect((await b.get(firstCallback)).status).toBe(400);
  });
});

describe("config and routes", () => {
  it("with another authenticator, /device/callback and /device/federation lead nowhere", async () => {
    const b = browser(w);
    expect((await b.get("/device/callback?code=x&state=y")).location).toBe("/device");
    await startDevice(w);
    await b.get("/device");
    expect((await b.post("/device/federation", { provider: "corp" })).status).toBe(409);
  });

  it("the callback never redirects anywhere but /device", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const { res } = await signInThroughCorp(w, b);
    expect(res.location).toBe("/device");
  });
});

/** One character of a base64url value changed. */
function flip(value: string): string {
  const i = Math.floor(value.length / 2);
  return value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1);
}
