import { env } from "cloudflare:test";
import * as client from "openid-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type GrantInit, type GrantState, issue, poll as pollGrant, recordDecision } from "../../src/grant/record";
import { ARRIVAL_TOLERANCE_MS, decide, type PollRecord } from "../../src/protection/polling";
import { atConfirm, atConsent, browser, tokenCalls } from "../support/browser";
import { complete, control, DEVICE_GRANT, ORIGIN, relay, resetEmulator, twoPlaces, unreachableGrants, withClock } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

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

describe("the grant's poll rule: slow_down first, then pending at the edge only when sure", () => {
  const init: GrantInit = {
    device: {
      ip: "192.0.2.1",
      country: "DE",
      region: null,
      city: null,
      asn: null,
      asOrganization: null,
      latitude: null,
      longitude: null,
      colo: null,
      userAgent: null,
      requestedAt: 0,
    },
    clientId: 1001,
    client: "fingerprint",
    interval: 5,
    expiresIn: 600,
  };
  const rules = { maxIntervalSeconds: 60, passThroughSeconds: 60 };
  const step = (s: GrantState, t: number, client = "fingerprint") => pollGrant(s, t * 1000, rules, client);

  it("undecided and recently passed → pending; every 60 s from creation → pass; too early → slow_down as decide() says", () => {
    let s = issue(init, 0);
    const kinds: string[] = [];
    for (const t of [0.5, 5.5, 6, 15.5, 60.5, 70.5, 120.5]) {
      const r = step(s, t);
      kinds.push(r.answer.kind);
      s = r.state;
    }
    expect(kinds).toEqual(["pending", "pending", "slow_down", "pending", "pass", "pending", "pass"]);
  });

  it("a decision, expiry or another client's credentials → pass; POLL_PASS_THROUGH_SECONDS=0 → every accepted poll passes", () => {
    const s = issue(init, 0);
    expect(step(recordDecision(s, "approved", 1000), 5.5).answer).toMatchObject({ kind: "pass", why: "decided" });
    expect(step(s, 600).answer).toMatchObject({ kind: "pass", why: "expired" });
    expect(step(s, 0.5, "someone else").answer).toMatchObject({ kind: "pass", why: "other_client" });
    expect(pollGrant(s, 500, { ...rules, passThroughSeconds: 0 }, "fingerprint").answer).toMatchObject({ kind: "pass", why: "due" });
    // The first decision stands; a refusal at the cap returns the very same state (nothing to write).
    expect(recordDecision(recordDecision(s, "denied", 1), "approved", 2).decision).toEqual({ outcome: "denied", at: 1 });
    const capped = { ...s, poll: { ...s.poll, interval: 60, lastAcceptedAt: 0 } };
    expect(step(capped, 1).state).toBe(capped);
  });
});

const tokenPoll = (deviceCode: string) => ({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: "demo-device" });

