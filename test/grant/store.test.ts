import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/crypto";
import { grantNames } from "../../src/grant/names";
import type { DeviceGrant } from "../../src/grant/object";
import { enter, type GrantInit, issue, MAX_ENTRANTS, MAX_PROOFS_SEEN } from "../../src/grant/record";
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
/** A proof as the edge passes it on once it checked it (protection/dpop.ts): the key's thumbprint, jti, iat (s). */
const proof = (jkt: string, jti: string = crypto.randomUUID(), iat = 1) => ({ jkt, jti, iat });

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

  it("undo: an approval becomes undone, and every later poll is denied (whoever polls, however late); nothing else is undone", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    const ref = await g.ref(c.user);
    expect(ref).toMatch(/^user\/[A-Za-z0-9_-]{43}$/);
    expect(await g.decide(c.user, "approved", 1_000)).toBe(true);
    expect(await g.undo(ref, 2_000)).toBe("approved");
    expect(await g.poll(c.device, 2_500, rules, "fingerprint")).toMatchObject({ kind: "denied" });
    expect(await g.poll(c.device, 8_000, rules, "another client")).toMatchObject({ kind: "denied" });
    expect(await g.poll(c.device, 700_000, rules, "fingerprint")).toMatchObject({ kind: "denied" });
    // A second press finds it undone; a later decision cannot replace it.
    expect(await g.undo(ref, 3_000)).toBe("undone");
    expect(await g.decide(c.user, "approved", 3_000)).toBe(true);
    expect(await g.poll(c.device, 710_000, rules, "fingerprint")).toMatchObject({ kind: "denied" });

    const other = codes();
    await g.issue(other.device, other.user, init, 0);
    expect(await g.undo(await g.ref(other.user), 1_000)).toBeNull();
    expect(await g.decide(other.user, "denied", 1_000)).toBe(true);
    expect(await g.undo(await g.ref(other.user), 2_000)).toBe("denied");
    expect(await g.poll(other.device, 2_500, rules, "fingerprint")).toMatchObject({ kind: "pass", why: "decided" });
  });

  it("undo after the device collected its tokens (the grant finished), or of a reference that is no grant's: null", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    await g.decide(c.user, "approved", 1_000);
    await g.finish(c.device);
    expect(await g.undo(await g.ref(c.user), 2_000)).toBeNull();
    expect(await g.undo(await g.ref("BCDFGHJK"), 2_000)).toBeNull();
    expect(await g.undo(await g.name(c.device), 2_000)).toBeNull();
  });

  it("polls sent at once: exactly one is accepted", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    const answers = await Promise.all(Array.from({ length: 20 }, () => g.poll(c.device, 500, rules, "fingerprint")));
    expect(answers.filter((a) => a?.kind === "pending")).toHaveLength(1);
    expect(answers.filter((a) => a?.kind === "slow_down")).toHaveLength(19);
  });

  it("a grant bound to a DPoP key: each poll must prove that key with a proof not seen before; a refused poll changes nothing", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, { ...init, jkt: "key-A" }, 0);
    expect(await g.poll(c.device, 500, rules, "fingerprint")).toMatchObject({ kind: "invalid_dpop_proof", why: "missing" });
    expect(await g.poll(c.device, 500, rules, "fingerprint", "invalid")).toMatchObject({ kind: "invalid_dpop_proof", why: "invalid" });
    expect(await g.poll(c.device, 500, rules, "fingerprint", proof("key-B"))).toMatchObject({ kind: "invalid_dpop_proof", why: "other_key" });
    // None of the three counted as a poll: the first proved one is accepted, not too early.
    const first = proof("key-A", "jti-1");
    expect(await g.poll(c.device, 500, rules, "fingerprint", first)).toMatchObject({ kind: "pending", poll: { interval: 5, lastAcceptedAt: 500 } });
    expect(await g.poll(c.device, 6_000, rules, "fingerprint", first)).toMatchObject({ kind: "invalid_dpop_proof", why: "replayed" });
    expect(await g.poll(c.device, 6_000, rules, "fingerprint", proof("key-A", "jti-2", 6))).toMatchObject({ kind: "pending" });
    // A fresh proof too early is slow_down, as for any grant, and its jti is spent all the same.
    const early = proof("key-A", "jti-3", 6);
    expect(await g.poll(c.device, 6_500, rules, "fingerprint", early)).toMatchObject({ kind: "slow_down" });
    expect(await g.poll(c.device, 20_000, rules, "fingerprint", early)).toMatchObject({ kind: "invalid_dpop_proof", why: "replayed" });
    expect(await g.decide(c.user, "approved", 21_000)).toBe(true);
    expect(await g.poll(c.device, 30_000, rules, "fingerprint")).toMatchObject({ kind: "invalid_dpop_proof", why: "missing" });
    expect(await g.poll(c.device, 30_000, rules, "fingerprint", proof("key-A", "jti-4", 30))).toMatchObject({ kind: "pass", why: "decided" });
  });

  it("the replay set stays small: past its bound the oldest proof is dropped and nothing as old is accepted again", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, { ...init, jkt: "key-A" }, 0);
    for (let i = 1; i <= MAX_PROOFS_SEEN + 1; i++) {
      expect(await g.poll(c.device, i * 1_000, rules, "fingerprint", proof("key-A", `jti-${i}`, i))).not.toMatchObject({ kind: "invalid_dpop_proof" });
    }
    // jti-1 was dropped from the set; its iat is the floor now.
    expect(await g.poll(c.device, 70_000, rules, "fingerprint", proof("key-A", "jti-1", 1))).toMatchObject({ why: "replayed" });
    expect(await g.poll(c.device, 70_000, rules, "fingerprint", proof("key-A", "never-seen", 1))).toMatchObject({ why: "replayed" });
    expect(await g.poll(c.device, 70_000, rules, "fingerprint", proof("key-A", `jti-${MAX_PROOFS_SEEN}`, MAX_PROOFS_SEEN))).toMatchObject({
      why: "replayed",
    });
    expect(await g.poll(c.device, 70_000, rules, "fingerprint", proof("key-A", "new", 70))).not.toMatchObject({ kind: "invalid_dpop_proof" });
  });

  it("a grant not bound to a key: a poll with a proof goes to Authlete, which checks it", async () => {
    const g = store();
    const c = codes();
    await g.issue(c.device, c.user, init, 0);
    expect(await g.poll(c.device, 500, rules, "fingerprint", proof("key-A"))).toMatchObject({ kind: "pass", why: "other_client" });
    expect(await g.poll(c.device, 6_000, rules, "fingerprint", "invalid")).toMatchObject({ kind: "pass", why: "other_client" });
    expect(await g.poll(c.device, 12_000, rules, "fingerprint")).toMatchObject({ kind: "pending" });
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

describe("a pointer hands its grant's answer on as plain data", () => {
  // workerd gives every object an RPC call returns a disposer; a pointer that returned its grant's
  // answer as it came would pass that on, and the Worker, which never disposes a lookup, would
  // leave workerd warning "An RPC result was not disposed properly".
  it("lookup and enter through the pointer return objects with no disposer of their own", async () => {
    const c = codes();
    await new DurableObjectGrants(env.GRANTS as DurableObjectNamespace<DeviceGrant>, keyed).issue(c.device, c.user, init, 0);
    const pointer = (env.GRANTS as DurableObjectNamespace<DeviceGrant>).getByName(await grantNames(keyed).user(c.user));
    const [found, entered] = await runInDurableObject(pointer, async (object: DeviceGrant) => [
      await object.lookup(1_000),
      await object.enter({ browser: "b", network: "n" }, 1_000),
    ]);
    expect(found).toMatchObject({ clientId: 1001 });
    expect(entered).toMatchObject({ clientId: 1001, another: false });
    expect(Object.getOwnPropertySymbols(found)).toEqual([]);
    expect(Object.getOwnPropertySymbols(entered)).toEqual([]);
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

describe("the grants during an EDGE_SECRET rotation", () => {
  const [OLD, NEW] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];
  const ns = env.GRANTS as DurableObjectNamespace<DeviceGrant>;

  it("a grant created under the previous secret is polled, looked up, entered, decided and finished under the new one with EDGE_SECRET_PREVIOUS; without it, out of reach", async () => {
    const c = codes();
    await new DurableObjectGrants(ns, new KeyedHash(OLD)).issue(c.device, c.user, init, 0);
    const without = new DurableObjectGrants(ns, new KeyedHash(NEW));
    expect(await without.lookup(c.user, 1_000)).toBeNull();
    expect(await without.poll(c.device, 1_000, rules, "fingerprint")).toBeNull();
    expect(await without.enter(c.user, { browser: "b1", network: "n1" }, 1_000)).toBeNull();
    const during = new DurableObjectGrants(ns, new KeyedHash(NEW, OLD));
    expect(await during.lookup(c.user, 1_000)).toEqual({ device: init.device, clientId: 1001 });
    // The code entered there is the same grant: its record for the page, and who is at it.
    expect(await during.enter(c.user, { browser: "b1", network: "n1" }, 1_000)).toEqual({ device: init.device, clientId: 1001, another: false });
    expect(await during.enter(c.user, { browser: "b2", network: "n2" }, 1_000)).toMatchObject({ another: true });
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
