import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nextIp, resetEmulator, seenRequests, storageKey, unreachableBudgets, withClock } from "../support/helpers";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const authorize = (w: ReturnType<typeof withClock>, ip: string, over = {}, form = { client_id: "demo-device" }) =>
  w.postForm("/device_authorization", form, { "CF-Connecting-IP": ip }, over);

describe("device authorization requests are budgeted at the edge", () => {
  it("per IP: past the budget → 429 with Retry-After and an OAuth body, no Authlete call; the window resets", async () => {
    const w = withClock();
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_IP: "2/60" };
    expect((await authorize(w, "192.0.2.1", over)).status).toBe(200);
    expect((await authorize(w, "192.0.2.1", over)).status).toBe(200);
    const before = (await seenRequests()).length;
    const res = await authorize(w, "192.0.2.1", over);
    expect(res.status).toBe(429);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await res.json()) as object).toMatchObject({ error: "invalid_request" });
    expect((await seenRequests()).length).toBe(before);
    // Another address is unaffected; the same one is served again in the next window.
    expect((await authorize(w, "192.0.2.2", over)).status).toBe(200);
    w.clock.advance(60_000);
    expect((await authorize(w, "192.0.2.1", over)).status).toBe(200);
  });

  it("per client_id, whatever the address", async () => {
    // KV is shared by this file's tests: start in a window of our own.
    const w = withClock(Date.now() + 86_400_000);
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "2/600" };
    expect((await authorize(w, "192.0.2.10", over)).status).toBe(200);
    expect((await authorize(w, "192.0.2.11", over)).status).toBe(200);
    expect((await authorize(w, "192.0.2.12", over)).status).toBe(429);
    expect((await authorize(w, "192.0.2.12", over, { client_id: "demo-post" })).status).not.toBe(429);
  });

  it("one source cannot spend a client's budget: refused and unauthenticated requests do not count against the client", async () => {
    const w = withClock();
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_IP: "2/600", LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "3/600" };
    const wrongSecret = { Authorization: `Basic ${btoa("demo-confidential:not-the-secret")}` };
    const attacker = nextIp();
    const sent = [];
    for (let i = 0; i < 10; i++)
      sent.push((await w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": attacker, ...wrongSecret }, over)).status);
    // The address budget refuses the rest before the client's budget is even consulted.
    expect(sent).toEqual([401, 401, ...Array(8).fill(429)]);
    // Failed client authentication from many addresses does not count either.
    for (let i = 0; i < 5; i++)
      expect((await w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": nextIp(), ...wrongSecret }, over)).status).toBe(401);
    const honest = { Authorization: `Basic ${btoa("demo-confidential:demo-secret")}` };
    for (let i = 0; i < 3; i++)
      expect((await w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": nextIp(), ...honest }, over)).status).toBe(200);
    // The client's own use does count.
    expect((await w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": nextIp(), ...honest }, over)).status).toBe(429);
  });

  it("records the device's request under hashed keys only", async () => {
    const w = withClock();
    const res = await authorize(w, "192.0.2.20", {}, { client_id: "demo-device" });
    const { device_code, user_code } = (await res.json()) as { device_code: string; user_code: string };
    const poll = await env.KV.get(await storageKey("poll", device_code), "json");
    expect(poll).toMatchObject({ interval: 5, lastAcceptedAt: null });
    expect(await env.KV.get(await storageKey("device", user_code), "json")).toMatchObject({ ip: "192.0.2.20", requestedAt: w.clock.now });
    const keys = (await env.KV.list()).keys.map((k) => k.name).join("\n");
    expect(keys).not.toContain(device_code);
    expect(keys).not.toContain(user_code);
    expect(keys).not.toContain("192.0.2.20");
  });
});

describe("when KV and the Durable Objects fail, the device-side budgets and polling control fail open", () => {
  it("device authorization and polling are still served, and the failure is logged", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = new Proxy(env.KV, {
      get(target, prop) {
        if (prop === "get" || prop === "put" || prop === "delete") return () => Promise.reject(new Error("KV unavailable"));
        return Reflect.get(target, prop);
      },
    });
    const w = withClock();
    const outage = { KV: broken, BUDGETS: unreachableBudgets() };
    const res = await w.postForm("/device_authorization", { client_id: "demo-device" }, {}, outage);
    expect(res.status).toBe(200);
    const { device_code } = (await res.json()) as { device_code: string };
    const polled = await w.postForm(
      "/token",
      { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code, client_id: "demo-device" },
      {},
      outage,
    );
    expect((await polled.json()) as object).toMatchObject({ error: "authorization_pending" });
    const events = warn.mock.calls.map((c) => JSON.parse(String(c[0])).event);
    expect(events).toContain("limiter_unavailable");
    expect(events).toContain("polling_kv_failure");
  });
});
