import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { PREFIXES, type Prefix } from "../../src/storage/kv";
import { atConfirm, browser, calls, DEMO, nextIp, startDevice, text } from "../support/browser";
import { bind, control, type Overrides, resetEmulator, unreachableBudgets, withClock } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
const WRONG = "BCDFBCDF";

/** The real KV namespace, except that keys under `prefix` fail as if KV were down. */
function kvFailingFor(table: Prefix): KVNamespace {
  const real = env.KV;
  const prefix = `${PREFIXES[table]}:`;
  const guard =
    <A extends unknown[], R>(op: (key: string, ...rest: A) => R) =>
    (key: string, ...rest: A): R => {
      if (key.startsWith(prefix)) throw new Error(`KV unavailable (injected for ${prefix})`);
      return op(key, ...rest);
    };
  return {
    get: guard((k: string, o?: unknown) => real.get(k, o as "text")),
    put: guard((k: string, v: string, o?: KVNamespacePutOptions) => real.put(k, v, o)),
    delete: guard((k: string) => real.delete(k)),
    list: (o?: KVNamespaceListOptions) => real.list(o),
  } as unknown as KVNamespace;
}

async function codeAttempt(b: ReturnType<typeof browser>, code: string) {
  await b.get("/device");
  return b.post("/device", { user_code: code });
}

describe("user-code entry: failures per CF-Connecting-IP and per session (RFC 8628 §5.1)", () => {
  it("N+1 wrong codes from one IP → 429 with Retry-After and no Authlete call; the right code is refused until the window passes", async () => {
    const t = withClock();
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "3/120" };
    const ip = nextIp();
    // A new browser (session) each time: only the IP links the attempts.
    const attempt = (code: string) => codeAttempt(browser(t, { ip, env: limits }), code);
    for (let i = 0; i < 3; i++) expect((await attempt(WRONG)).status).toBe(400);
    await control("requests");

    const limited = await attempt(WRONG);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(text(limited.html)).toContain("Too many attempts");
    const flow = await startDevice(t);
    expect((await attempt(flow.user_code)).status).toBe(429);
    expect(await calls("device/verification")).toHaveLength(0);

    t.clock.advance(retryAfter * 1000);
    const accepted = await attempt(flow.user_code);
    expect([accepted.status, accepted.location]).toEqual([303, "/device"]);
  });

  it("a spoofed X-Forwarded-For does not choose the bucket; CF-Connecting-IP does", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "2/900" };
    const ip = nextIp();
    for (const xff of ["198.51.100.1", "198.51.100.2"]) {
      expect((await codeAttempt(browser(w, { ip, env: limits, headers: { "X-Forwarded-For": xff } }), WRONG)).status).toBe(400);
    }
    expect((await codeAttempt(browser(w, { ip, env: limits, headers: { "X-Forwarded-For": "198.51.100.3" } }), WRONG)).status).toBe(429);
    // Someone else, claiming the same forwarded address, is unaffected.
    expect((await codeAttempt(browser(w, { env: limits, headers: { "X-Forwarded-For": "198.51.100.1" } }), WRONG)).status).toBe(400);
  });

  it("per session: one browser is stopped even when its budget per IP is not spent", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_SESSION: "2/900" };
    const b = browser(w, { env: limits });
    expect((await codeAttempt(b, WRONG)).status).toBe(400);
    expect((await codeAttempt(b, WRONG)).status).toBe(400);
    expect((await codeAttempt(b, WRONG)).status).toBe(429);
    expect((await codeAttempt(browser(w, { ip: b.ip, env: limits }), WRONG)).status).toBe(400);
  });

  it("a success does not reset the budget", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "3/900" };
    const ip = nextIp();
    const attempt = (code: string) => codeAttempt(browser(w, { ip, env: limits }), code);
    expect((await attempt(WRONG)).status).toBe(400);
    expect((await attempt(WRONG)).status).toBe(400);
    expect((await attempt((await startDevice(w)).user_code)).status).toBe(303);
    expect((await attempt(WRONG)).status).toBe(400);
    expect((await attempt(WRONG)).status).toBe(429);
  });

  it("input that cannot be a code is turned away without counting", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "1/900" };
    const b = browser(w, { env: limits });
    for (const junk of ["x", "AEIOUAEI", "12345678"]) expect((await codeAttempt(b, junk)).status).toBe(400);
    expect(await calls("device/verification")).toHaveLength(0);
    expect((await codeAttempt(b, WRONG)).status).toBe(400);
    expect((await codeAttempt(b, WRONG)).status).toBe(429);
  });

  it("a link's code is counted only when Continue sends it, like typing", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "1/900" };
    const b = browser(w, { env: limits });
    await b.get(`/device?user_code=${WRONG}`);
    await b.get("/device");
    expect((await b.post("/device", { user_code: WRONG })).status).toBe(400);
    await b.get(`/device?user_code=${WRONG}`);
    await b.get("/device");
    expect((await b.post("/device", { user_code: WRONG })).status).toBe(429);
  });

  it("another site cannot spend a visitor's budget: eleven <img src=/device?user_code=…> ask Authlete nothing and count nothing", async () => {
    const limits: Overrides = { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "10/900" };
    const victim = browser(w, { env: limits, headers: { "Sec-Fetch-Site": "cross-site" } });
    await control("requests");
    for (let i = 0; i < 11; i++) {
      const img = await victim.get(`/device?user_code=BBBBBBB${"BCDFGHJKLMN"[i]}`, { "Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors" });
      expect(img.status).toBe(303);
    }
    expect(await calls("device/verification")).toHaveLength(0);
    // Nothing was planted either: the victim's own /device is the empty enter page.
    const own = await victim.get("/device");
    expect(own.html).toContain('value=""');
    const flow = await startDevice(w);
    expect((await victim.post("/device", { user_code: flow.user_code })).status).toBe(303);
  });
});

