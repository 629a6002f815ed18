import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { atConfirm, atConsent, browser, calls, DEMO, flowRecord, nextIp, type Page, startDevice, text } from "../support/browser";
import { bind, control, emulator, resetEmulator, storageKey, withClock } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
const state = async (userCode: string) => ((await (await emulator(`/_emulator/state/user-code/${userCode}`)).json()) as { state: string }).state;

describe("CSRF: hono csrf() and a per-session token on every form", () => {
  const attempts: [string, { origin?: string | null; csrf?: string | null; headers?: Record<string, string> }][] = [
    ["a cross-site Origin", { origin: "https://evil.example" }],
    ["no Origin and no Sec-Fetch-Site", { origin: null }],
    ["Sec-Fetch-Site: cross-site and no Origin", { origin: null, headers: { "Sec-Fetch-Site": "cross-site" } }],
    ["Sec-Fetch-Site: same-origin but no token", { csrf: null, headers: { "Sec-Fetch-Site": "same-origin" } }],
    ["no token", { csrf: null }],
    ["a token from another browser", { csrf: "forged" }],
  ];

  it.each(attempts)("Approve with %s → 403 page, nothing sent to Authlete", async (_, o) => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    const other = browser(w);
    await other.get("/device");
    const p = await b.post("/device/consent", { action: "approve" }, o.csrf === "forged" ? { csrf: other.csrf } : o);
    expect(p.status).toBe(403);
    expect(p.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(text(p.html)).toContain("Please start again");
    expect(text(p.html)).toContain("We couldn't use what you just sent.");
    expect(await calls("device/complete")).toHaveLength(0);
    expect(await state(flow.user_code)).toBe("PENDING");
    // The honest form still works afterwards.
    expect(text((await b.submit("/device/consent", { action: "approve" })).html)).toContain("Your device is connected");
  });

  it("code entry from another site is refused before Authlete hears of the code", async () => {
    const flow = await startDevice(w);
    const b = browser(w);
    await b.get("/device");
    expect((await b.post("/device", { user_code: flow.user_code }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await b.post("/device", { user_code: flow.user_code }, { csrf: null })).status).toBe(403);
    expect(await calls("device/verification")).toHaveLength(0);
  });

  it("a POST without the flow cookie (cookies blocked) → 403", async () => {
    const b = browser(w);
    await b.get("/device");
    const token = b.csrf;
    b.jar.clear();
    expect((await b.post("/device", { user_code: "BCDFGHJK" }, { csrf: token })).status).toBe(403);
  });
});

describe("303 after every POST that changes state, always to the fixed /device", () => {
  it("enter, confirm, sign-in, sign-out, consent, cancel and report", async () => {
    // The report warns (the network goes on the watch list, phishing_reported); its content is flows/reported-network.test.ts's subject.
    const logs = captureLogs();
    const b = browser(w);
    const flow = await startDevice(w);
    await b.get("/device");
    const seen: Page[] = [];
    const step = async (path: string, form: Record<string, string>) => {
      const res = await b.post(path, form);
      seen.push(res);
      await b.get("/device");
    };
    await step("/device", { user_code: flow.user_code });
    await step("/device/confirm", {});
    await step("/device/sign-in", DEMO);
    await step("/device/sign-out", {});
    await step("/device/sign-in", DEMO);
    await step("/device/consent", { action: "deny" });
    await atConfirm(w, b);
    await step("/device/cancel", {});
    await atConfirm(w, b);
    await step("/device/report", {});
    expect(seen.map((p) => [p.status, p.location])).toEqual(Array(seen.length).fill([303, "/device"]));
    expect(logs.warned().map((l) => l.event)).toEqual(["reported_network_listed", "phishing_reported"]);
  });
});

describe("headers on every page: nonce CSP with frame-ancestors 'none', DENY, no-referrer, no-store", () => {
  async function everyPage(): Promise<[string, Page][]> {
    const pages: [string, Page][] = [];
    const b = browser(w);
    pages.push(["enter", await b.get("/device")]);
    pages.push(["malformed code", await b.post("/device", { user_code: "nope" })]);
    pages.push(["unknown code", await b.post("/device", { user_code: "BCDFBCDF" })]);
    const flow = await startDevice(w);
    pages.push(["303 after code", await b.post("/device", { user_code: flow.user_code })]);
    pages.push(["confirm", await b.get("/device")]);
    pages.push(["sign-in", await b.submit("/device/confirm", {})]);
    pages.push(["wrong password", await b.post("/device/sign-in", { username: "demo", password: "x" })]);
    pages.push(["consent", await b.submit("/device/sign-in", DEMO)]);
    pages.push(["403", await b.post("/device/consent", { action: "approve" }, { csrf: null })]);
    pages.push(["409", await b.post("/device/confirm", {})]);
    pages.push(["done", await b.submit("/device/consent", { action: "approve" })]);
    pages.push(["step URL", await b.get("/device/consent")]);
    pages.push(["prefill link", await b.get(`/device?user_code=${(await startDevice(w)).user_code}`)]);
    await control("faults", { api: "device/verification", mode: "action", action: "SERVER_ERROR" });
    pages.push(["503", await b.post("/device", { user_code: "BCDFBCDF" })]);
    const limited = browser(w, { env: { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "1/900" } });
    await limited.get("/device");
    await limited.post("/device", { user_code: "BCDFBCDF" });
    pages.push(["429", await limited.post("/device", { user_code: "BCDFBCDF" })]);
    pages.push(["500 config", await browser(w, { env: { USERS: "not json" } }).get("/device")]);
    return pages;
  }

  it("on each of them, including redirects and error pages", async () => {
    const logs = captureLogs();
    const pages = await everyPage();
    expect(pages.map(([name, p]) => `${name} ${p.status}`)).toEqual([
      "enter 200",
      "malformed code 400",
      "unknown code 400",
      "303 after code 303",
      "confirm 200",
      "sign-in 200",
      "wrong password 401",
      "consent 200",
      "403 403",
      "409 409",
      "done 200",
      "step URL 303",
      "prefill link 303",
      "503 503",
      "429 429",
      "500 config 500",
    ]);
    // The two pages that are failures on purpose say so in the log; the rest are ordinary refusals.
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "warn", event: "decision", outcome: "unavailable", detail: "/device/verification answered SERVER_ERROR" }),
      expect.objectContaining({ level: "error", event: "config_invalid", detail: "Invalid configuration: USERS: must be valid JSON" }),
      expect.objectContaining({ level: "warn", event: "decision", outcome: "aborted", detail: "ConfigError" }),
    ]);
    const nonces = new Set<string>();
    for (const [name, p] of pages) {
      const csp = p.headers.get("Content-Security-Policy") ?? "";
      expect(csp, name).toContain("default-src 'none'");
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).toContain("form-action 'self'");
      expect(csp, name).toContain("base-uri 'none'");
      expect(p.headers.get("X-Frame-Options"), name).toBe("DENY");
      expect(p.headers.get("Referrer-Policy"), name).toBe("no-referrer");
      expect(p.headers.get("Cache-Control"), name).toBe("no-store");
      expect(p.headers.get("X-Content-Type-Options"), name).toBe("nosniff");
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, name).toBeTruthy();
      nonces.add(nonce!);
      if (p.status === 303) continue;
      expect(p.html, name).toContain(`<style nonce="${nonce}">`);
      // Nothing runs, nothing loads from elsewhere, nothing styled outside the nonce'd sheet.
      expect(p.html, name).not.toMatch(/<script|<link|<iframe| style=|\son[a-z]+=/i);
      expect(p.html, name).not.toMatch(/(src|href|action)="(https?:)?\/\//);
    }
    expect(nonces.size).toBe(pages.length);
  });

  it("a configured logo is the one image allowed, from its own origin only", async () => {
    const p = await browser(w, { env: { LOGO_URL: "https://cdn.example/brand/logo.svg" } }).get("/device");
    expect(p.headers.get("Content-Security-Policy")).toContain("img-src https://cdn.example;");
    expect(p.html).toContain('<img src="https://cdn.example/brand/logo.svg" alt="" width="28" height="28"/>');
    expect((await browser(w).get("/device")).headers.get("Content-Security-Policy")).toContain("img-src 'none'");
  });

  it("a logo URL that is not http(s) is a configuration error naming LOGO_URL, and the token endpoints keep working", async () => {
    const logs = captureLogs();
    const bad = { LOGO_URL: "javascript:alert(1)" };
    const p = await browser(w, { env: bad }).get("/device");
    expect(p.status).toBe(500);
    expect(p.html).not.toContain("javascript:");
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "error", event: "config_invalid", detail: "Invalid configuration: LOGO_URL: must be an http(s) URL" }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device", outcome: "aborted", detail: "ConfigError" }),
    ]);
    const da = await w.postForm("/device_authorization", { client_id: "demo-device" }, { "CF-Connecting-IP": nextIp() }, bad);
    expect(da.status).toBe(200);
  });
});

