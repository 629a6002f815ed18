// Sign-in at an upstream OpenID provider, in workerd, against real IdPs over HTTP on loopback
// (test/idp/global-setup.ts): node-oidc-provider (a certified OP) for the happy path, and the test
// issuer, whose clock, claims and keys each test sets, for every way the round trip can fail.
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { TenantOptions } from "../idp/tenant";
import { atConfirm, browser, DEMO, startDevice, text } from "../support/browser";
import { bind, control, emulator, ORIGIN, type Overrides, poll, resetEmulator, withClock } from "../support/helpers";
import { retune, seen, TEST_CLIENT, tenant } from "../support/issuer";
import { captureLogs } from "../support/logs";

const OP = inject("oidcProvider");
/** Where every provider's answer arrives: each at `<CALLBACK>/<id>`, OIDC_REDIRECT_URI with its id. */
const CALLBACK = `${ORIGIN}/device/callback`;
const REDIRECT = `${CALLBACK}/{id}`;

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/** AUTHENTICATOR=oidc with one test-issuer provider "corp" (and the demo user unless told otherwise). */
function corp(issuer: string, provider: Record<string, unknown> = {}, extra: Overrides = {}): Overrides {
  return {
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify([{ id: "corp", label: "Corp SSO", issuer, client_id: TEST_CLIENT.clientId, ...provider }]),
    OIDC_CLIENT_SECRET_CORP: TEST_CLIENT.clientSecret,
    OIDC_REDIRECT_URI: REDIRECT,
    ...extra,
  };
}

/** The body of the last /device/complete the emulator received. */
async function lastComplete(): Promise<Record<string, unknown>> {
  const requests = (await (await emulator("/_emulator/requests")).json()) as { path: string; body: Record<string, unknown> }[];
  return requests.filter((r) => r.path.endsWith("/device/complete")).at(-1)!.body;
}

const idTokenClaims = (idToken: string) => JSON.parse(atob(idToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
const decodeEntities = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

type Worker = ReturnType<typeof bind>;
type Browser = ReturnType<typeof browser>;

/** Code typed, device confirmed: on the sign-in page. `form`: the device's authorization request. */
async function atSignIn(w: Worker, b: Browser, form?: Record<string, string>) {
  const { flow } = await atConfirm(w, b, form);
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
async function signInThroughCorp(w: Worker, b: Browser, form?: Record<string, string>) {
  const { flow } = await atSignIn(w, b, form);
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
        OIDC_REDIRECT_URI: REDIRECT,
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
    expect(idTokenClaims(tokens.id_token)).toMatchObject({ sub: "op:alice", name: "Alice Example" });
  });
});

