import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenCalls } from "../support/browser";
import { basic, grants, nextIp, resetEmulator, seenRequests, unreachableBudgets, unreachableGrants, withClock } from "../support/helpers";
import { captureLogs } from "../support/logs";

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

  it("per client_id, whatever the address, for a client that authenticates", async () => {
    // The budgets are shared by this file's tests: start in a window of our own.
    const w = withClock(Date.now() + 86_400_000);
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "2/600" };
    const honest = { Authorization: basic("demo-confidential", "demo-secret") };
    const ask = (ip: string) => w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": ip, ...honest }, over);
    expect((await ask("192.0.2.10")).status).toBe(200);
    expect((await ask("192.0.2.11")).status).toBe(200);
    expect((await ask("192.0.2.12")).status).toBe(429);
    const post = { client_id: "demo-post", client_secret: "demo-post-secret", scope: "openid" };
    expect((await w.postForm("/device_authorization", post, { "CF-Connecting-IP": "192.0.2.12" }, over)).status).toBe(200);
  });

  it("a public client, which anyone can name, is counted per network: one network cannot spend it for the others", async () => {
    const w = withClock(Date.now() + 2 * 86_400_000);
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "2/600" };
    const [a, b] = [nextIp(), nextIp()];
    expect([(await authorize(w, a, over)).status, (await authorize(w, a, over)).status, (await authorize(w, a, over)).status]).toEqual([200, 200, 429]);
    expect((await authorize(w, b, over)).status).toBe(200);
  });

  it("requests Authlete refuses before authenticating the client (a duplicated parameter) do not spend its budget, with or without a secret", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const w = withClock(Date.now() + 3 * 86_400_000);
    const over = { LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "40/600" };
    const duplicated = "client_id=demo-confidential&scope=openid&scope=openid";
    const wrongSecret = { Authorization: basic("demo-confidential", "not-the-secret") };
    const [a, b] = [nextIp(), nextIp()];
    const sent = [];
    for (let i = 0; i < 20; i++) {
      sent.push((await w.postForm("/device_authorization", duplicated, { "CF-Connecting-IP": i % 2 ? a : b }, over)).status);
      sent.push((await w.postForm("/device_authorization", duplicated, { "CF-Connecting-IP": i % 2 ? b : a, ...wrongSecret }, over)).status);
    }
    expect(sent).toEqual(Array(40).fill(400));
    const honest = { Authorization: basic("demo-confidential", "demo-secret") };
    const res = await w.postForm("/device_authorization", { scope: "openid" }, { "CF-Connecting-IP": nextIp(), ...honest }, over);
    expect(res.status).toBe(200);
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

  it("records the device's request in the grant's object, under hashed names only", async () => {
    const w = withClock();
    const res = await authorize(w, "192.0.2.20", {}, { client_id: "demo-device" });
    const { device_code, user_code } = (await res.json()) as { device_code: string; user_code: string };
    // In the grant's Durable Object, named from keyed hashes of the codes (grant/store.ts); nothing in KV.
    expect(await grants().lookup(user_code, w.clock.now)).toMatchObject({ device: { ip: "192.0.2.20", requestedAt: w.clock.now }, clientId: 1001 });
    const keys = (await env.KV.list()).keys.map((k) => k.name).join("\n");
    expect(keys).not.toContain(device_code);
    expect(keys).not.toContain(user_code);
    expect(keys).not.toContain("192.0.2.20");
  });
});

describe("when the Durable Objects fail, the device-side budgets and polling control fail open", () => {
  it("device authorization and polling are still served (the poll by Authlete), and the failure is logged", async () => {
    const logs = captureLogs();
    const w = withClock();
    const outage = { GRANTS: unreachableGrants(), BUDGETS: unreachableBudgets() };
    const res = await w.postForm("/device_authorization", { client_id: "demo-device" }, {}, outage);
    expect(res.status).toBe(200);
    const { device_code } = (await res.json()) as { device_code: string };
    const before = await tokenCalls();
    const polled = await w.postForm(
      "/token",
      { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code, client_id: "demo-device" },
      {},
      outage,
    );
    expect((await polled.json()) as object).toMatchObject({ error: "authorization_pending" });
    expect(await tokenCalls()).toBe(before + 1);
    const lines = logs.lines.filter((l) => l.level === "warn");
    expect(lines.map((l) => l["event"])).toContain("limiter_unavailable");
    expect(lines.filter((l) => l["event"] === "grant_unavailable").map((l) => l["op"])).toEqual(["issue", "poll"]);
  });
});