describe("escaping: a client named <img src=x onerror=alert(1)> renders as text everywhere", () => {
  it("on the confirm, sign-in, consent and denied pages", async () => {
    const b = browser(w);
    const pages = [(await atConfirm(w, b, { client_id: "xss-client" })).page];
    pages.push(await b.submit("/device/confirm", {}));
    pages.push(await b.submit("/device/sign-in", DEMO));
    pages.push(await b.submit("/device/consent", { action: "deny" }));
    for (const p of pages) {
      expect(p.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
      expect(p.html).not.toContain("<img src=x");
    }
    expect(text(pages[3]!.html)).toContain("<img src=x onerror=alert(1)> was not given access.");
  });
});

describe("a step cannot be skipped by posting to a later URL", () => {
  it("at confirm: Approve and Sign in are refused and change nothing", async () => {
    const b = browser(w);
    const { flow } = await atConfirm(w, b);
    const approve = await b.post("/device/consent", { action: "approve" });
    const signIn = await b.post("/device/sign-in", DEMO);
    expect([approve.status, signIn.status]).toEqual([409, 409]);
    expect(text(approve.html)).toContain("This page is out of date");
    expect(b.jar.has("__Host-device-signin")).toBe(false);
    expect(await calls("device/complete")).toHaveLength(0);
    expect((await b.get("/device")).html).toContain('action="/device/confirm"');
    expect(await state(flow.user_code)).toBe("PENDING");
  });

  it("with no flow at all, and back from consent to confirm", async () => {
    const fresh = browser(w);
    await fresh.get("/device");
    expect((await fresh.post("/device/consent", { action: "approve" })).status).toBe(409);
    expect((await fresh.post("/device/cancel", {})).status).toBe(409);
    const b = browser(w);
    await atConsent(w, b);
    expect((await b.post("/device/confirm", {})).status).toBe(409);
    expect(await calls("device/complete")).toHaveLength(0);
  });

  it("a replayed Approve after the flow ended reaches Authlete once only", async () => {
    const b = browser(w);
    await atConsent(w, b);
    const token = b.csrf;
    await b.submit("/device/consent", { action: "approve" });
    // The done page gave the browser a fresh flow id, so the old form's token no longer matches it.
    expect((await b.post("/device/consent", { action: "approve" }, { csrf: token })).status).toBe(403);
    expect(await calls("device/complete")).toHaveLength(1);
  });

  it("an action other than approve or deny is refused", async () => {
    const b = browser(w);
    await atConsent(w, b);
    expect((await b.post("/device/consent", { action: "approve-all" })).status).toBe(403);
    expect(await calls("device/complete")).toHaveLength(0);
  });
});

describe("verification_uri_complete only prefills (RFC 8628 §5.4)", () => {
  it("303 to the bare /device, a page with the code and one Continue, and no Authlete call until Continue, even for a signed-in browser", async () => {
    const b = browser(w);
    await atConsent(w, b);
    await b.submit("/device/consent", { action: "approve" });
    await control("requests");

    const flow = await startDevice(w);
    const link = new URL(flow.verification_uri_complete!);
    expect(link.searchParams.get("user_code")).toBe(flow.user_code);
    const res = await b.get(link.pathname + link.search);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/device");
    const p = await b.get("/device");
    expect(p.html).toContain('action="/device"');
    expect(p.html.match(/<button/g)).toHaveLength(1);
    expect(p.html).toContain(`value="${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}"`);
    // Reloading the link, and the page, asks Authlete nothing and approves nothing.
    await b.get(link.pathname + link.search);
    await b.get("/device");
    expect(await calls("device/verification")).toHaveLength(0);
    expect(await calls("device/complete")).toHaveLength(0);
    expect(text((await b.submit("/device", { user_code: flow.user_code })).html)).toContain("Is this your device?");
    expect(await calls("device/complete")).toHaveLength(0);
    expect(await state(flow.user_code)).toBe("PENDING");
  });

  it("an unknown or malformed code in the link: filled in as it came, escaped, and judged only on Continue", async () => {
    const b = browser(w);
    await b.get("/device?user_code=bcdf-bcdf");
    const unknown = await b.get("/device");
    expect(unknown.status).toBe(200);
    expect(unknown.html).toContain('value="BCDF-BCDF"');
    const judged = await b.post("/device", { user_code: "bcdf-bcdf" });
    expect(judged.status).toBe(400);
    expect(text(judged.html)).toContain("This code is invalid or has expired");
    await b.get("/device?user_code=%3Cb%3E");
    const malformed = await b.get("/device");
    expect(malformed.html).toContain('value="&lt;b&gt;"');
    expect(malformed.html).not.toContain("<b>");
  });

  it.each([
    "/device?user_code=BCDFBCDF&redirect_uri=https%3A%2F%2Fevil.example",
    "/device?ui_locales=ja&return_to=%2F%2Fevil.example",
    "/device/next?next=https%3A%2F%2Fevil.example",
    "/device/%2F%2Fevil.example",
  ])("no redirect is ever taken from a parameter: %s", async (path) => {
    const res = await browser(w).get(path);
    if (res.status === 303) expect(res.location).toBe("/device");
    expect(res.html).not.toContain("evil.example");
  });
});

describe("state: hashed keys, expiring with the user code, gone when the flow ends", () => {
  it("the flow record expires with the user code, and KV keys hold no code or session id", async () => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    const flowId = b.jar.get("__Host-device-flow")!;
    const signInId = b.jar.get("__Host-device-signin")!;
    const [entry] = (await env.KV.list({ prefix: await storageKey("flow", flowId) })).keys;
    expect(entry!.expiration! - (Date.now() / 1000 + flow.expires_in)).toBeLessThan(5);
    expect(entry!.expiration! - (Date.now() / 1000 + flow.expires_in)).toBeGreaterThan(-5);
    const names = (await env.KV.list()).keys.map((k) => k.name).join(" ");
    for (const secret of [flow.user_code, flow.device_code, flowId, signInId]) expect(names).not.toContain(secret);

    await b.post("/device/consent", { action: "approve" });
    // Ended: the code, client details and claims are gone; the outcome waits to be shown, and for
    // a few minutes what "That wasn't me" needs: the subject, the client's id, keyed references.
    const ended = JSON.parse((await flowRecord(b))!) as Record<string, unknown>;
    expect(ended).toEqual({
      step: "ended",
      outcome: "approved",
      clientName: "Demo TV",
      undo: {
        until: expect.any(Number),
        subject: "demo",
        clientId: 1001,
        grant: expect.stringMatching(/^user\/[\w-]{43}$/),
        code: expect.stringMatching(/^[\w-]{12}$/),
        watched: { names: [expect.stringMatching(/^network\/[\w-]{43}$/)], tags: { network: expect.stringMatching(/^[\w-]{12}$/), asn: null } },
      },
    });
    for (const secret of [flow.user_code, flow.device_code, b.ip]) expect(JSON.stringify(ended)).not.toContain(secret);
    await b.get("/device");
    expect(await flowRecord(b)).toBeNull();
  });

  it("a code with less than a minute left gets KV's minimum TTL, and the page still treats it as expired on time", async () => {
    await control("service", { deviceFlowCodeDuration: 30 });
    const t = withClock();
    const b = browser(t);
    await atConfirm(t, b);
    const [entry] = (await env.KV.list({ prefix: await storageKey("flow", b.jar.get("__Host-device-flow")!) })).keys;
    expect(entry!.expiration! - Date.now() / 1000).toBeGreaterThan(55);
    t.clock.advance(31_000);
    const p = await b.get("/device");
    expect(p.status).toBe(410);
    expect(text(p.html)).toContain("This code has expired");
    // What to do about it.
    expect(text(p.html)).toContain("Start again on your device to get a new code.");
  });

  it("session expiry: once the code has expired nothing can be approved", async () => {
    const t = withClock();
    const b = browser(t);
    const { flow } = await atConsent(t, b);
    t.clock.advance((flow.expires_in + 1) * 1000);
    await control("clock", { advanceMs: (flow.expires_in + 1) * 1000 });
    const approve = await b.post("/device/consent", { action: "approve" });
    expect(approve.status).toBe(410);
    expect(await calls("device/complete")).toHaveLength(0);
    expect(await flowRecord(b)).toBeNull();
    expect((await b.get("/device")).html).toContain('action="/device"');
  });
});

