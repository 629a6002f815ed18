import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { atConfirm, browser, DEMO, nextIp, text } from "../support/browser";
import { bind, type Overrides, resetEmulator } from "../support/helpers";

/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a stranger's
 * wrong passwords, from however many networks, must not lock a user out of a browser they have
 * signed in with before. Unknown browsers still meet the per-username budget.
 */
beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
const DEVICE_COOKIE = "__Host-device-known";

type Browser = ReturnType<typeof browser>;

/** A fresh flow in this browser, at the sign-in step; its session cookies dropped first, as when the browser is restarted. */
async function atSignIn(b: Browser) {
  b.jar.delete("__Host-device-signin");
  b.jar.delete("__Host-device-flow");
  await atConfirm(w, b);
  const page = await b.submit("/device/confirm", {});
  if (!page.html.includes('action="/device/sign-in"')) throw new Error(`not on the sign-in page: ${page.status} ${text(page.html)}`);
}

const signsIn = async (b: Browser, form = DEMO) => {
  const page = await b.submit("/device/sign-in", form);
  return page.html.includes('action="/device/consent"') ? "signed in" : page.status;
};

/** Budgets of this test's own (the window makes the buckets its own), so no other test's failures for demo count. */
const own = (extra: Overrides = {}): Overrides => ({ LIMIT_SIGN_IN_FAILURES_PER_USER: `30/${3000 + Math.floor(Math.random() * 600)}`, ...extra });

// Dozens of sign-ins (a PBKDF2 check each) take seconds on a loaded two-core machine; their time is not what these tests judge.
describe("a stranger cannot lock a user out of their own browser", { timeout: 30_000 }, () => {
  it("30 wrong passwords for demo from 2 IPv4 addresses and 4 /64s of one /48: the user's own browser signs in, the attacker's browsers do not", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const limits = own();
    const owner = browser(w, { env: limits });
    await atSignIn(owner);
    expect(await signsIn(owner)).toBe("signed in");

    const p48 = nextIp().slice(0, -"::1".length);
    const attackers = ["192.0.2.71", "192.0.2.72", ...[1, 2, 3, 4].map((i) => `${p48}:${i.toString(16)}::1`)];
    const failed = [];
    for (const ip of attackers) {
      const b = browser(w, { ip, env: limits });
      await atSignIn(b);
      for (let i = 0; i < 5; i++) failed.push((await b.post("/device/sign-in", { username: "demo", password: `guess-${ip}-${i}` })).status);
    }
    expect(failed).toEqual(Array(30).fill(401));

    // The per-username budget is spent: a browser that never signed in as demo is refused, even with the right password.
    const stranger = browser(w, { ip: "192.0.2.73", env: limits });
    await atSignIn(stranger);
    expect(await signsIn(stranger)).toBe(429);
    expect(stranger.jar.has(DEVICE_COOKIE)).toBe(false);

    // The owner's browser, from an unrelated address, mistypes once and then signs in.
    await atSignIn(owner);
    expect((await owner.post("/device/sign-in", { username: "demo", password: "typo" })).status).toBe(401);
    expect(await signsIn(owner)).toBe("signed in");

    // A tampered copy of the owner's cookie is no cookie at all.
    const copier = browser(w, { env: limits });
    await atSignIn(copier);
    copier.jar.set(DEVICE_COOKIE, `${owner.jar.get(DEVICE_COOKIE)!.slice(0, -2)}AA`);
    expect(await signsIn(copier)).toBe(429);
  });

  it("a device cookie that itself fails too often is locked out on its own; the user's other browsers are not", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const limits = own({ LIMIT_SIGN_IN_FAILURES_PER_DEVICE: "2/900" });
    const [laptop, phone] = [browser(w, { env: limits }), browser(w, { env: limits })];
    for (const b of [laptop, phone]) {
      await atSignIn(b);
      expect(await signsIn(b)).toBe("signed in");
    }
    await atSignIn(laptop);
    for (let i = 0; i < 2; i++) expect((await laptop.post("/device/sign-in", { username: "demo", password: `guess-${i}` })).status).toBe(401);
    const paused = await laptop.post("/device/sign-in", DEMO);
    expect(paused.status).toBe(429);
    expect(text(paused.html)).toContain("signing in is paused");
    await atSignIn(phone);
    expect(await signsIn(phone)).toBe("signed in");
  });

  it("the cookie: __Host-, HttpOnly, Secure, SameSite=Strict, long-lived; bound to the username, never naming it; a fresh one at each sign-in", async () => {
    const b = browser(w, { env: own() });
    await atSignIn(b);
    const res = await b.post("/device/sign-in", DEMO);
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`))!;
    expect(set).toMatch(/; Max-Age=15552000; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const first = b.jar.get(DEVICE_COOKIE)!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(first.toLowerCase()).not.toContain("demo");
    await atSignIn(b);
    expect(await signsIn(b)).toBe("signed in");
    expect(b.jar.get(DEVICE_COOKIE)).not.toBe(first);
    expect(b.jar.get(DEVICE_COOKIE)!.split("~")).toHaveLength(1);
  });

  it("a cookie for another username, forged or from another secret counts for nothing: the per-username budget applies", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const limits = own({ LIMIT_SIGN_IN_FAILURES_PER_USER: `1/${3000 + Math.floor(Math.random() * 600)}` });
    const owner = browser(w, { env: limits });
    await atSignIn(owner);
    expect(await signsIn(owner)).toBe("signed in");
    const genuine = owner.jar.get(DEVICE_COOKIE)!;
    // Under another EDGE_SECRET (another deployment, or after a rotation) the cookie is no one's: demo's budget, spent, applies.
    const rotated = { ...limits, EDGE_SECRET: `another-secret-${crypto.randomUUID()}` };
    for (const [b, form] of [
      [browser(w, { env: rotated }), { username: "demo", password: "guess" }],
      [browser(w, { env: rotated }), DEMO],
    ] as const) {
      await atSignIn(b);
      b.jar.set(DEVICE_COOKIE, genuine);
      expect((await b.post("/device/sign-in", form)).status).toBe(form === DEMO ? 429 : 401);
    }
    // Under the right secret, the cookie sent with another username is no device of that user's: alice's budget, spent, applies.
    const alice = `alice-${crypto.randomUUID()}`;
    const spender = browser(w, { env: limits });
    await atSignIn(spender);
    expect((await spender.post("/device/sign-in", { username: alice, password: "x" })).status).toBe(401);
    const elsewhere = browser(w, { env: limits });
    await atSignIn(elsewhere);
    elsewhere.jar.set(DEVICE_COOKIE, genuine);
    expect((await elsewhere.post("/device/sign-in", { username: alice, password: "x" })).status).toBe(429);
    // …and it is still demo's.
    expect(await signsIn(elsewhere)).toBe("signed in");
  });
});
