import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { PREFIXES } from "../../src/storage/kv";
import { atConfirm, atConsent, browser, calls, DEMO, flowRecord, startDevice, text } from "../support/browser";
import { bind, complete, control, emulator, grants, resetEmulator, storageKey, withClock } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const verifyDirectly = async (userCode: string) =>
  (await (
    await emulator(`/api/${env.AUTHLETE_SERVICE_ID}/device/verification`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.AUTHLETE_SERVICE_ACCESS_TOKEN}` },
      body: JSON.stringify({ userCode }),
    })
  ).json()) as { action: string };
const state = async (userCode: string) => ((await (await emulator(`/_emulator/state/user-code/${userCode}`)).json()) as { state: string }).state;
const flowKeys = async () => (await env.KV.list({ prefix: `${PREFIXES.flow}:` })).keys.map((k) => k.name);
const idTokenClaims = (idToken: string) => JSON.parse(atob(idToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;

describe("step 1: enter the code", () => {
  it("GET /device shows one input labelled Code and a Continue button, and issues a __Host- flow cookie without writing KV", async () => {
    const before = await flowKeys();
    const b = browser(w);
    const p = await b.get("/device");
    expect(p.status).toBe(200);
    expect(p.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(p.html).toContain('<label for="code">Code</label>');
    const input = /<input id="code"[^>]*>/.exec(p.html)?.[0] ?? "";
    expect(input).toContain('name="user_code"');
    expect(input).toContain('autocapitalize="characters"');
    expect(input).toContain('spellcheck="false"');
    expect(input).toContain('aria-describedby="code-hint"');
    expect(p.html.match(/<button[^>]*>Continue<\/button>/g)).toHaveLength(1);
    const cookie = p.headers.getSetCookie().find((c) => c.startsWith("__Host-device-flow="))!;
    for (const attr of ["Path=/", "HttpOnly", "Secure", "SameSite=Lax"]) expect(cookie).toContain(attr);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(await flowKeys()).toEqual(before);
  });

  const variants: [string, (code: string) => string][] = [
    ["lower case", (c) => c.toLowerCase()],
    ["a dash", (c) => `${c.slice(0, 4)}-${c.slice(4)}`],
    ["spaces", (c) => ` ${c.slice(0, 4).toLowerCase()} ${c.slice(4)} `],
    ["an underscore", (c) => `${c.slice(0, 4)}_${c.slice(4)}`],
    ["dots", (c) => c.split("").join(".")],
    ["full-width letters from a Japanese keyboard", (c) => [...c].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("")],
  ];
  it.each(variants)("accepts the code with %s, sends Authlete the canonical code and shows it as XXXX-XXXX", async (_, typed) => {
    const flow = await startDevice(w);
    const b = browser(w);
    await b.get("/device");
    const p = await b.submit("/device", { user_code: typed(flow.user_code) });
    expect(p.status).toBe(200);
    expect(p.html).toContain(`${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}`);
    expect((await calls("device/verification")).map((r) => r.body)).toEqual([{ userCode: flow.user_code }]);
  });

  it.each(["", "BCDF", "BCDFGHJKL", "ABCDEFGH", "BCDF-GHJ1", "<script>x</script>", "B".repeat(100)])(
    "rejects %j before any Authlete call, keeping what was typed (escaped)",
    async (typed) => {
      const b = browser(w);
      await b.get("/device");
      const p = await b.post("/device", { user_code: typed });
      expect(p.status).toBe(400);
      expect(text(p.html)).toContain("That doesn't look like a code from your device.");
      expect(p.html).toMatch(/aria-describedby="code-error code-hint"/);
      expect(p.html).not.toContain("<script>x");
      expect(await calls("device/verification")).toHaveLength(0);
    },
  );

  it("a pasted link gives its code, and invisible characters pasted along are dropped", async () => {
    for (const typed of [(c: string) => `http://127.0.0.1:8787/device?user_code=${c}`, (c: string) => `\u200b${c.slice(0, 4)}\u200d-${c.slice(4)}\ufeff`]) {
      const flow = await startDevice(w);
      const b = browser(w);
      await b.get("/device");
      const p = await b.submit("/device", { user_code: typed(flow.user_code) });
      expect(p.html).toContain('action="/device/confirm"');
    }
  });

  it("a character codes never use says which letters codes use; a wrong length says how long codes are; the Japanese says the same", async () => {
    const b = browser(w);
    await b.get("/device");
    expect(text((await b.post("/device", { user_code: "BCDF-GHJA" })).html)).toContain(
      "That doesn't look like a code from your device. Codes use only these letters, never vowels or digits: B C D F G H J K L M N P Q R S T V W X Z.",
    );
    expect(text((await b.post("/device", { user_code: "BCDF-GHJ" })).html)).toContain(
      "That doesn't look like a code from your device. Codes have 8 letters: check the code on your device and enter all of it.",
    );
    const ja = browser(w, { headers: { "Accept-Language": "ja" } });
    await ja.get("/device");
    expect(text((await ja.post("/device", { user_code: "BCDF-GHJA" })).html)).toContain(
      "デバイスに表示されたコードではないようです。コードに使われるのは次の英字だけで、母音や数字は含まれません: B C D F G H J K L M N P Q R S T V W X Z。",
    );
    expect(text((await ja.post("/device", { user_code: "BCDF-GHJ" })).html)).toContain("デバイスに表示されたコードではないようです。コードは8文字の英字です。");
  });

  it("EXPIRED and NOT_EXIST get the same page, status and message", async () => {
    const flow = await startDevice(w);
    await control("clock", { advanceMs: (flow.expires_in + 1) * 1000 });
    expect((await verifyDirectly(flow.user_code)).action).toBe("EXPIRED");
    expect((await verifyDirectly("BCDFBCDF")).action).toBe("NOT_EXIST");

    const [b, other] = [browser(w), browser(w)];
    await b.get("/device");
    await other.get("/device");
    const expired = await b.post("/device", { user_code: flow.user_code });
    const unknown = await other.post("/device", { user_code: "BCDFBCDF" });
    expect(expired.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(text(expired.html)).toContain("This code is invalid or has expired");
    expect(text(expired.html)).toBe(text(unknown.html));
  });

  it.each(["SERVER_ERROR", "INTERNAL_SERVER_ERROR"])("%s from /device/verification → a 503 page whose Try again keeps the typed code", async (action) => {
    const flow = await startDevice(w);
    await control("faults", { api: "device/verification", mode: "action", action });
    const b = browser(w);
    await b.get("/device");
    const logs = captureLogs();
    const p = await b.post("/device", { user_code: flow.user_code.toLowerCase() });
    expect(p.status).toBe(503);
    expect(p.headers.get("Retry-After")).toBe("5");
    expect(text(p.html)).toContain("Temporarily unavailable");
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "decision",
        route: "/device",
        outcome: "unavailable",
        detail: `/device/verification answered ${action}`,
        authlete: true,
      }),
    ]);
    logs.restore();
    const dashed = `${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}`;
    expect(p.html).toMatch(
      new RegExp(
        `<form method="post" action="/device" class="actions"><input type="hidden" name="csrf" value="[^"]+"/><input type="hidden" name="user_code" value="${dashed}"/><button type="submit" class="primary">Try again</button></form>`,
      ),
    );
    // One tap once Authlete is back: the page's own form, with the code it kept.
    const retry = await b.submit("/device", { user_code: /name="user_code" value="([^"]+)"/.exec(p.html)![1]! });
    expect(retry.html).toContain('action="/device/confirm"');
  });

  it("an action this server does not know fails closed on an error page, and is logged", async () => {
    const logs = captureLogs();
    const flow = await startDevice(w);
    await control("faults", { api: "device/verification", mode: "unknown-action" });
    const b = browser(w);
    await b.get("/device");
    const p = await b.post("/device", { user_code: flow.user_code });
    expect(p.status).toBe(500);
    expect(text(p.html)).toContain("Something went wrong");
    expect(p.html).not.toContain("SOMETHING_NEW");
    expect(logs.of("authlete_failure")).toEqual([
      expect.objectContaining({
        level: "error",
        route: "/device",
        api: "/device/verification",
        kind: "unknown_action",
        detail: 'unhandled action "SOMETHING_NEW"',
      }),
    ]);
    expect(logs.decision()).toMatchObject({ level: "warn", route: "/device", outcome: "aborted", detail: "unknown_action", authlete: true });
    expect(await flowRecord(b)).toBeNull();
  });

  it.each([
    [{ mode: "status", status: 500 }, 503, "unavailable"],
    [{ mode: "status", status: 401 }, 500, "rejected"],
    [{ mode: "non-json" }, 500, "malformed"],
    [{ mode: "truncated" }, 500, "malformed"],
    [{ mode: "drop" }, 503, "network"],
  ])("Authlete infrastructure failure %j → a readable HTML page (%i), never JSON or a stack trace", async (fault, status, kind) => {
    const logs = captureLogs();
    const flow = await startDevice(w);
    await control("faults", { api: "device/verification", ...fault });
    const b = browser(w);
    await b.get("/device");
    const p = await b.post("/device", { user_code: flow.user_code });
    expect(p.status).toBe(status);
    expect(p.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(p.html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(p.html).not.toMatch(/AuthleteError|at .*\.ts:\d+|"error"\s*:/);
    expect(p.html).toMatch(/<a class="button primary" href="\/device">|<form method="post" action="\/device" class="actions">/);
    // One line says what failed, for the operator; the decision says what the person was shown.
    expect(logs.of("authlete_failure")).toEqual([expect.objectContaining({ level: "error", route: "/device", api: "/device/verification", kind })]);
    expect(logs.decision()).toMatchObject({ level: "warn", outcome: status === 503 ? "unavailable" : "aborted", detail: kind, authlete: true });
  });

  it("a timeout → the retry page", async () => {
    const logs = captureLogs();
    const flow = await startDevice(w);
    await control("faults", { api: "device/verification", mode: "latency", latencyMs: 400 });
    const b = browser(w, { env: { AUTHLETE_TIMEOUT_MS: "100" } });
    await b.get("/device");
    const p = await b.post("/device", { user_code: flow.user_code });
    expect(p.status).toBe(503);
    expect(text(p.html)).toContain("Temporarily unavailable");
    expect(logs.of("authlete_failure")).toEqual([
      expect.objectContaining({ level: "error", api: "/device/verification", kind: "timeout", detail: "no answer within 100 ms" }),
    ]);
    expect(logs.decision()).toMatchObject({ level: "warn", outcome: "unavailable", detail: "timeout" });
  });
});