describe("sign-in: failures per username and per IP", () => {
  it("five wrong passwords for a user from one address do not lock that user out elsewhere", async () => {
    const attacker = await atSignIn({});
    for (let i = 0; i < 5; i++) expect((await attacker.post("/device/sign-in", { username: "demo", password: `guess-${i}` })).status).toBe(401);
    expect((await attacker.post("/device/sign-in", DEMO)).status).toBe(429);
    const owner = await atSignIn({});
    expect(text((await owner.submit("/device/sign-in", DEMO)).html)).toContain("Allow access?");
  });

  async function atSignIn(limits: Overrides, ip = nextIp()) {
    const b = browser(w, { ip, env: limits });
    await atConfirm(w, b);
    await b.submit("/device/confirm", {});
    return b;
  }

  it("per username, across IPs (and however the name is capitalised): then even the right password gets 429", async () => {
    const limits: Overrides = { LIMIT_SIGN_IN_FAILURES_PER_USER: "2/900" };
    expect((await (await atSignIn(limits)).post("/device/sign-in", { username: "demo", password: "guess1" })).status).toBe(401);
    expect((await (await atSignIn(limits)).post("/device/sign-in", { username: "DEMO", password: "guess2" })).status).toBe(401);
    const b = await atSignIn(limits);
    const limited = await b.post("/device/sign-in", DEMO);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(b.jar.has("__Host-device-signin")).toBe(false);
  });

  it("per IP, across usernames", async () => {
    const limits: Overrides = { LIMIT_SIGN_IN_FAILURES_PER_IP: "2/900" };
    const ip = nextIp();
    expect((await (await atSignIn(limits, ip)).post("/device/sign-in", { username: "alice", password: "x" })).status).toBe(401);
    expect((await (await atSignIn(limits, ip)).post("/device/sign-in", { username: "bob", password: "x" })).status).toBe(401);
    expect((await (await atSignIn(limits, ip)).post("/device/sign-in", DEMO)).status).toBe(429);
    expect((await (await atSignIn(limits)).submit("/device/sign-in", DEMO)).html).toContain('action="/device/consent"');
  });
});

describe('"I didn\'t start this": reports budgeted per network', () => {
  it("past the budget (per /64, and per /48) a report still denies, as Cancel does, but is not logged or recorded as a report", async () => {
    const logs = captureLogs();
    const limits: Overrides = { LIMIT_REPORTS_PER_IP: "2/3600", LIMIT_REPORTS_PER_IPV6_56: "3/3600", LIMIT_REPORTS_PER_IPV6_48: "3/3600" };
    const home = nextIp();
    const neighbour = `${home.slice(0, -"::1".length)}:100::1`;
    const recorded = [];
    for (const ip of [home, home, home, neighbour, neighbour, nextIp()]) {
      const b = browser(w, { ip, env: limits });
      const { flow } = await atConfirm(w, b);
      const done = await b.submit("/device/report", {});
      recorded.push(text(done.html).includes("we have recorded your report"));
      // Either way the device is told no at once.
      expect(((await (await w.poll(flow.device_code)).json()) as { error: string }).error).toBe("access_denied");
    }
    expect(recorded).toEqual([true, true, false, true, false, true]);
    // The device hears one neutral denial whatever happened; the log's decision line says which it was.
    expect(new Set((await calls("device/complete")).map((r) => (r.body as { errorDescription: string }).errorDescription))).toEqual(
      new Set(["The authorization request was denied."]),
    );
    const reports = logs.of("decision").filter((l) => l["route"] === "/device/report");
    expect(reports.map((l) => l["reason"])).toEqual(["reported", "reported", "cancelled", "reported", "cancelled", "reported"]);
    expect(logs.of("phishing_reported")).toHaveLength(4);
    expect(logs.of("phishing_report_over_budget").map((l) => l["limits"])).toEqual(["report-ip", "report-ip-48"]);
  });
});

