import { env } from "cloudflare:test";
import * as client from "openid-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ARRIVAL_TOLERANCE_MS, decide, type PollRecord } from "../../src/protection/polling";
import { complete, control, ORIGIN, resetEmulator, seenRequests, withClock } from "../support/helpers";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const tokenCalls = async () => (await seenRequests()).filter((r) => r.path.endsWith("/auth/token")).length;
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

describe("decide(): the polling rule, step by step (RFC 8628 §3.5)", () => {
  const rec: PollRecord = { interval: 5, expiresAt: 1e12, lastAcceptedAt: null };
  it("the first poll is never throttled", () => {
    expect(decide(rec, 0, 60)).toEqual({ accept: true, record: { ...rec, lastAcceptedAt: 0 } });
  });
  it("too-early polls in a row each add 5 s and never move the last accepted stamp", () => {
    let r: PollRecord = { ...rec, lastAcceptedAt: 0 };
    for (const [t, interval] of [
      [1000, 10],
      [2000, 15],
      [3000, 20],
    ] as const) {
      const d = decide(r, t, 60);
      expect(d.accept).toBe(false);
      expect(d.record).toEqual({ ...r, interval });
      r = d.record;
    }
  });
  it("a client that waits the current interval is always accepted", () => {
    const r: PollRecord = { ...rec, interval: 20, lastAcceptedAt: 0 };
    expect(decide(r, 20_000, 60).accept).toBe(true);
    expect(decide(r, 20_000 - ARRIVAL_TOLERANCE_MS, 60).accept).toBe(true);
    expect(decide(r, 19_000, 60).accept).toBe(false);
  });
  it("the interval is capped", () => {
    expect(decide({ ...rec, interval: 58, lastAcceptedAt: 0 }, 1, 60).record.interval).toBe(60);
    expect(decide({ ...rec, interval: 60, lastAcceptedAt: 0 }, 1, 60).record.interval).toBe(60);
  });
});