describe("step 2: confirm the device", () => {
  it("shows the code, the client, and the device that asked: network, region, what it says it is, time; with a warning and Continue / Cancel", async () => {
    const res = await w.worker("/device_authorization", {
      method: "POST",
      body: "client_id=demo-device&scope=openid+profile",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": "198.51.100.23", "User-Agent": "DemoTV/2.1 (Tizen 8.0)" },
      cf: { country: "JP", region: "Tokyo", city: "Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION" },
    } as RequestInit);
    const flow = (await res.json()) as { user_code: string };
    const b = browser(w);
    await b.get("/device");
    const p = await b.submit("/device", { user_code: flow.user_code });
    const t = text(p.html);
    expect(t).toContain("Is this your device?");
    expect(t).toContain("Demo TV is asking to connect to your account.");
    expect(t).toContain(`${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}`);
    expect(t).toContain("Network KDDI CORPORATION");
    expect(t).toContain("Approximate location Tokyo, Japan");
    // What the device says it is, said as its claim.
    expect(t).toContain("Software Says it is: Smart TV (Tizen)");
    expect(t).not.toContain("198.51.100.23");
    expect(t).not.toContain("DemoTV");
    expect(p.html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
    expect(t).toMatch(/This code expires in (9|10) minutes, at \d\d?:\d\d (AM|PM) UTC\./);
    expect(t).toContain("Continue only if you started this yourself, on a device you have with you right now.");
    expect(p.html).toMatch(/<button type="submit" class="primary">Continue<\/button>/);
    expect(p.html).toMatch(/<button type="submit" class="secondary" formaction="\/device\/cancel">Cancel<\/button>/);

    // The same in Japanese.
    const ja = browser(w, { headers: { "Accept-Language": "ja" } });
    const { page } = await atConfirm(w, ja, undefined, { userAgent: "DemoTV/2.1 (Tizen 8.0)" });
    expect(text(page.html)).toContain("ソフトウェア 自己申告: スマートテレビ（Tizen）");
  });

  it("anyone holding the code sees what recognises the device, never where its owner lives: no address, no city, no raw User-Agent, on confirm and consent", async () => {
    const ip = "2001:db8:5ec:2e7::77";
    const userAgent = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 HomeOf/Alice-Example";
    const at = {
      ip,
      userAgent,
      cf: { country: "DE", region: "Hesse", city: "Offenbach am Main", asn: 3320, asOrganization: "Deutsche Telekom AG", latitude: "50.09", longitude: "8.76" },
    };
    const b = browser(w, { cf: { country: "DE", region: "Hesse", city: "Frankfurt am Main", latitude: "50.11", longitude: "8.68" } });
    const { page } = await atConfirm(w, b, undefined, at);
    const t = text(page.html);
    expect(t).toContain("Network Deutsche Telekom AG");
    expect(t).toContain("Approximate location Hesse, Germany");
    expect(t).toContain("Software Says it is: Chrome on Android");
    for (const secret of [ip, "2001:db8:5ec", "Offenbach", "HomeOf", "Alice-Example", "SM-S918B", "50.09", "8.76"]) expect(page.html).not.toContain(secret);
    // An agent with no name here is not shown at all: it is free text the device chose.
    const odd = browser(w);
    const unknown = await atConfirm(w, odd, undefined, { userAgent: "Approved by IT - continue now/1.0" });
    expect(text(unknown.page.html)).toContain("Software Unknown");
    expect(unknown.page.html).not.toContain("Approved by IT");

    const consent = await b.submit("/device/confirm", {}).then(() => b.submit("/device/sign-in", { username: "demo", password: "demo" }));
    expect(text(consent.html)).toContain("Device Hesse, Germany · Says it is: Chrome on Android");
    for (const secret of [ip, "Offenbach", "HomeOf", "SM-S918B"]) expect(consent.html).not.toContain(secret);
  });

  it("times in the person's own time zone (request.cf.timezone), in the page's language; UTC said so when unknown; never broken inside a date", async () => {
    const t = withClock();
    const start = t.clock.now;
    const fmt = (locale: string, timeZone: string, o: Intl.DateTimeFormatOptions, at = start) => new Intl.DateTimeFormat(locale, { ...o, timeZone }).format(at);
    const flow = await startDevice(t, undefined, { cf: { country: "US", region: "Texas", city: "Austin", timezone: "America/Chicago" } });
    t.clock.advance(3 * 60_000);
    const tokyo = browser(t, { cf: { country: "JP", city: "Tokyo", timezone: "Asia/Tokyo" } });
    await tokyo.get("/device");
    const p = await tokyo.submit("/device", { user_code: flow.user_code });
    const date = fmt("en", "Asia/Tokyo", { dateStyle: "medium" });
    const time = fmt("en", "Asia/Tokyo", { timeStyle: "short" });
    expect(p.html).toContain(`>3 minutes ago (<span class="nowrap">${date}</span> <span class="nowrap">${time}</span>)</time>`);
    expect(text(p.html)).toMatch(/This code expires in [67] minutes, at \d\d?:\d\d [AP]M\./);
    // Never broken between the time and AM/PM.
    expect(p.html).toMatch(/at \d\d?:\d\d\u00a0[AP]M\./);
    expect(text(p.html)).toContain("Texas, United States");

    const ja = browser(t, { cf: { country: "JP", timezone: "Asia/Tokyo" }, headers: { "Accept-Language": "ja" } });
    await ja.get("/device");
    const jp = await ja.submit("/device", {
      user_code: (await startDevice(t, undefined, { cf: { country: "US", region: "Texas", city: "Austin" } })).user_code,
    });
    expect(text(jp.html)).toContain("アメリカ合衆国（Texas）");
    expect(jp.html).toContain(
      `<span class="nowrap">${fmt("ja", "Asia/Tokyo", { dateStyle: "medium" }, t.clock.now)}</span> <span class="nowrap">${fmt("ja", "Asia/Tokyo", { timeStyle: "short" }, t.clock.now)}</span>`,
    );

    const nowhere = browser(t);
    await nowhere.get("/device");
    const utc = await nowhere.submit("/device", { user_code: (await startDevice(t)).user_code });
    expect(utc.html).toContain(`<span class="nowrap">${fmt("en", "UTC", { timeStyle: "short" }, t.clock.now)} UTC</span>`);
  });

  it("says when the device's details are unavailable, with the stronger warning", async () => {
    const flow = await startDevice(w);
    await grants().finish(flow.device_code);
    const b = browser(w);
    await b.get("/device");
    const p = await b.submit("/device", { user_code: flow.user_code });
    expect(text(p.html)).toContain("Details about the device that asked are unavailable.");
    expect(text(p.html)).toContain("We cannot tell where this request came from: there is no record of the device that asked.");
    expect(text(p.html)).toContain("Be careful: this may not be your device");
  });

  it.each([
    ["confirm", async (b: ReturnType<typeof browser>) => void b],
    ["sign-in", async (b: ReturnType<typeof browser>) => void (await b.submit("/device/confirm", {}))],
  ])("Cancel on the %s page denies: ACCESS_DENIED with a description, and the device's next poll gets access_denied", async (_, reach) => {
    const b = browser(w);
    const { flow } = await atConfirm(w, b);
    await reach(b);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line) => void lines.push(String(line)));
    const p = await b.submit("/device/cancel", {});
    vi.restoreAllMocks();
    // Logged like every decision: a tag of the code, never the code.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["outcome"] === "cancelled");
    expect(logged).toMatchObject({ event: "decision", route: "/device/cancel", authlete: true, clientId: 1001, code: expect.stringMatching(/^[\w-]{12}$/) });
    expect(lines.join("\n")).not.toContain(flow.user_code);
    expect(p.status).toBe(200);
    expect(text(p.html)).toContain("Cancelled");
    expect(text(p.html)).toContain(
      "Nothing was approved, and the device has been told no. To connect it after all, start again on the device. You can close this page.",
    );
    expect((await calls("device/complete")).map((r) => r.body)).toEqual([
      { userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: "The authorization request was denied." },
    ]);
    expect(await state(flow.user_code)).toBe("DENIED");
    expect(await json(await w.poll(flow.device_code))).toMatchObject({
      error: "access_denied",
      error_description: "The authorization request was denied.",
    });
    expect((await b.get("/device")).html).toContain('action="/device"');
  });

  it("Cancel when Authlete is down keeps the flow: the retry page leads back to the same step, and Cancel then denies", async () => {
    const logs = captureLogs();
    const b = browser(w);
    const { flow } = await atConfirm(w, b);
    await control("faults", { api: "device/complete", mode: "action", action: "SERVER_ERROR" });
    expect((await b.post("/device/cancel", {})).status).toBe(503);
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "decision",
        route: "/device/cancel",
        outcome: "unavailable",
        detail: "/device/complete cancelled: SERVER_ERROR [A001101] /device/complete, Authlete Server error.",
      }),
    ]);
    expect(await state(flow.user_code)).toBe("PENDING");
    expect((await b.get("/device")).html).toContain('action="/device/confirm"');
    expect(text((await b.submit("/device/cancel", {})).html)).toContain("Cancelled");
    expect(await state(flow.user_code)).toBe("DENIED");
  });
});