describe("observability: one decision line per POST, nothing secret in any line", () => {
  it("logs each decision once, with a code tag instead of the code", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation((line) => void lines.push(String(line)));
    const flow = await startDevice(w);
    const b = browser(w);
    await b.get("/device");
    await b.submit("/device", { user_code: flow.user_code });
    await b.submit("/device/confirm", {});
    await b.post("/device/sign-in", { username: "demo", password: "hunter2-not-it" });
    await b.submit("/device/sign-in", DEMO);
    await b.submit("/device/consent", { action: "approve" });

    const decisions = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l["event"] === "decision" && /^\/device(\/|$)/.test(String(l["route"])));
    expect(decisions.map((d) => [d["route"], d["outcome"], d["authlete"]])).toEqual([
      ["/device", "VALID", true],
      ["/device/confirm", "confirmed", false],
      ["/device/sign-in", "sign_in_failed", false],
      ["/device/sign-in", "signed_in", false],
      ["/device/consent", "approved", true],
    ]);
    expect(new Set(decisions.map((d) => d["requestId"])).size).toBe(decisions.length);
    expect(decisions[0]!["code"]).toBe(decisions[4]!["code"]);
    const all = lines.join("\n");
    for (const secret of [flow.user_code, flow.device_code, "hunter2-not-it", b.jar.get("__Host-device-flow")!, b.jar.get("__Host-device-signin")!]) {
      expect(all).not.toContain(secret);
    }
  });
});
