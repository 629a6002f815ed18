import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { atConfirm, browser, calls, DEMO, nextIp, startDevice } from "../support/browser";
import { bind, control, resetEmulator, seenRequests } from "../support/helpers";

/**
 * Budgets under real concurrency: hundreds of attempts sent at once, as an attacker would.
 * A check-then-count budget lets them all pass the check before any is counted; these tests
 * count what reached Authlete (the emulator's request log) or the password check.
 */
beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
// Hundreds of info lines (one decision each), which the run would drop anyway. None of these
// tests provokes a warning: one that appears is news, and shows.
const quiet = () => vi.spyOn(console, "log").mockImplementation(() => {});
const statuses = (xs: { status: number }[]) => {
  const counts: Record<number, number> = {};
  for (const x of xs) counts[x.status] = (counts[x.status] ?? 0) + 1;
  return counts;
};

// Hundreds of requests at once through one workerd: on a loaded two-core machine they take
// several seconds, which is not what these tests judge, so they get more than the default 5 s.
describe("budgets that hold under concurrency", { timeout: 30_000 }, () => {
  it("200 wrong user codes at once from one address (budget 10/900): at most 10 reach Authlete", async () => {
    quiet();
    const ip = nextIp();
    const browsers = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const b = browser(w, { ip });
        await b.get("/device");
        return b;
      }),
    );
    await control("requests");
    const answers = await Promise.all(browsers.map((b, i) => b.post("/device", { user_code: `BCDF${"GHJKLMNPQRSTVWXZ"[i % 16]}BCD` })));
    const reached = (await calls("device/verification")).length;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(10);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(190);
  });

  it("59 wrong passwords and the right one at once (budgets 5 per user and address, 20 per address): at most 5 are checked", async () => {
    quiet();
    const b = browser(w);
    await atConfirm(w, b);
    await b.submit("/device/confirm", {});
    const attempts = Array.from({ length: 60 }, (_, i) => (i === 30 ? DEMO : { username: "demo", password: `wrong-${i}` }));
    const answers = await Promise.all(attempts.map((form) => b.post("/device/sign-in", form)));
    const checked = answers.filter((a) => a.status !== 429);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(55);
  });

  it("150 unknown device codes at once from one address (budget 20/600): at most 20 reach Authlete", async () => {
    quiet();
    const ip = nextIp();
    await control("requests");
    const answers = await Promise.all(
      Array.from({ length: 150 }, () =>
        w.postForm(
          "/token",
          { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: crypto.randomUUID(), client_id: "demo-device" },
          { "CF-Connecting-IP": ip },
        ),
      ),
    );
    const reached = (await seenRequests()).filter((r) => r.path.endsWith("/auth/token")).length;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(20);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(130);
  });
});

describe("IPv6: one /64 is one subscriber, so one budget", () => {
  it("twelve addresses inside one /64 share the code-entry budget of one address", async () => {
    quiet();
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
    const answers = [];
    for (let i = 1; i <= 12; i++) {
      const b = browser(w, { ip: `${net}::${i.toString(16)}`, env: { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "10/900" } });
      await b.get("/device");
      answers.push((await b.post("/device", { user_code: "BCDFBCDF" })).status);
    }
    expect(answers).toEqual([...Array(10).fill(400), 429, 429]);
    // Another /64 is another subscriber.
    const other = browser(w, { ip: `2001:db8:ffff:8::1`, env: { LIMIT_CODE_ENTRY_FAILURES_PER_IP: "10/900" } });
    await other.get("/device");
    expect((await other.post("/device", { user_code: "BCDFBCDF" })).status).toBe(400);
  });
});