describe("the slow_down table at the token endpoint, every compliant poll passing through (POLL_PASS_THROUGH_SECONDS=0)", () => {
  const PASS_THROUGH = { POLL_PASS_THROUGH_SECONDS: "0" };

  it("first poll → Authlete; too-early polls → slow_down at the edge with the new interval; compliant poll → Authlete", async () => {
    const w = withClock(Date.now(), PASS_THROUGH);
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
    const w = withClock(Date.now(), PASS_THROUGH);
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

  it("a client hammering at the interval cap is refused from this isolate's memory: no Durable Object or KV call", async () => {
    const ops: string[] = [];
    const counting = <T extends object>(target: T, name: string): T =>
      new Proxy(target, {
        get(t, prop) {
          const v = Reflect.get(t, prop);
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            ops.push(`${name}.${String(prop)}`);
            const out = Reflect.apply(v as (...a: unknown[]) => unknown, t, args);
            return prop === "getByName" ? counting(out as object, "grant") : out;
          };
        },
      });
    const w = withClock(Date.now(), PASS_THROUGH);
    const over = { KV: counting(env.KV, "kv"), GRANTS: counting(env.GRANTS, "grants"), POLL_MAX_INTERVAL_SECONDS: "10" };
    const flow = (await (await w.postForm("/device_authorization", { client_id: "demo-device" }, {}, over)).json()) as { device_code: string };
    const poll = () => w.postForm("/token", tokenPoll(flow.device_code), {}, over);
    await poll(); // accepted
    expect(await json(await poll())).toMatchObject({ error: "slow_down", interval: 10 }); // reaches the cap
    ops.length = 0;
    for (let i = 0; i < 5; i++) expect(await json(await poll())).toMatchObject({ error: "slow_down", interval: 10 });
    expect(ops).toEqual([]);
  });

  it("terminal outcomes end the grant: after tokens, a replay goes to Authlete and gets invalid_grant", async () => {
    const flow = await relay.startFlow();
    await complete(flow.user_code, "AUTHORIZED");
    expect((await relay.poll(flow.device_code)).status).toBe(200);
    // Immediately again: no grant, so no slow_down; Authlete says the code is spent.
    expect(await json(await relay.poll(flow.device_code))).toMatchObject({ error: "invalid_grant" });
  });

  it.each([
    ["ACCESS_DENIED", "access_denied"],
    ["TRANSACTION_FAILED", "expired_token"],
  ] as const)("%s ends polling with %s", async (result, error) => {
    const flow = await relay.startFlow();
    await complete(flow.user_code, result);
    expect((await json(await relay.poll(flow.device_code))).error).toBe(error);
    expect((await json(await relay.poll(flow.device_code))).error).not.toBe("slow_down");
  });

  it("unknown device codes are counted per CF-Connecting-IP; past the budget → 429 without an Authlete call", async () => {
    const w = withClock();
    const over = { LIMIT_UNKNOWN_DEVICE_CODE_PER_IP: "3/600" };
    const guess = (ip: string, extra: Record<string, string> = {}) =>
      w.postForm("/token", tokenPoll(crypto.randomUUID()), { "CF-Connecting-IP": ip, ...extra }, over);
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
    const w = withClock(Date.now(), PASS_THROUGH);
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

describe("pending answered at the edge: the grant's Durable Object (device in Frankfurt, person in Tokyo)", () => {
  it("an undecided grant's compliant polls get authorization_pending with no Authlete call, shaped and headed as Authlete's relayed one", async () => {
    const logs = captureLogs();
    const { device, clock } = twoPlaces();
    // One pending answer relayed from Authlete first: the edge repeats its wording.
    const viaAuthlete = await relay.poll((await relay.startFlow()).device_code);
    const flow = await device.startFlow();
    await control("requests");
    const answers: Response[] = [];
    for (let i = 0; i < 11; i++) {
      clock.advance(5_000);
      answers.push(await device.poll(flow.device_code));
    }
    expect(await tokenCalls()).toBe(0);
    for (const res of [answers[0]!, viaAuthlete]) expect(res.status).toBe(400);
    const headers = (r: Response) => ["Content-Type", "Cache-Control", "Pragma"].map((h) => r.headers.get(h));
    expect(headers(answers[0]!)).toEqual(headers(viaAuthlete));
    const [edge, authlete] = [await answers[0]!.text(), await viaAuthlete.text()];
    expect(edge).toBe(authlete);
    expect(JSON.parse(edge)).toMatchObject({ error: "authorization_pending" });
    const decisions = logs.lines.filter((l) => l.level === "info" && l["route"] === "/token");
    expect(decisions.slice(-11).map((l) => [l["outcome"], l["authlete"]])).toEqual(Array(11).fill(["authorization_pending_at_edge", false]));
  });

  it("tokens at the first poll after approval on the page in another location: one /auth/token call in all", async () => {
    const places = twoPlaces();
    const b = browser(places.browser);
    const { flow } = await atConsent(places.device, b);
    expect((await json(await places.device.poll(flow.device_code))).error).toBe("authorization_pending");
    await control("requests");
    await b.submit("/device/consent", { action: "approve" });
    places.clock.advance(5_000);
    const res = await places.device.poll(flow.device_code);
    expect(res.status).toBe(200);
    expect(await json(res)).toHaveProperty("access_token");
    expect(await tokenCalls()).toBe(1);
  });

  it.each([
    [
      "Deny on the consent page",
      "The authorization request was denied.",
      async (b: ReturnType<typeof browser>) => void (await b.submit("/device/consent", { action: "deny" })),
    ],
    [
      "Cancel on the confirm page",
      "The authorization request was denied.",
      async (b: ReturnType<typeof browser>) => void (await b.submit("/device/cancel", {})),
    ],
    ["I didn't start this", "The authorization request was denied.", async (b: ReturnType<typeof browser>) => void (await b.submit("/device/report", {}))],
  ])("%s is heard at the device's next poll, in the other location", async (label, description, act) => {
    // "I didn't start this" warns (the network goes on the watch list, phishing_reported); their content is proximity.test.ts's subject.
    const logs = captureLogs();
    const places = twoPlaces();
    const b = browser(places.browser);
    const { flow } = label.startsWith("Deny") ? await atConsent(places.device, b) : await atConfirm(places.device, b);
    await act(b);
    places.clock.advance(5_000);
    expect(await json(await places.device.poll(flow.device_code))).toMatchObject({ error: "access_denied", error_description: description });
    expect(logs.warned().map((l) => l.event)).toEqual(label === "I didn't start this" ? ["reported_network_listed", "phishing_reported"] : []);
  });

  it("a decision made at Authlete directly (not through this page) is heard within POLL_PASS_THROUGH_SECONDS", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    await control("requests");
    w.clock.advance(500);
    expect((await json(await w.poll(flow.device_code))).error).toBe("authorization_pending");
    await complete(flow.user_code, "AUTHORIZED");
    // Until 60 s after the codes were issued the edge does not know, and answers pending itself.
    for (let t = 5_500; t < 60_000; t += 5_000) {
      w.clock.now += 5_000;
      expect((await json(await w.poll(flow.device_code))).error).toBe("authorization_pending");
    }
    expect(await tokenCalls()).toBe(0);
    w.clock.advance(5_000);
    expect(await json(await w.poll(flow.device_code))).toHaveProperty("access_token");
    expect(await tokenCalls()).toBe(1);
  });

  it("at expiry the poll goes to Authlete, which says expired_token", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    w.clock.advance(500);
    await w.poll(flow.device_code);
    await control("requests");
    w.clock.advance(flow.expires_in * 1000);
    await control("clock", { advanceMs: flow.expires_in * 1000 + 500 });
    expect((await json(await w.poll(flow.device_code))).error).toBe("expired_token");
    expect(await tokenCalls()).toBe(1);
  });

  it("a grant whose object cannot be reached: the poll goes to Authlete, and the failure is logged", async () => {
    const logs = captureLogs();
    const w = withClock();
    const flow = await w.startFlow();
    await control("requests");
    const res = await w.postForm("/token", tokenPoll(flow.device_code), {}, { GRANTS: unreachableGrants() });
    expect((await json(res)).error).toBe("authorization_pending");
    expect(await tokenCalls()).toBe(1);
    expect(logs.lines.filter((l) => l.level === "warn")).toContainEqual(expect.objectContaining({ event: "grant_unavailable", op: "poll" }));
  });

  it("a poll from another client, or with other credentials, is not answered at the edge: Authlete decides", async () => {
    const w = withClock();
    const flow = await w.startFlow();
    await control("requests");
    w.clock.advance(500);
    const other = await w.postForm("/token", { ...tokenPoll(flow.device_code), client_id: "demo-post", client_secret: "demo-post-secret" });
    expect(await json(other)).toMatchObject({ error: "invalid_grant" });
    expect(await tokenCalls()).toBe(1);
  });

  it("polls sent at once for one grant: one passes the slow_down rule, the others are refused; with every poll passing through, one Authlete call", async () => {
    for (const passThrough of ["60", "0"]) {
      const w = withClock(Date.now(), { POLL_PASS_THROUGH_SECONDS: passThrough });
      const flow = await w.startFlow();
      await control("requests");
      w.clock.advance(500);
      const answers = await Promise.all(Array.from({ length: 10 }, () => w.poll(flow.device_code).then(json)));
      const errors = answers.map((a) => a.error);
      expect(errors.filter((e) => e === "slow_down")).toHaveLength(9);
      expect(errors.filter((e) => e === "authorization_pending")).toHaveLength(1);
      expect(await tokenCalls()).toBe(passThrough === "0" ? 1 : 0);
    }
  });
});