describe("lockouts people can plan around", () => {
  it("attempts left are shown once few remain, on sign-in and on code entry", async () => {
    const b = browser(w);
    await atConfirm(w, b);
    await b.submit("/device/confirm", {});
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push(text((await b.post("/device/sign-in", { username: "demo", password: `guess-${i}` })).html));
    expect(tries[0]).not.toContain("left before");
    expect(tries[1]).toContain("The username or password is incorrect. 3 tries left before sign-in is paused.");
    expect(tries[3]).toContain("1 try left before sign-in is paused.");
    expect(tries[4]).toContain("That was the last try for now: sign-in is paused for a while.");

    const c = browser(w);
    const first = await codeAttempt(c, WRONG);
    expect(text(first.html)).not.toContain("left before");
    expect(text((await codeAttempt(c, WRONG)).html)).toContain(
      "This code is invalid or has expired. Check the code on your device and try again. 3 tries left before code entry is paused.",
    );
    const ja = browser(w, { headers: { "Accept-Language": "ja" } });
    await codeAttempt(ja, WRONG);
    expect(text((await codeAttempt(ja, WRONG)).html)).toContain("コード入力が停止されるまで、あと 3 回試せます。");
  });

  it("the 429 page says when the lockout ends (the person's time zone), that the code may expire meanwhile, and offers no instant Try again", async () => {
    const t = withClock();
    const limits: Overrides = { LIMIT_SIGN_IN_FAILURES_PER_USER_AND_IP: "2/900" };
    const b = browser(t, { env: limits, cf: { country: "JP", timezone: "Asia/Tokyo" } });
    await atConfirm(t, b);
    await b.submit("/device/confirm", {});
    for (let i = 0; i < 2; i++) await b.post("/device/sign-in", { username: "demo", password: `guess-${i}` });
    const limited = await b.post("/device/sign-in", DEMO);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    const ends = new Intl.DateTimeFormat("en", { timeStyle: "short", timeZone: "Asia/Tokyo" }).format(t.clock.now + retryAfter * 1000);
    const page = text(limited.html);
    expect(page).toContain(`For your security, signing in is paused until ${ends} (in 15 minutes).`);
    expect(page).toContain("The code on your device may expire before then. If it does, start again on your device to get a new code.");
    expect(page).not.toContain("Try again");
    expect(limited.html).not.toContain('href="/device"');

    const code = browser(t, { env: { LIMIT_CODE_ENTRY_FAILURES_PER_SESSION: "1/900" } });
    await codeAttempt(code, WRONG);
    const refused = await codeAttempt(code, WRONG);
    expect(refused.status).toBe(429);
    expect(text(refused.html)).toMatch(/entering codes is paused here until \d\d?:\d\d [AP]M UTC \(in 15 minutes\)\./);
  });
});

describe("when storage fails: budgets fall back to this isolate, verification state fails closed", () => {
  it("a Durable Object outage keeps code entry bounded by a per-isolate budget (logged), instead of opening unlimited guessing", async () => {
    const logs = captureLogs();
    const limits: Overrides = { BUDGETS: unreachableBudgets(), LIMIT_CODE_ENTRY_FAILURES_PER_IP: "2/900" };
    const ip = nextIp();
    for (let i = 0; i < 2; i++) expect((await codeAttempt(browser(w, { ip, env: limits }), WRONG)).status).toBe(400);
    expect((await codeAttempt(browser(w, { ip, env: limits }), WRONG)).status).toBe(429);
    expect(await calls("device/verification")).toHaveLength(2);
    // A valid code from another address still gets through.
    expect((await codeAttempt(browser(w, { env: limits }), (await startDevice(w)).user_code)).status).toBe(303);
    // Every budget the outage touched says so, and that this isolate counted instead; nothing else is wrong.
    const warned = logs.warned();
    expect(warned.map((l) => l["limit"])).toContain("code-entry-ip");
    expect(warned).toEqual(warned.map(() => expect.objectContaining({ level: "warn", event: "limiter_unavailable", fallback: "isolate" })));
  });

  it("verification state unreadable → a clear 503 page, and no flow is started", async () => {
    const logs = captureLogs();
    const flow = await startDevice(w);
    const b = browser(w, { env: { KV: kvFailingFor("flow") } });
    const p = await codeAttempt(b, flow.user_code);
    expect(p.status).toBe(503);
    expect(p.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(text(p.html)).toContain("Temporarily unavailable");
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "verification_state_kv_failure",
        route: "/device",
        detail: expect.stringMatching(/^load verification state: /),
      }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device", outcome: "unavailable", detail: "state storage" }),
    ]);
  });

  it("a signed-in session that cannot be saved fails closed too", async () => {
    const logs = captureLogs();
    const broken = browser(w, { env: { KV: kvFailingFor("signIn") } });
    await atConfirm(w, broken);
    await broken.submit("/device/confirm", {});
    const failed = await broken.post("/device/sign-in", DEMO);
    expect(failed.status).toBe(503);
    expect(broken.jar.has("__Host-device-signin")).toBe(false);
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "verification_state_kv_failure",
        route: "/device/sign-in",
        detail: expect.stringMatching(/^save sign-in session: /),
      }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device/sign-in", outcome: "unavailable", detail: "state storage" }),
    ]);
  });
});