describe("a round trip through the test issuer", () => {
  it("sends response_type=code, PKCE S256, state, nonce and the provider's own redirect_uri; Basic client authentication; the code's verifier checks out", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/device");
    const [authorize, token] = await seen(issuer).then((s) => s.filter((x) => x.endpoint !== "/.well-known/openid-configuration" && x.endpoint !== "/jwks"));
    expect(authorize!.params).toMatchObject({
      response_type: "code",
      client_id: TEST_CLIENT.clientId,
      redirect_uri: `${CALLBACK}/corp`,
      scope: "openid profile email",
      code_challenge_method: "S256",
    });
    expect(authorize!.params["state"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["nonce"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["code_challenge"]).toMatch(/^[\w-]{43}$/);
    expect(authorize!.params["response_mode"]).toBeUndefined();
    expect(token!.endpoint).toBe("/token");
    expect(token!.authorization).toMatch(/^Basic /);
    expect(token!.params).toMatchObject({ grant_type: "authorization_code", redirect_uri: `${CALLBACK}/corp` });
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
    expect(completes.at(-1)!.body).toMatchObject({ result: "AUTHORIZED", subject: "corp:alice", acr: "urn:example:acr:mfa" });
    expect(completes.at(-1)!.body["authTime"]).toBeGreaterThan(Math.floor(Date.now() / 1000) - 60);
    expect(JSON.parse(completes.at(-1)!.body["claims"] as string)).toEqual({ name: "Alice Example" });
    const tokens = (await (await poll(flow.device_code)).json()) as { id_token: string };
    expect(idTokenClaims(tokens.id_token)).toMatchObject({ sub: "corp:alice", name: "Alice Example", acr: "urn:example:acr:mfa" });

    // The next code in this browser goes straight to consent, as after a password sign-in.
    await atConfirm(w, b);
    expect(text((await b.submit("/device/confirm", {})).html)).toContain("Signed in as Alice Example");
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

describe("subjects cannot collide (security item 21)", () => {
  /** Signs in through the provider, approves, and returns the device's ID token claims. */
  async function deviceClaims(env: Overrides) {
    const b = browser(w, { env });
    const { flow, res } = await signInThroughCorp(w, b);
    if (res.status !== 303) throw new Error(`callback answered ${res.status}: ${text(res.html)}`);
    await b.get("/device");
    await b.submit("/device/consent", { action: "approve" });
    return idTokenClaims(((await (await poll(flow.device_code)).json()) as { id_token: string }).id_token);
  }

  it("a provider's user whose subject is a built-in user's name (demo) gets another subject at the device: corp:demo, never the built-in demo", async () => {
    const issuer = await tenant({ sub: "demo" });
    const env = corp(issuer);
    expect((await deviceClaims(env))["sub"]).toBe("corp:demo");

    // The built-in demo, beside the button on the same page, keeps its own subject.
    const b = browser(w, { env });
    const { flow } = await atSignIn(w, b);
    await b.submit("/device/sign-in", DEMO);
    await b.submit("/device/consent", { action: "approve" });
    const own = idTokenClaims(((await (await poll(flow.device_code)).json()) as { id_token: string }).id_token);
    expect(own["sub"]).toBe("demo");
  });

  it("shared_subjects: true (the operator says the providers and USERS are one user base) keeps the value as is", async () => {
    const issuer = await tenant();
    expect((await deviceClaims(corp(issuer, { shared_subjects: true })))["sub"]).toBe("alice");
  });

  it("subject_claim email: namespaced, and only when the provider says email_verified: true", async () => {
    const issuer = await tenant();
    expect((await deviceClaims(corp(issuer, { subject_claim: "email", claims: ["email", "groups"] })))["sub"]).toBe("corp:alice@idp.example");
  });

  it.each<[string, Record<string, unknown>]>([
    ["email_verified: false", { email_verified: false }],
    ["no email_verified", { email_verified: null }],
    ['email_verified: "true" (a string)', { email_verified: "true" }],
  ])("subject_claim email with %s → 502 'Sign-in failed' and a log line; nothing approved", async (_, idToken) => {
    const issuer = await tenant({ idToken });
    const b = browser(w, { env: corp(issuer, { subject_claim: "email" }) });
    const logs = captureLogs();
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(502);
    expect(text(res.html)).toContain("Sign-in failed");
    expect(logs.decision()).toMatchObject({
      outcome: "login_rejected",
      detail: "corp: unverified subject: subject_claim email without email_verified: true",
    });
    expect((await b.get("/device")).html).toContain('action="/device/federation"');
  });

  it("a claim people choose is a subject only when the operator opts in (allow_user_chosen_subject), and is namespaced then too", async () => {
    const issuer = await tenant({ idToken: { preferred_username: "alice.example" } });
    const logs = captureLogs();
    // Without the opt-in the page refuses to run at all: the configuration names the field.
    const refused = await browser(w, { env: corp(issuer, { subject_claim: "preferred_username" }) }).get("/device");
    expect(refused.status).toBe(500);
    expect(logs.of("config_invalid").at(-1)).toMatchObject({ level: "error" });
    expect(String(logs.of("config_invalid").at(-1)!["detail"])).toContain(
      'OIDC_PROVIDERS[corp].subject_claim: "preferred_username" is chosen by the people who sign in',
    );
    expect(logs.decision()).toMatchObject({ level: "warn", route: "/device", outcome: "aborted", detail: "ConfigError" });
    logs.restore();
    expect((await deviceClaims(corp(issuer, { subject_claim: "preferred_username", allow_user_chosen_subject: true })))["sub"]).toBe("corp:alice.example");
  });
});

describe("no mix-up between upstream providers (RFC 9700 §4.4, security item 20)", () => {
  const both = (honest: string, hostile: string): Overrides => ({
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify([
      { id: "honest", label: "Honest IdP", issuer: honest, client_id: TEST_CLIENT.clientId },
      { id: "hostile", label: "Hostile IdP", issuer: hostile, client_id: TEST_CLIENT.clientId },
    ]),
    OIDC_CLIENT_SECRET_HONEST: TEST_CLIENT.clientSecret,
    OIDC_CLIENT_SECRET_HOSTILE: TEST_CLIENT.clientSecret,
    OIDC_REDIRECT_URI: REDIRECT,
  });

  it("a hostile provider that sends the person on to an honest one (which answers without iss) gets no code, and the attacker's device never gets the victim's subject", async () => {
    const honest = await tenant({ sub: "victim", authorizationIss: "omit" });
    const hostile = await tenant();
    const env = both(honest, hostile);

    // The attacker starts a sign-in of their own at the honest provider and stops before going there:
    // its authorization request carries the attacker's state, nonce, PKCE challenge and redirect_uri.
    const attacker = browser(w, { env });
    const { flow: attackerFlow } = await atSignIn(w, attacker);
    const { url: attackerRequest } = await pressProvider(attacker, "honest");
    // (1) The hostile provider sends whoever comes to it on to that request, with their own state.
    await retune(hostile, { mixUp: { to: attackerRequest!.href } });

    const victim = browser(w, { env });
    await atSignIn(w, victim);
    const { url } = await pressProvider(victim, "hostile");
    const toHonest = await fetch(url!, { redirect: "manual" });
    expect(new URL(toHonest.headers.get("Location")!).origin + new URL(toHonest.headers.get("Location")!).pathname).toBe(`${honest}/authorize`);
    // (2) The honest provider (the victim is signed in there) answers with a code and no iss.
    const answer = await atTestIdp(new URL(toHonest.headers.get("Location")!));
    expect(new URL(answer, ORIGIN).searchParams.has("iss")).toBe(false);
    const logs = captureLogs();
    const res = await victim.get(answer);

    // (3) The answer came back at the honest provider's address for a sign-in started at the hostile one: refused, nothing exchanged anywhere.
    expect(res.status).toBe(400);
    expect(text(res.html)).toContain("This sign-in can't be completed");
    expect(logs.decision()!["detail"]).toMatch(/^provider_mismatch/);
    const stolen = (await seen(hostile)).find((s) => s.endpoint === "/token")?.params["code"];
    expect(stolen).toBeUndefined();
    expect((await seen(honest)).filter((s) => s.endpoint === "/token")).toEqual([]);

    // (4) The attacker redeems whatever code the hostile provider got, with their own state, at their own callback …
    const back = new URL(attackerRequest!.searchParams.get("redirect_uri")!);
    back.search = new URLSearchParams({ code: stolen ?? "", state: attackerRequest!.searchParams.get("state")! }).toString();
    logs.restore();
    const attackerLogs = captureLogs();
    expect((await attacker.get(back.pathname + back.search)).status).not.toBe(303);
    await attacker.get("/device");
    await attacker.submit("/device/consent", { action: "approve" });
    // Refused, and nothing an operator need look at: no warning, two ordinary refusals.
    expect(attackerLogs.lines.map((l) => [l.level, l.route, l["outcome"]])).toEqual([
      ["info", "/device/callback/honest", "login_rejected"],
      ["info", "/device/consent", "out_of_step"],
    ]);
    // (5) … and their device has no tokens, let alone ones whose subject is the victim's.
    const tokens = (await (await poll(attackerFlow.device_code)).json()) as { error?: string; id_token?: string };
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.error).toBe("authorization_pending");
  });

  it("iss in the answer is checked whenever it is present, and required when the provider's discovery promises it", async () => {
    const other = await tenant();
    const cases: [TenantOptions, RegExp][] = [
      [{ authorizationIss: { value: other } }, /unexpected "iss" \(issuer\) response parameter value/],
      [{ authorizationIss: "omit", advertiseIss: true }, /response parameter "iss" \(issuer\) missing/],
    ];
    for (const [options, reason] of cases) {
      const issuer = await tenant(options);
      const logs = captureLogs();
      const { res } = await signInThroughCorp(w, browser(w, { env: corp(issuer) }));
      expect(res.status).toBe(502);
      expect(String(logs.decision()!["detail"])).toMatch(reason);
      expect((await seen(issuer)).map((s) => s.endpoint)).not.toContain("/token");
      logs.restore();
    }
  });

  it("each provider's sign-in goes out with, and is exchanged under, that provider's own redirect URI", async () => {
    const honest = await tenant();
    const hostile = await tenant();
    const b = browser(w, { env: both(honest, hostile) });
    await atSignIn(w, b);
    const a = (await pressProvider(b, "honest")).url!;
    const h = (await pressProvider(b, "hostile")).url!;
    expect(a.searchParams.get("redirect_uri")).toBe(`${CALLBACK}/honest`);
    expect(h.searchParams.get("redirect_uri")).toBe(`${CALLBACK}/hostile`);
  });
});

describe("a foreign navigation cannot break a sign-in (security item 29)", () => {
  it("stray callbacks (a wrong state, a forged code, no state, another provider's address) leave the login cookie alone: the real answer still completes", async () => {
    const issuer = await tenant();
    const partner = await tenant();
    const env = corp(
      issuer,
      {},
      {
        OIDC_PROVIDERS: JSON.stringify([
          { id: "corp", label: "Corp SSO", issuer, client_id: TEST_CLIENT.clientId },
          { id: "partner", label: "Partner", issuer: partner, client_id: TEST_CLIENT.clientId },
        ]),
        OIDC_CLIENT_SECRET_PARTNER: TEST_CLIENT.clientSecret,
      },
    );
    const b = browser(w, { env });
    await atSignIn(w, b);
    const { url } = await pressProvider(b);
    const cookie = b.jar.get("__Host-device-login");
    const callback = await atTestIdp(url!);
    const { pathname, search } = new URL(callback, ORIGIN);
    const strays = [
      `${pathname}?state=x`,
      `${pathname}?code=forged&state=${"A".repeat(43)}`,
      `${pathname}?error=access_denied`,
      `${pathname.replace(/[^/]+$/, "partner")}${search}`,
    ];
    for (const stray of strays) {
      const res = await b.get(stray);
      expect(res.status, stray).toBe(400);
      expect(b.jar.get("__Host-device-login"), stray).toBe(cookie);
    }
    expect((await seen(issuer)).map((s) => s.endpoint)).not.toContain("/token");
    const real = await b.get(callback);
    expect(real.status).toBe(303);
    expect(text((await b.get("/device")).html)).toContain("Allow access?");
  });
});

describe("only validated discovery is cached (security item 27)", () => {
  it.each<[string, NonNullable<TenantOptions["discovery"]>]>([
    ["names another issuer", "wrong-issuer"],
    ["is not JSON", "malformed"],
  ])("a discovery document that %s, then a good one: the next press works at once", async (_, bad) => {
    const issuer = await tenant({ discovery: bad });
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const logs = captureLogs();
    expect((await pressProvider(b)).page.status).toBe(503);
    expect(logs.decision()).toMatchObject({ level: "warn", outcome: "unavailable", detail: expect.stringMatching(/^corp: discovery: /) });
    await retune(issuer, { discovery: "ok" });
    const { page, url } = await pressProvider(b);
    expect(page.status).toBe(200);
    expect(url!.href).toContain(`${issuer}/authorize`);
    // The good document is kept from now on.
    await pressProvider(b);
    expect((await seen(issuer)).filter((s) => s.endpoint === "/.well-known/openid-configuration")).toHaveLength(2);
  });
});

describe("upstream bodies are bounded (security item 28)", () => {
  /** Eight times the bound on a provider's answers (256 KiB), streamed without Content-Length. */
  const HUGE = 2 * 1024 * 1024;

  it("a discovery document over the bound → 503 'Temporarily unavailable' on the button, and it is not kept", async () => {
    const issuer = await tenant({ pad: { "/.well-known/openid-configuration": HUGE } });
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const logs = captureLogs();
    const { page } = await pressProvider(b);
    expect(page.status).toBe(503);
    expect(page.headers.get("Retry-After")).toBe("5");
    expect(logs.decision()).toMatchObject({
      level: "warn",
      outcome: "unavailable",
      detail: expect.stringMatching(/^corp: discovery: \S*\/\.well-known\/openid-configuration: body over 262144 bytes$/),
    });
    await retune(issuer, { pad: {} });
    expect((await pressProvider(b)).page.status).toBe(200);
  });

  it.each<[string, Record<string, unknown>]>([
    ["/jwks", {}],
    ["/token", {}],
    ["/userinfo", { userinfo: true }],
  ])("an answer at %s over the bound → 502 'Sign-in failed', nothing approved", async (path, provider) => {
    const issuer = await tenant({ pad: { [path]: HUGE } });
    const b = browser(w, { env: corp(issuer, provider) });
    const logs = captureLogs();
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(502);
    expect(text(res.html)).toContain("Sign-in failed");
    expect(String(logs.decision()!["detail"])).toContain(`${path}: body over 262144 bytes`);
    expect((await b.get("/device")).html).toContain('action="/device/federation"');
  });

  it("a token response that sends its headers and then stalls → 503 with Retry-After (the provider is slow), not 502", async () => {
    const issuer = await tenant({ stall: ["/token"] });
    const b = browser(w, { env: corp(issuer) });
    const logs = captureLogs();
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(logs.decision()).toMatchObject({ level: "warn", outcome: "unavailable", detail: expect.stringMatching(/^corp: \S*\/token: TimeoutError/) });
    // The provider's own 5 s bound ends the wait, past vitest's default per-test limit.
  }, 15_000);
});

describe("acr_values: asked of the provider, what was achieved passed on as is (security item 34)", () => {
  const MFA = "urn:example:acr:mfa";
  const PWD = "urn:example:acr:pwd";

  it("the ACRs the device's client requested go to the provider as acr_values; the acr it achieved goes to Authlete and into the device's ID token", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const logs = captureLogs();
    const { flow } = await signInThroughCorp(w, b, { client_id: "demo-device", scope: "openid profile", acr_values: MFA });
    const [authorize] = (await seen(issuer)).filter((s) => s.endpoint === "/authorize");
    expect(authorize!.params["acr_values"]).toBe(MFA);
    await b.get("/device");
    await b.submit("/device/consent", { action: "approve" });
    expect(await lastComplete()).toMatchObject({ acr: MFA });
    expect(idTokenClaims(((await (await poll(flow.device_code)).json()) as { id_token: string }).id_token)["acr"]).toBe(MFA);
    expect(logs.of("acr_not_satisfied")).toEqual([]);
  });

  it("a provider that achieved a weaker class than requested: the truth goes to the device (its acr), and the shortfall is logged", async () => {
    const issuer = await tenant({ idToken: { acr: PWD } });
    const b = browser(w, { env: corp(issuer) });
    const { flow } = await signInThroughCorp(w, b, { client_id: "demo-device", scope: "openid profile", acr_values: MFA });
    await b.get("/device");
    const logs = captureLogs();
    await b.submit("/device/consent", { action: "approve" });
    expect(await lastComplete()).toMatchObject({ acr: PWD });
    expect(idTokenClaims(((await (await poll(flow.device_code)).json()) as { id_token: string }).id_token)["acr"]).toBe(PWD);
    expect(logs.of("acr_not_satisfied")).toEqual([
      expect.objectContaining({ level: "warn", event: "acr_not_satisfied", requested: MFA, achieved: PWD, via: "Corp SSO" }),
    ]);
  });

  it("a built-in user (no acr to state) when an acr was requested: no acr is claimed, and the shortfall is logged", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    const { flow } = await atSignIn(w, b, { client_id: "demo-device", scope: "openid profile", acr_values: MFA });
    await b.submit("/device/sign-in", DEMO);
    const logs = captureLogs();
    await b.submit("/device/consent", { action: "approve" });
    expect(await lastComplete()).not.toHaveProperty("acr");
    expect(idTokenClaims(((await (await poll(flow.device_code)).json()) as { id_token: string }).id_token)).not.toHaveProperty("acr");
    expect(logs.of("acr_not_satisfied")).toEqual([expect.objectContaining({ level: "warn", requested: MFA, achieved: null })]);
  });
});

describe("every way it can fail: a readable page and one log line, never a stack trace", () => {
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
    const logs = captureLogs();
    const { res } = await signInThroughCorp(w, b);
    expect(res.status).toBe(502);
    expect(text(res.html)).toContain("Sign-in failed");
    expect(res.html).not.toMatch(/at \w+ \(|Error:/);
    const line = logs.decision()!;
    expect(line).toMatchObject({ outcome: "login_rejected", route: "/device/callback/corp" });
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
    const logs = captureLogs();
    const { page } = await pressProvider(b);
    expect(page.status).toBe(503);
    expect(page.headers.get("Retry-After")).toBe("5");
    expect(text(page.html)).toContain("Temporarily unavailable");
    expect(page.headers.getSetCookie().some((c) => c.startsWith("__Host-device-login="))).toBe(false);
    expect(logs.decision()).toMatchObject({ level: "warn", outcome: "unavailable", route: "/device/federation" });
    expect(String(logs.decision()!["detail"])).toMatch(/^corp: discovery: /);
  });

  it("the IdP cannot be reached at all → 503", async () => {
    const b = browser(w, { env: corp("http://127.0.0.1:9/closed") });
    await atSignIn(w, b);
    const logs = captureLogs();
    const { page } = await pressProvider(b);
    expect(page.status).toBe(503);
    expect(text(page.html)).toContain("Try again");
    expect(logs.decision()).toMatchObject({
      level: "warn",
      route: "/device/federation",
      outcome: "unavailable",
      detail: expect.stringMatching(/^corp: discovery: \/closed\/\.well-known\/openid-configuration: /),
    });
  });

  it("the token endpoint answers 500 → 503 retry page", async () => {
    const issuer = await tenant({ token: "500" });
    const logs = captureLogs();
    const { res } = await signInThroughCorp(w, browser(w, { env: corp(issuer) }));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(logs.decision()).toMatchObject({
      level: "warn",
      route: "/device/callback/corp",
      outcome: "unavailable",
      detail: expect.stringMatching(/^corp: .*\(HTTP 500\)$/),
    });
  });

  it("the person cancels at the IdP (error=access_denied) → back to the sign-in step, which says so once", async () => {
    const issuer = await tenant();
    const b = browser(w, { env: corp(issuer) });
    await atSignIn(w, b);
    const { url } = await pressProvider(b);
    const res = await b.get(`/device/callback/corp?error=access_denied&state=${url!.searchParams.get("state")}&iss=${encodeURIComponent(issuer)}`);
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
    const logs = captureLogs();
    const replay = await b.get(callback);
    expect(replay.status).toBe(400);
    expect(text(replay.html)).toContain("This sign-in can't be completed");
    expect(logs.decision()).toMatchObject({ outcome: "login_state", detail: "state_replayed" });
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
    const logs = captureLogs();
    const res = await b.get(callback);
    expect(res.status).toBe(400);
    expect(text(res.html)).toContain("This sign-in can't be completed");
    expect(logs.decision()!["detail"]).toMatch(new RegExp(`^${reason}`));
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