describe("IPv6: budgets hold across a prefix, not only a /64", { timeout: 30_000 }, () => {
  /** A /48 nobody else uses ("3fff:x:y"), and its i-th /64, each in a /56 of its own unless `sameSlash56`. */
  const slash48 = () => nextIp().slice(0, -"::1".length);
  const slash64 = (p48: string, i: number, sameSlash56 = false) => `${p48}:${(sameSlash56 ? i : i << 8).toString(16)}::1`;
  const wrongCode = (i: number) => `BCDF${"GHJKLMNPQRSTVWXZ"[i % 16]}${"BCDFGHJKLMNPQRST"[(i >> 4) % 16]}BC`;

  it("60 /64s of one /48, 3 wrong codes each at once (3 per /64, 18 per /48): at most 18 reach Authlete, not 180", async () => {
    quiet();
    const p48 = slash48();
    const limits = {
      LIMIT_CODE_ENTRY_FAILURES_PER_IP: "3/900",
      LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_56: "9/900",
      LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_48: "18/900",
    };
    const browsers = await Promise.all(
      Array.from({ length: 180 }, async (_, i) => {
        const b = browser(w, { ip: slash64(p48, i % 60), env: limits });
        await b.get("/device");
        return b;
      }),
    );
    await control("requests");
    const answers = await Promise.all(browsers.map((b, i) => b.post("/device", { user_code: wrongCode(i) })));
    const reached = (await calls("device/verification")).length;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(18);
    expect(statuses(answers)[429]).toBeGreaterThanOrEqual(162);
    // Another /48 is another household: untouched.
    expect((await codeAttemptAt(nextIp(), limits)).status).toBe(400);
  });

  async function codeAttemptAt(ip: string, env: Record<string, string>) {
    const b = browser(w, { ip, env });
    await b.get("/device");
    return b.post("/device", { user_code: "BCDFBCDF" });
  }

  it("the /64s of one /56 share three times one /64's code-entry budget (the defaults' ratio)", async () => {
    quiet();
    const p48 = slash48();
    const limits = {
      LIMIT_CODE_ENTRY_FAILURES_PER_IP: "2/900",
      LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_56: "6/900",
      LIMIT_CODE_ENTRY_FAILURES_PER_IPV6_48: "12/900",
    };
    const answers = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) answers.push((await codeAttemptAt(slash64(p48, i, true), limits)).status);
    expect(answers).toEqual([400, 400, 400, 400, 400, 400, 429, 429]);
    // A /64 in another /56 of the same /48 still has its own budget, within the /48's.
    expect((await codeAttemptAt(slash64(p48, 1), limits)).status).toBe(400);
  });

  it("sign-in failures, unknown device codes and device authorization requests are budgeted per /48 too", async () => {
    quiet();
    // Sign-in: a spray over usernames from 6 /64s of one /48 (4 failures per /48).
    const signIns = slash48();
    const signInLimits = { LIMIT_SIGN_IN_FAILURES_PER_IP: "2/900", LIMIT_SIGN_IN_FAILURES_PER_IPV6_56: "2/900", LIMIT_SIGN_IN_FAILURES_PER_IPV6_48: "4/900" };
    const sprayed = [];
    for (let i = 0; i < 6; i++) {
      const b = browser(w, { ip: slash64(signIns, i), env: signInLimits });
      await atConfirm(w, b);
      await b.submit("/device/confirm", {});
      sprayed.push((await b.post("/device/sign-in", { username: `user-${i}`, password: "guess" })).status);
    }
    expect(sprayed).toEqual([401, 401, 401, 401, 429, 429]);

    // Unknown device codes: 8 /64s of one /48, one guess each (5 per /48).
    const polls = slash48();
    const pollLimits = { LIMIT_UNKNOWN_DEVICE_CODE_PER_IPV6_56: "5/600", LIMIT_UNKNOWN_DEVICE_CODE_PER_IPV6_48: "5/600" };
    const guessed = [];
    for (let i = 0; i < 8; i++) {
      const form = { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: crypto.randomUUID(), client_id: "demo-device" };
      guessed.push((await w.postForm("/token", form, { "CF-Connecting-IP": slash64(polls, i) }, pollLimits)).status);
    }
    expect(guessed).toEqual([400, 400, 400, 400, 400, 429, 429, 429]);

    // Device authorization: 8 /64s of one /48, one request each (every request counts; 5 per /48).
    const devices = slash48();
    const daLimits = { LIMIT_DEVICE_AUTHORIZATION_PER_IPV6_56: "5/600", LIMIT_DEVICE_AUTHORIZATION_PER_IPV6_48: "5/600" };
    const asked = [];
    for (let i = 0; i < 8; i++)
      asked.push((await w.postForm("/device_authorization", { client_id: "demo-device" }, { "CF-Connecting-IP": slash64(devices, i) }, daLimits)).status);
    expect(asked).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });
});

describe("a global rate of failed code entries", () => {
  it("crossing it logs one alert line, and refuses nobody", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const env = { LIMIT_CODE_ENTRY_FAILURES_GLOBAL: `3/${600 + Math.floor(Math.random() * 1000)}` };
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const b = browser(w, { env });
      await b.get("/device");
      answers.push((await b.post("/device", { user_code: "BCDFBCDF" })).status);
    }
    expect(answers).toEqual(Array(6).fill(400));
    const alerts = errors.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "code_entry_failures_alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ level: "error", budget: expect.stringMatching(/^3\/\d+$/) });
    const flow = await startDevice(w);
    const b = browser(w, { env });
    await b.get("/device");
    expect((await b.post("/device", { user_code: flow.user_code })).status).toBe(303);
  });
});