describe("step 3: sign in", () => {
  it("asks for Username and Password; a wrong password and an unknown user get the same message", async () => {
    const b = browser(w);
    await atConfirm(w, b);
    const form = await b.submit("/device/confirm", {});
    expect(form.html).toContain('<label for="username">Username</label>');
    expect(form.html).toContain('<label for="password">Password</label>');
    expect(form.html).toMatch(/<button type="submit" class="primary">Sign in<\/button>/);

    const wrong = await b.post("/device/sign-in", { username: "demo", password: "nope" });
    const unknown = await b.post("/device/sign-in", { username: "nobody", password: "nope" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(text(wrong.html)).toContain("The username or password is incorrect.");
    expect(text(wrong.html)).toBe(text(unknown.html));
    expect(wrong.html).toMatch(/<input id="password"[^>]*aria-invalid="true"[^>]*aria-describedby="signin-error"/);
    expect(wrong.html).toContain('value="demo"');
    expect((await b.post("/device/sign-in", { username: "demo", password: "" })).status).toBe(400);
  });

  it("the right password leads to consent and leaves a short-lived __Host- sign-in cookie whose id KV only holds hashed", async () => {
    const b = browser(w);
    await atConfirm(w, b);
    await b.submit("/device/confirm", {});
    const res = await b.post("/device/sign-in", { username: " DEMO ", password: "demo" });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-device-signin="))!;
    for (const attr of ["Max-Age=900", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"]) expect(cookie).toContain(attr);
    const id = b.jar.get("__Host-device-signin")!;
    expect(await env.KV.get(await storageKey("signIn", id))).toContain('"subject":"demo"');
    expect((await env.KV.list()).keys.some((k) => k.name.includes(id))).toBe(false);
    expect((await b.get("/device")).html).toContain('action="/device/consent"');
  });
});

describe("step 4: consent, and every /device/complete action", () => {
  it("shows the client, who is signed in, each scope described, and the claims the client will receive", async () => {
    const b = browser(w);
    const { page } = await atConsent(w, b);
    const t = text(page.html);
    expect(t).toContain("Demo TV wants to access your account.");
    expect(t).toContain("Signed in as Demo User");
    expect(t).toContain("Confirm who you are");
    expect(t).toContain("See your basic profile, such as your name and picture");
    expect(page.html).toContain('Name<span class="muted">: Demo User</span>');
    expect(t).toContain("Username : demo");
    // email is not among profile's claims: neither shown nor sent.
    expect(t).not.toContain("demo@example.com");
    expect(page.html).toMatch(/<button type="submit" name="action" value="approve" class="primary">Approve<\/button>/);
    expect(page.html).toMatch(/<button type="submit" name="action" value="deny" class="secondary">Deny<\/button>/);
  });

  it("repeats which code and device it approves, and shows claim values as people read them, in both languages", async () => {
    const b = browser(w);
    const { flow, page } = await atConsent(
      w,
      b,
      { client_id: "demo-device", scope: "openid profile email" },
      { userAgent: "DemoTV/2.1 (Tizen 8.0)", cf: { country: "JP", city: "Tokyo" } },
    );
    const t = text(page.html);
    expect(t).toContain(`Code ${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}`);
    expect(t).toContain("Device Japan · Says it is: Smart TV (Tizen)");
    expect(t).toMatch(/This code expires in (9|10) minutes/);
    expect(page.html).toContain('Whether your email address is verified<span class="muted">: Yes</span>');
    expect(page.html).toContain('Language<span class="muted">: English</span>');
    expect(page.html).toContain('Email address<span class="muted">: demo@example.com</span>');
    expect(t).not.toMatch(/: true|: en\b/);

    const ja = browser(w, { headers: { "Accept-Language": "ja" } });
    const jp = await atConsent(
      w,
      ja,
      { client_id: "demo-device", scope: "openid profile email" },
      { userAgent: "DemoTV/2.1 (Tizen 8.0)", cf: { country: "JP", city: "Tokyo" } },
    );
    expect(jp.page.html).toContain('メールアドレスが確認済みかどうか<span class="muted">: 確認済み</span>');
    expect(jp.page.html).toContain('言語<span class="muted">: 英語</span>');
    expect(text(jp.page.html)).toContain("デバイス 日本・自己申告: スマートテレビ（Tizen）");
  });

  it("shows resources and authorization_details when the device asked for them, and configured scope descriptions", async () => {
    const b = browser(w, { env: { SCOPE_DESCRIPTIONS: JSON.stringify({ "tv.watch": { en: "Watch TV with your subscription" } }) } });
    const details = [{ type: "channel_access", actions: ["watch"], locations: ["https://tv.example/"] }];
    const { page } = await atConsent(w, b, {
      client_id: "demo-device",
      scope: "openid tv.watch tv.purchase",
      resource: "https://api.tv.example/",
      authorization_details: JSON.stringify(details),
    });
    const t = text(page.html);
    expect(t).toContain("Watch TV with your subscription (tv.watch)");
    expect(t).toContain("tv.purchase");
    expect(t).toContain("For these services https://api.tv.example/");
    expect(t).toContain("channel_access");
    expect(page.html).toContain("&quot;actions&quot;: [");
  });

  it("Approve → AUTHORIZED with subject, authTime in seconds and only the named claims → done page → the device gets its tokens", async () => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    const before = Math.floor(Date.now() / 1000);
    const done = await b.submit("/device/consent", { action: "approve" });
    expect(text(done.html)).toContain("Your device is connected");
    expect(text(done.html)).toContain("Demo TV is now connected to your account. Go back to your TV or device: it carries on by itself.");
    expect(text(done.html)).toContain("You can close this page.");

    const [call] = await calls("device/complete");
    const body = call!.body as { userCode: string; result: string; subject: string; authTime: number; claims: string };
    expect(body).toMatchObject({ userCode: flow.user_code, result: "AUTHORIZED", subject: "demo" });
    expect(body.authTime).toBeGreaterThanOrEqual(before - 1);
    expect(body.authTime).toBeLessThan(before + 60);
    expect(JSON.parse(body.claims)).toEqual({ name: "Demo User", given_name: "Demo", family_name: "User", preferred_username: "demo", locale: "en" });

    const tokens = await json(await w.poll(flow.device_code));
    expect(tokens["access_token"]).toBeTruthy();
    expect(idTokenClaims(tokens["id_token"] as string)).toMatchObject({ sub: "demo", name: "Demo User" });
    expect(idTokenClaims(tokens["id_token"] as string)).not.toHaveProperty("email");
    // The flow is over: its state is gone once the result has been shown.
    expect(await flowRecord(b)).toBeNull();
  });

  it("Deny → ACCESS_DENIED with a description → 'Request denied' → the device gets access_denied", async () => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    const done = await b.submit("/device/consent", { action: "deny" });
    expect(text(done.html)).toContain("Request denied");
    expect(text(done.html)).toContain("Demo TV was not given access.");
    expect((await calls("device/complete"))[0]!.body).toEqual({
      userCode: flow.user_code,
      result: "ACCESS_DENIED",
      errorDescription: "The authorization request was denied.",
    });
    expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "access_denied", error_description: "The authorization request was denied." });
  });

  it("USER_CODE_EXPIRED → its own page, and the flow is dropped", async () => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    await control("clock", { advanceMs: (flow.expires_in + 1) * 1000 });
    const p = await b.post("/device/consent", { action: "approve" });
    expect(p.status).toBe(410);
    expect(text(p.html)).toContain("This code has expired");
    expect((await b.get("/device")).html).toContain('action="/device"');
  });

  it("USER_CODE_NOT_EXIST (already decided elsewhere) → its own page", async () => {
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    await complete(flow.user_code, "AUTHORIZED");
    const p = await b.post("/device/consent", { action: "approve" });
    expect(p.status).toBe(410);
    expect(text(p.html)).toContain("This code can't be used any more");
    expect(text(p.html)).not.toContain("connected");
  });

  it("INVALID_REQUEST → its own page, logged; the flow is kept", async () => {
    const logs = captureLogs();
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    await control("faults", { api: "device/complete", mode: "action", action: "INVALID_REQUEST" });
    const p = await b.post("/device/consent", { action: "approve" });
    expect(p.status).toBe(500);
    expect(text(p.html)).toContain("Something went wrong");
    expect(logs.decision()).toMatchObject({
      level: "warn",
      route: "/device/consent",
      outcome: "aborted",
      detail: "/device/complete approved: INVALID_REQUEST [A001101] /device/complete, Authlete Server error.",
    });
    expect(await state(flow.user_code)).toBe("PENDING");
    expect((await b.get("/device")).html).toContain('action="/device/consent"');
  });

  it.each([
    [
      "SERVER_ERROR",
      { mode: "action", action: "SERVER_ERROR" },
      null,
      "/device/complete approved: SERVER_ERROR [A001101] /device/complete, Authlete Server error.",
    ],
    ["HTTP 503", { mode: "status", status: 503 }, "unavailable", "unavailable"],
    ["a dropped connection", { mode: "drop" }, "network", "network"],
  ])("%s → a retry page; nothing is claimed; Try again returns to consent and succeeds", async (_, fault, kind, detail) => {
    const logs = captureLogs();
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    await control("faults", { api: "device/complete", ...fault });
    const failed = await b.post("/device/consent", { action: "approve" });
    expect(failed.status).toBe(503);
    expect(text(failed.html)).toContain("Temporarily unavailable");
    expect(text(failed.html)).not.toContain("connected");
    expect(await state(flow.user_code)).toBe("PENDING");
    // An action Authlete chose is the decision's detail; a failed call is logged on its own as well.
    expect(logs.of("authlete_failure")).toEqual(kind === null ? [] : [expect.objectContaining({ level: "error", api: "/device/complete", kind })]);
    expect(logs.decision()).toMatchObject({ level: "warn", route: "/device/consent", outcome: "unavailable", detail });

    const back = await b.get("/device");
    expect(back.html).toContain('action="/device/consent"');
    expect(text((await b.submit("/device/consent", { action: "approve" })).html)).toContain("Your device is connected");
    expect(await state(flow.user_code)).toBe("AUTHORIZED");
  });

  it("a garbled answer after Authlete recorded the decision is not shown as success; the retry tells the truth", async () => {
    const logs = captureLogs();
    const b = browser(w);
    const { flow } = await atConsent(w, b);
    await control("faults", { api: "device/complete", mode: "truncated" });
    const failed = await b.post("/device/consent", { action: "approve" });
    expect(failed.status).toBe(500);
    expect(text(failed.html)).not.toContain("connected");
    expect(logs.of("authlete_failure")).toEqual([
      expect.objectContaining({ level: "error", api: "/device/complete", kind: "malformed", detail: "response is not JSON" }),
    ]);
    expect(logs.decision()).toMatchObject({ level: "warn", route: "/device/consent", outcome: "aborted", detail: "malformed" });
    expect(await state(flow.user_code)).toBe("AUTHORIZED");
    const retry = await b.post("/device/consent", { action: "approve" });
    expect(text(retry.html)).toContain("This code can't be used any more");
  });
});

