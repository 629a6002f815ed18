import type { KeyedHash } from "../crypto";
import { grantNames } from "./names";
import type { DeviceGrant } from "./object";
import {
  type Decision,
  type Entrant,
  type Entry,
  enter,
  type GrantInit,
  type GrantState,
  type GrantView,
  issue,
  NO_PROOFS_SEEN,
  type PollAnswer,
  type PollRules,
  type PresentedProof,
  type ProofsSeen,
  poll,
  recordDecision,
  undo,
  view,
} from "./record";

/**
 * The Worker's side of the grants: one object per device grant, reached by its device code
 * (the device's polls) or by its user code (the verification page). Names carry only keyed
 * hashes (crypto.ts KeyedHash), never a code. Every method throws when the grant's home cannot
 * be reached; callers decide what that means (a poll goes to Authlete; the page shows the
 * stronger warning). Any implementation must pass test/grant/store.test.ts.
 *
 * A grant is created under the current EDGE_SECRET's names; during a rotation one created
 * before is found under the previous secret's (grant/names.ts), so no device loses its grant.
 */
export interface Grants {
  /** The grant's name for a device code: the key of the isolate's poll cache too. */
  name(deviceCode: string): Promise<string>;
  /** Authlete issued the codes: the grant, and the pointer from its user code. */
  issue(deviceCode: string, userCode: string, init: GrantInit, now: number): Promise<void>;
  /** Null when there is no grant for this device code. `proof`: what the edge made of the poll's DPoP header. */
  poll(deviceCode: string, now: number, rules: PollRules, client: string, proof?: PresentedProof): Promise<PollAnswer | null>;
  /** The device's record and client, by user code; null when there is no grant. */
  lookup(userCode: string, now: number): Promise<GrantView | null>;
  /** A browser enters the code, by user code: the device's record and client, and whether another person is at it; null when there is no grant. */
  enter(userCode: string, entrant: Omit<Entrant, "at">, now: number): Promise<Entry | null>;
  /** Records a decision Authlete has taken, by user code; false when there is no grant. */
  decide(userCode: string, outcome: Decision, now: number): Promise<boolean>;
  /** Polling is over (tokens, or an answer that ends it). */
  finish(deviceCode: string): Promise<void>;
  /**
   * The grant's reference for a user code: its pointer's name, a keyed hash, kept where the page
   * must reach the grant after the code itself is forgotten (an approval that may be undone).
   */
  ref(userCode: string): Promise<string>;
  /** "That wasn't me", by reference: what the grant held before (`approved` is now `undone`); null when there is no grant. */
  undo(ref: string, now: number): Promise<Decision | null>;
}

/** The grants' real home: Durable Objects of the class DeviceGrant (grant/object.ts), binding GRANTS. */
export class DurableObjectGrants implements Grants {
  private readonly names: ReturnType<typeof grantNames>;

  constructor(
    private readonly namespace: DurableObjectNamespace<DeviceGrant>,
    keyed: KeyedHash,
  ) {
    this.names = grantNames(keyed);
  }

  name(deviceCode: string): Promise<string> {
    return this.names.device(deviceCode);
  }

  async issue(deviceCode: string, userCode: string, init: GrantInit, now: number): Promise<void> {
    const [grant, pointer] = await Promise.all([this.names.device(deviceCode), this.names.user(userCode)]);
    // Both from here, the device's location, so Cloudflare places the two objects together and
    // the pointer's forwarded call is a short hop; the browser far away makes one long one.
    await Promise.all([this.namespace.getByName(grant).issue(init, now), this.namespace.getByName(pointer).point(grant, init.expiresIn, now)]);
  }

  async poll(deviceCode: string, now: number, rules: PollRules, client: string, proof: PresentedProof = null): Promise<PollAnswer | null> {
    return this.first<PollAnswer>(await this.names.devices(deviceCode), async (grant) => grant.poll(now, rules, client, proof));
  }

  async lookup(userCode: string, now: number): Promise<GrantView | null> {
    return this.first<GrantView>(await this.names.users(userCode), async (pointer) => pointer.lookup(now));
  }

  async enter(userCode: string, entrant: Omit<Entrant, "at">, now: number): Promise<Entry | null> {
    return this.first<Entry>(await this.names.users(userCode), async (pointer) => pointer.enter(entrant, now));
  }

  async decide(userCode: string, outcome: Decision, now: number): Promise<boolean> {
    return (await this.first<true>(await this.names.users(userCode), async (pointer) => (await pointer.decide(outcome, now)) || null)) ?? false;
  }