describe("polling control at the token endpoint, in the Workers runtime with real KV", () => {
  it("first poll → Authlete; too-early polls → slow_down at the edge with the new interval; compliant poll → Authlete", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    expect(flow.interval).toBe(5);
    await control("requests");

    expect((await json(await w.poll(flow.device_code))).error).toBe("authorization_pending");
    w.clock.advance(1000);
    const early = await w.poll(flow.device_code);
    expect(early.status).toBe(400);
    expect(early.headers.get("Cache-Control")).toBe("no-store");
    expect(await json(early)).toMatchObject({ error: "slow_down", interval: 10 });
    w.clock.advance(1000);
    expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "slow_down", interval: 15 });
    expect(await tokenCalls()).toBe(1);

    // Waiting the current interval (15 s from the last accepted poll) is always enough.
    w.clock.advance(13_000);
    expect((await json(await w.poll(flow.device_code))).error).toBe("authorization_pending");
    expect(await tokenCalls()).toBe(2);
    // The grown interval persists: 5 s is now too early.
    w.clock.advance(5_000);
    expect((await json(await w.poll(flow.device_code))).error).toBe("slow_down");
  });

  it("a client polling every second for a minute causes at most one Authlete call per accepted interval", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    await control("requests");
    let accepted = 0;
    for (let s = 0; s < 60; s++) {
      const body = await json(await w.poll(flow.device_code));
      if (body.error !== "slow_down") accepted++;
      w.clock.advance(1000);
    }
    const calls = await tokenCalls();
    expect(calls).toBe(accepted);
    // Intervals grow 5, 10, 15...: at most a handful of polls in a minute reach Authlete.
    expect(calls).toBeLessThanOrEqual(3);
    expect(calls).toBeGreaterThanOrEqual(1);
  });

  it("a client hammering at the interval cap is refused from this isolate's memory: no KV read or write", async () => {
    const ops: string[] = [];
    const counted = new Proxy(env.KV, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          ops.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const w = withClock();
    const over = { KV: counted, POLL_MAX_INTERVAL_SECONDS: "10" };
    const flow = (await (await w.postForm("/device_authorization", { client_id: "demo-device" }, {}, over)).json()) as { device_code: string };
    const poll = () =>
      w.postForm("/token", { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: flow.device_code, client_id: "demo-device" }, {}, over);
    await poll(); // accepted
    expect(await json(await poll())).toMatchObject({ error: "slow_down", interval: 10 }); // reaches the cap
    ops.length = 0;
    for (let i = 0; i < 5; i++) expect(await json(await poll())).toMatchObject({ error: "slow_down", interval: 10 });
    expect(ops).toEqual([]);
  });

  it("terminal outcomes delete the record: after tokens, a replay goes to Authlete and gets invalid_grant", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    await complete(flow.user_code, "AUTHORIZED");
    expect((await w.poll(flow.device_code)).status).toBe(200);
    // Immediately again: no record, so no slow_down; Authlete says the code is spent.
    expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "invalid_grant" });
  });

  it.each([
    ["ACCESS_DENIED", "access_denied"],
    ["TRANSACTION_FAILED", "expired_token"],
  ] as const)("%s ends polling with %s", async (result, error) => {
    const w = withClock();
    const flow = await w.startFlow();
    await complete(flow.user_code, result);
    expect((await json(await w.poll(flow.device_code))).error).toBe(error);
    expect((await json(await w.poll(flow.device_code))).error).not.toBe("slow_down");
  });

  it("unknown device codes are counted per CF-Connecting-IP; past the budget → 429 without an Authlete call", async () => {
    const w = withClock();
    const over = { LIMIT_UNKNOWN_DEVICE_CODE_PER_IP: "3/600" };
    const guess = (ip: string, extra: Record<string, string> = {}) =>
      w.postForm(
        "/token",
        { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: crypto.randomUUID(), client_id: "demo-device" },
        { "CF-Connecting-IP": ip, ...extra },
        over,
      );
    for (let i = 0; i < 3; i++) expect((await json(await guess("203.0.113.9"))).error).toBe("invalid_grant");
    await control("requests");
    const blocked = await guess("203.0.113.9", { "X-Forwarded-For": "198.51.100.1" });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await json(blocked)).toMatchObject({ error: "invalid_request" });
    expect(await tokenCalls()).toBe(0);
    // A spoofed X-Forwarded-For does not pick the bucket; another real address is unaffected.
    expect((await guess("203.0.113.10")).status).toBe(400);
    w.clock.advance(600_000);
    expect((await guess("203.0.113.9")).status).toBe(400);
  });

  it("openid-client's polling (which honours slow_down) still reaches its tokens", async () => {
    // Real sleeps here: openid-client waits `interval` (1 s), then interval + 5 after slow_down.
    await control("service", { deviceFlowPollingInterval: 1 });
    const w = withClock();
    const outcomes: string[] = [];
    let stamp = 0;
    let userCode = "";
    const config = await client.discovery(new URL(ORIGIN), "demo-device", undefined, client.None(), {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: async (url, options) => {
        const isPoll = url.endsWith("/token");
        // The edge sees real time, except that openid-client's first poll is made to look
        // too early (as if it had raced another poll), which must cost it one slow_down only.
        w.clock.now = isPoll && outcomes.length === 0 ? stamp : Date.now();
        const res = await w.worker(url, options as RequestInit);
        if (isPoll) {
          const body = (await res.clone().json()) as { error?: string };
          outcomes.push(body.error ?? "tokens");
          if (body.error === "slow_down") await complete(userCode, "AUTHORIZED");
        }
        return res;
      },
    });
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid" });
    userCode = da.user_code;
    stamp = w.clock.now = Date.now();
    expect((await json(await w.poll(da.device_code))).error).toBe("authorization_pending");

    const tokens = await client.pollDeviceAuthorizationGrant(config, da, undefined, { signal: AbortSignal.timeout(20_000) });
    expect(outcomes).toEqual(["slow_down", "tokens"]);
    expect(tokens.access_token).toBeTruthy();
  }, 30_000);
});