describe("a signed-in browser, and four taps from a TV code to connected", () => {
  it("prefilled link → Continue → Continue → Approve → done: the link fills in the code and asks nobody, nothing approved before Approve", async () => {
    const b = browser(w);
    const first = await atConsent(w, b);
    await b.submit("/device/consent", { action: "approve" });
    expect(first.flow.user_code).toBeTruthy();
    await control("requests");

    const flow = await startDevice(w);
    const taps: string[] = [];
    // Tap 1: the link from the TV's QR code.
    const link = await b.get(new URL(flow.verification_uri_complete!).pathname + new URL(flow.verification_uri_complete!).search);
    taps.push("link");
    expect(link.status).toBe(303);
    expect(link.location).toBe("/device");
    const prefilled = await b.get(link.location!);
    expect(text(prefilled.html)).toContain("Connect this device?");
    expect(prefilled.html).toContain(`value="${flow.user_code.slice(0, 4)}-${flow.user_code.slice(4)}"`);
    expect(await calls("device/verification")).toHaveLength(0);
    // Tap 2: Continue — only this POST asks Authlete about the code.
    const confirmPage = await b.submit("/device", { user_code: flow.user_code });
    taps.push("Continue");
    expect(confirmPage.html).toContain('action="/device/confirm"');
    expect(await calls("device/verification")).toHaveLength(1);
    // Tap 3: Continue — the signed-in browser skips the form.
    const consentPage = await b.submit("/device/confirm", {});
    taps.push("Continue");
    expect(consentPage.html).toContain('action="/device/consent"');
    expect(await calls("device/complete")).toHaveLength(0);
    // Tap 4: Approve.
    const done = await b.submit("/device/consent", { action: "approve" });
    taps.push("Approve");
    expect(text(done.html)).toContain("Your device is connected");
    expect(taps).toEqual(["link", "Continue", "Continue", "Approve"]);
    expect(await state(flow.user_code)).toBe("AUTHORIZED");
  });

  it("typed code: Continue, Continue, Sign in, Approve", async () => {
    const b = browser(w);
    const flow = await startDevice(w);
    await b.get("/device");
    expect((await b.submit("/device", { user_code: flow.user_code })).html).toContain('action="/device/confirm"');
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/sign-in"');
    expect((await b.submit("/device/sign-in", DEMO)).html).toContain('action="/device/consent"');
    expect(text((await b.submit("/device/consent", { action: "approve" })).html)).toContain("Your device is connected");
  });

  it("Use another account: forgets the signed-in browser and shows the sign-in form again", async () => {
    const b = browser(w);
    await atConsent(w, b);
    const id = b.jar.get("__Host-device-signin")!;
    const res = await b.post("/device/sign-out", {});
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-device-signin=;") && c.includes("Max-Age=0"))).toBe(true);
    expect(await env.KV.get(await storageKey("signIn", id))).toBeNull();
    expect((await b.get("/device")).html).toContain('action="/device/sign-in"');
  });

  it("the sign-in session expires: after SIGN_IN_SESSION_SECONDS the next code asks to sign in again", async () => {
    const t = withClock();
    const b = browser(t);
    await atConsent(t, b);
    await b.submit("/device/consent", { action: "approve" });
    t.clock.advance(901_000);
    await control("clock", { advanceMs: 901_000 });
    await atConfirm(t, b);
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/sign-in"');
  });
});