  async finish(deviceCode: string): Promise<void> {
    await Promise.all((await this.names.devices(deviceCode)).map((name) => this.namespace.getByName(name).finish()));
  }

  ref(userCode: string): Promise<string> {
    return this.names.user(userCode);
  }

  async undo(ref: string, now: number): Promise<Decision | null> {
    // Only a pointer's name: a reference is never taken from anywhere but ref().
    if (!ref.startsWith("user/")) return null;
    return this.namespace.getByName(ref).undo(now);
  }

  /**
   * The first answer from the objects under a code's names, tried in order: during an
   * EDGE_SECRET rotation the current secret's name, then the previous one's (grant/names.ts).
   */
  private async first<T>(names: readonly string[], call: (stub: DurableObjectStub<DeviceGrant>) => Promise<T | null>): Promise<T | null> {
    for (const name of names) {
      const answer = await call(this.namespace.getByName(name));
      if (answer !== null) return answer;
    }
    return null;
  }
}

/**
 * The same grants in memory, with the same transitions (grant/record.ts): the twin the
 * conformance test runs beside the Durable Objects, for unit tests. One location, no outage.
 */
export class MemoryGrants implements Grants {
  private readonly grants = new Map<string, GrantState>();
  private readonly proofs = new Map<string, ProofsSeen>();
  private readonly pointers = new Map<string, { grant: string; expiresAt: number }>();
  private readonly names: ReturnType<typeof grantNames>;

  constructor(keyed: KeyedHash) {
    this.names = grantNames(keyed);
  }

  name(deviceCode: string): Promise<string> {
    return this.names.device(deviceCode);
  }

  async issue(deviceCode: string, userCode: string, init: GrantInit, now: number): Promise<void> {
    const grant = await this.names.device(deviceCode);
    this.grants.set(grant, issue(init, now));
    this.proofs.delete(grant);
    this.pointers.set(await this.names.user(userCode), { grant, expiresAt: now + init.expiresIn * 1000 });
  }

  async poll(deviceCode: string, now: number, rules: PollRules, client: string, proof: PresentedProof = null): Promise<PollAnswer | null> {
    const name = (await this.names.devices(deviceCode)).find((n) => this.grants.has(n));
    const state = name && this.grants.get(name);
    if (!name || !state) return null;
    const next = poll(state, now, rules, client, proof, this.proofs.get(name) ?? NO_PROOFS_SEEN);
    this.grants.set(name, next.state);
    this.proofs.set(name, next.seen);
    return next.answer;
  }

  async lookup(userCode: string, now: number): Promise<GrantView | null> {
    const state = await this.byUserCode(userCode, now);
    return state ? view(state) : null;
  }

  async enter(userCode: string, entrant: Omit<Entrant, "at">, now: number): Promise<Entry | null> {
    const p = await this.pointer(userCode, now);
    const state = p && this.grants.get(p.grant);
    if (!p || !state) return null;
    const next = enter(state, entrant, now);
    this.grants.set(p.grant, next.state);
    return { ...view(next.state), another: next.another };
  }

  async decide(userCode: string, outcome: Decision, now: number): Promise<boolean> {
    const p = await this.pointer(userCode, now);
    const state = p && this.grants.get(p.grant);
    if (!p || !state) return false;
    this.grants.set(p.grant, recordDecision(state, outcome, now));
    return true;
  }

  async finish(deviceCode: string): Promise<void> {
    for (const name of await this.names.devices(deviceCode)) {
      this.grants.delete(name);
      this.proofs.delete(name);
    }
  }

  ref(userCode: string): Promise<string> {
    return this.names.user(userCode);
  }

  async undo(ref: string, now: number): Promise<Decision | null> {
    const p = this.pointers.get(ref);
    const state = p ? this.grants.get(p.grant) : undefined;
    if (!p || !state) return null;
    const next = undo(state, now);
    this.grants.set(p.grant, next.state);
    return next.was;
  }

  private async byUserCode(userCode: string, now: number): Promise<GrantState | null> {
    const p = await this.pointer(userCode, now);
    return (p && this.grants.get(p.grant)) || null;
  }

  /** The first live pointer under any of the user code's names, as the objects are tried. */
  private async pointer(userCode: string, now: number): Promise<{ grant: string; expiresAt: number } | undefined> {
    for (const name of await this.names.users(userCode)) {
      const p = this.pointers.get(name);
      if (p && p.expiresAt > now && this.grants.has(p.grant)) return p;
    }
    return undefined;
  }
}
