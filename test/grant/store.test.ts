import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/crypto";
import type { DeviceGrant } from "../../src/grant/object";
import { enter, type GrantInit, issue, MAX_ENTRANTS } from "../../src/grant/record";
import { DurableObjectGrants, type Grants, MemoryGrants } from "../../src/grant/store";

const keyed = new KeyedHash(env.EDGE_SECRET!);

const STORES: [string, () => Grants][] = [
  ["Durable Objects", () => new DurableObjectGrants(env.GRANTS as DurableObjectNamespace<DeviceGrant>, keyed)],
  ["the in-memory twin", () => new MemoryGrants(keyed)],
];

const init: GrantInit = {
  device: {
    ip: "198.51.100.7",
    country: "DE",
    region: "Hesse",
    city: "Frankfurt am Main",
    asn: 3320,
    asOrganization: "Deutsche Telekom AG",
    latitude: 50.1,
    longitude: 8.7,
    colo: "FRA",
    userAgent: "DemoTV/2.1",
    requestedAt: 1_000,
  },
  clientId: 1001,
  client: "fingerprint",
  interval: 5,
  expiresIn: 600,
};
const rules = { maxIntervalSeconds: 60, passThroughSeconds: 60 };
const codes = () => ({ device: crypto.randomUUID(), user: crypto.randomUUID().slice(0, 8) });

describe.each(STORES)("the grants on %s", (_, store) => {
  it("a grant is reached by its device code (polls) and by its user code (the page), never by another code", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 1_000);
    expect(await g.lookup(c.user, 2_000)).toEqual({ device: init.device, clientId: 1001 });
    expect(await g.lookup(c.device, 2_000)).toBeNull();
    expect(await g.poll(c.user, 2_000, rules, "fingerprint")).toBeNull();
    expect(await g.poll(c.device, 2_000, rules, "fingerprint")).toMatchObject({ kind: "pending" });
    expect(await g.name(c.device)).toMatch(/^device\/[A-Za-z0-9_-]{43}$/);
  });

  it("polls: slow_down when too early, pending until a decision, then pass; finish ends the grant", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    expect(await g.poll(c.device, 500, rules, "fingerprint")).toMatchObject({ kind: "pending", poll: { lastAcceptedAt: 500 } });
    expect(await g.poll(c.device, 1_000, rules, "fingerprint")).toMatchObject({ kind: "slow_down", poll: { interval: 10, lastAcceptedAt: 500 } });
    expect(await g.decide(c.user, "denied", 2_000)).toBe(true);
    expect(await g.poll(c.device, 10_500, rules, "fingerprint")).toMatchObject({ kind: "pass", why: "decided" });
    await g.finish(c.device);
    expect(await g.poll(c.device, 20_500, rules, "fingerprint")).toBeNull();
    expect(await g.lookup(c.user, 20_500)).toBeNull();
    expect(await g.decide(c.user, "approved", 20_500)).toBe(false);
  });

  it("an unknown code has no grant: null, and a decision on it is not recorded", async () => {
    const g = store();
    expect(await g.poll(crypto.randomUUID(), 0, rules, "fingerprint")).toBeNull();
    expect(await g.lookup("BCDFGHJK", 0)).toBeNull();
    expect(await g.decide("BCDFGHJK", "approved", 0)).toBe(false);
  });

  it("polls sent at once: exactly one is accepted", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    const answers = await Promise.all(Array.from({ length: 20 }, () => g.poll(c.device, 500, rules, "fingerprint")));
    expect(answers.filter((a) => a?.kind === "pending")).toHaveLength(1);
    expect(answers.filter((a) => a?.kind === "slow_down")).toHaveLength(19);
  });

  it("entrants (CLIENT_POLICY oneCodeOnePerson): another person is another browser on another network, while the grant lives", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    const first = { browser: "browser-a", network: "net-1" };
    expect(await g.enter(c.user, first, 1_000)).toEqual({ device: init.device, clientId: 1001, another: false });
    // The same browser again, a second browser at home (one network), the first browser on its mobile network: one person
    // (entrants that share a browser or a network are one person).
    expect(await g.enter(c.user, first, 2_000)).toMatchObject({ another: false });
    expect(await g.enter(c.user, { browser: "browser-b", network: "net-1" }, 3_000)).toMatchObject({ another: false });
    expect(await g.enter(c.user, { browser: "browser-a", network: "net-2" }, 4_000)).toMatchObject({ another: false });
    // Someone else, somewhere else.
    expect(await g.enter(c.user, { browser: "browser-c", network: "net-3" }, 5_000)).toMatchObject({ another: true });
    // From then on the first is not alone either.
    expect(await g.enter(c.user, first, 6_000)).toMatchObject({ another: true });
    // Reached by the user code only; gone with the grant.
    expect(await g.enter(c.device, first, 6_000)).toBeNull();
    await g.finish(c.device);
    expect(await g.enter(c.user, first, 7_000)).toBeNull();
  });

  it("entrants arriving at once from two places: exactly one of them finds the other there", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    const answers = await Promise.all([
      g.enter(c.user, { browser: "tokyo", network: "net-t" }, 1_000),
      g.enter(c.user, { browser: "osaka", network: "net-o" }, 1_000),
    ]);
    expect(answers.map((a) => a?.another).sort()).toEqual([false, true]);
  });

  it("an expired pointer enters nothing", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    expect(await g.enter(c.user, { browser: "b", network: "n" }, 600_000)).toBeNull();
  });
});

describe("grant/record.ts enter: the record stays bounded", () => {
  it(`keeps at most ${MAX_ENTRANTS} entrants, and a later one is still compared with them`, () => {
    let state = issue(init, 0);
    for (let i = 0; i < MAX_ENTRANTS + 10; i++) state = enter(state, { browser: `b${i}`, network: `n${i}` }, i).state;
    expect(state.entrants).toHaveLength(MAX_ENTRANTS);
    expect(state.entrants?.[0]).toEqual({ browser: "b0", network: "n0", at: 0 });
    const late = enter(state, { browser: "late", network: "late" }, 99);
    expect(late.another).toBe(true);
    expect(late.state).toBe(state);
  });
});