describe("language: ui_locales, then the cookie, then Accept-Language, with a visible switch", () => {
  it("every page links to the other language without JavaScript", async () => {
    const p = await browser(w).get("/device");
    expect(p.html).toContain('<a href="/device?ui_locales=ja" lang="ja" hreflang="ja">日本語</a>');
    expect(p.html).toContain('<span aria-current="true" lang="en">English</span>');
  });

  it("ui_locales=ja → 303 to the bare URL with a language cookie → Japanese page", async () => {
    const b = browser(w);
    const res = await b.get("/device?ui_locales=ja");
    expect(res.status).toBe(303);
    expect(res.location).toBe("/device");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-lang=ja;"))).toBe(true);
    const p = await b.get("/device");
    expect(p.html).toContain('<html lang="ja">');
    expect(p.html).toContain('<label for="code">コード</label>');
    expect(p.html).toMatch(/<button[^>]*>続ける<\/button>/);
  });

  it.each([
    ["ja-JP,ja;q=0.9,en;q=0.8", "ja"],
    ["fr-CA, en;q=0.5, ja;q=0.4", "en"],
    ["fr, ja;q=0.1", "ja"],
    ["de", "en"],
  ])("Accept-Language %s → %s", async (header, lang) => {
    expect((await browser(w).get("/device", { "Accept-Language": header })).html).toContain(`<html lang="${lang}">`);
  });

  it("the cookie beats Accept-Language, and ui_locales beats the cookie (first supported tag wins)", async () => {
    const b = browser(w, { headers: { "Accept-Language": "ja" } });
    await b.get("/device?ui_locales=en");
    expect((await b.get("/device")).html).toContain('<html lang="en">');
    await b.get("/device?ui_locales=fr%20ja");
    expect((await b.get("/device")).html).toContain('<html lang="ja">');
  });

  it("a prefilled link with ui_locales=ja shows the confirm page in Japanese", async () => {
    const flow = await startDevice(w);
    const b = browser(w);
    const link = await b.get(`/device?user_code=${flow.user_code}&ui_locales=ja`);
    expect(link.status).toBe(303);
    expect(text((await b.get("/device")).html)).toContain("このデバイスを接続しますか？");
    const p = await b.submit("/device", { user_code: flow.user_code });
    expect(text(p.html)).toContain("お使いのデバイスですか？");
    expect(text(p.html)).toContain("Demo TV があなたのアカウントへの接続を求めています。");
    expect(p.html).toMatch(/<button[^>]*>キャンセル<\/button>/);
  });

  it("error pages are translated too", async () => {
    const b = browser(w, { headers: { "Accept-Language": "ja" } });
    await b.get("/device");
    const p = await b.post("/device/consent", { action: "approve" });
    expect(p.status).toBe(409);
    expect(text(p.html)).toContain("このページは古くなっています");
  });
});
