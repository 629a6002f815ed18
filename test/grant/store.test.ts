import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/crypto";
import type { DeviceGrant } from "../../src/grant/object";
import type { GrantInit } from "../../src/grant/record";
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
});

describe("the grants during an EDGE_SECRET rotation", () => {
  const [OLD, NEW] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];
  const ns = env.GRANTS as DurableObjectNamespace<DeviceGrant>;

  it("a grant created under the previous secret is polled, looked up, decided and finished under the new one with EDGE_SECRET_PREVIOUS; without it, out of reach", async () => {
    const c = codes();
    await new DurableObjectGrants(ns, new KeyedHash(OLD)).issue(c.device, c.user, init, 0);
    const without = new DurableObjectGrants(ns, new KeyedHash(NEW));
    expect(await without.lookup(c.user, 1_000)).toBeNull();
    expect(await without.poll(c.device, 1_000, rules, "fingerprint")).toBeNull();
    const during = new DurableObjectGrants(ns, new KeyedHash(NEW, OLD));
    expect(await during.lookup(c.user, 1_000)).toEqual({ device: init.device, clientId: 1001 });
    expect(await during.poll(c.device, 1_000, rules, "fingerprint")).toMatchObject({ kind: "pending" });
    expect(await during.decide(c.user, "approved", 2_000)).toBe(true);
    expect(await during.poll(c.device, 10_000, rules, "fingerprint")).toMatchObject({ kind: "pass", why: "decided" });
    await during.finish(c.device);
    expect(await new DurableObjectGrants(ns, new KeyedHash(OLD)).poll(c.device, 20_000, rules, "fingerprint")).toBeNull();
    // A grant created now lives under the new secret's names only.
    const d = codes();
    await during.issue(d.device, d.user, init, 0);
    expect(await during.name(d.device)).toBe(await without.name(d.device));
    expect(await without.lookup(d.user, 1_000)).not.toBeNull();
  });
});
