import { DurableObject } from "cloudflare:workers";
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
  UNDONE_KEPT_MS,
  undo,
  view,
} from "./record";

/**
 * What one object holds, under one synchronous-KV key: either a grant (named from the device
 * code's keyed hash) or a pointer to one (named from the user code's keyed hash). One class
 * and one binding for both roles: a pointer is a few bytes, and a second class would need a
 * binding, a migration and a doctor check of its own for a single forwarding call.
 */
type Stored = { role: "grant"; grant: GrantState } | { role: "pointer"; grant: string; expiresAt: number };

/** The binding the objects reach each other through (a pointer forwards to its grant). */
interface GrantsEnv {
  GRANTS: DurableObjectNamespace<DeviceGrant>;
}

/**
 * One device grant's strongly consistent home (docs/storage-schema.md). Workers KV is
 * eventually consistent across locations, and the two sides of a grant are far apart in
 * exactly the case that matters (device-code phishing): the device polls from one place, the
 * person enters the code in another. A Durable Object is one instance worldwide, so both reach
 * the same state without waiting for replication.
 *
 * Every transition is one RPC method that reads and writes its state (`ctx.storage.kv`, and
 * the poll stamps in memory) synchronously, with no await in between: the object runs one call
 * at a time, so two polls sent at once are decided one after the other and cannot both pass. The clock is the caller's (`now`),
 * so tests can move time; the alarm that deletes the object at expiry runs on real time.
 */
export class DeviceGrant extends DurableObject<GrantsEnv> {
  private static readonly KEY = "state";
  /**
   * A bound grant's accepted DPoP proofs (grant/record.ts ProofsSeen), apart from the state so
   * that a poll writes a few bytes, not the record. Written, not kept in memory like the poll
   * stamps: an evicted object that forgot them would accept a replayed proof.
   */
  private static readonly PROOFS = "proofs";

  private load(): Stored | undefined {
    return this.ctx.storage.kv.get<Stored>(DeviceGrant.KEY);
  }

  private async expireIn(lifetimeMs: number): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + Math.max(0, lifetimeMs));
  }

  /** Creates the grant when Authlete has issued the codes. A second call replaces it (codes are never reused). */
  async issue(init: GrantInit, now: number): Promise<void> {
    this.stamps = { lastAcceptedAt: null, lastPassedAt: 0 };
    this.ctx.storage.kv.delete(DeviceGrant.PROOFS);
    this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "grant", grant: issue(init, now) });
    await this.expireIn(init.expiresIn * 1000);
  }

  /** Makes this object (named from the user code) point at the grant named `grant`, until the codes expire. */
  async point(grant: string, expiresIn: number, now: number): Promise<void> {
    this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "pointer", grant, expiresAt: now + expiresIn * 1000 });
    await this.expireIn(expiresIn * 1000);
  }

  /**
   * The stamps of the last accepted poll and the last pass-through, kept in this instance's
   * memory only. The object is one instance worldwide and handles one call at a time, so they
   * serialise parallel polls as well as storage would; what they save is a durable write (and
   * its wait, and a billed row) on every poll. If the object is evicted they are lost, which can
   * only let one poll through the slow_down rule early and send one to Authlete sooner: it never
   * locks a compliant client out nor answers for Authlete longer. What must survive is written:
   * the interval a slow_down raised (RFC 8628 §3.5: "for this and all subsequent requests").
   */
  private stamps: Pick<GrantState, "lastPassedAt"> & Pick<GrantState["poll"], "lastAcceptedAt"> = { lastAcceptedAt: null, lastPassedAt: 0 };

  /** One poll (grant/record.ts `poll`); null when this object holds no grant (never issued, expired, finished). */
  async poll(now: number, rules: PollRules, client: string, proof: PresentedProof = null): Promise<PollAnswer | null> {
    const s = this.load();
    if (s?.role !== "grant") return null;
    const stored = s.grant;
    const live: GrantState = {
      ...stored,
      poll: { ...stored.poll, lastAcceptedAt: this.stamps.lastAcceptedAt ?? stored.poll.lastAcceptedAt },
      lastPassedAt: Math.max(this.stamps.lastPassedAt, stored.lastPassedAt),
    };
    const before = stored.jkt === undefined ? NO_PROOFS_SEEN : (this.ctx.storage.kv.get<ProofsSeen>(DeviceGrant.PROOFS) ?? NO_PROOFS_SEEN);
    const { state, answer, seen } = poll(live, now, rules, client, proof, before);
    if (seen !== before) this.ctx.storage.kv.put<ProofsSeen>(DeviceGrant.PROOFS, seen);
    this.stamps = { lastAcceptedAt: state.poll.lastAcceptedAt, lastPassedAt: state.lastPassedAt };
    if (state.poll.interval !== stored.poll.interval) {
      this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "grant", grant: { ...stored, poll: { ...stored.poll, interval: state.poll.interval } } });
    }
    return answer;
  }

  /** The device's record and client for the confirm page; through a pointer, from its grant. Null when there is none. */
  async lookup(now: number): Promise<GrantView | null> {
    const s = this.load();
    if (!s) return null;
    if (s.role === "grant") return view(s.grant);
    if (s.expiresAt <= now) return null;
    return plain(this.target(s.grant).lookup(now));
  }

  /**
   * A browser enters the code (grant/record.ts `enter`): the device's record and client, as
   * `lookup` gives them, and whether another person is already at it. Through a pointer, on its
   * grant. Null when there is none.
   */
  async enter(entrant: Omit<Entrant, "at">, now: number): Promise<Entry | null> {
    const s = this.load();
    if (!s) return null;
    if (s.role === "pointer") return s.expiresAt <= now ? null : plain(this.target(s.grant).enter(entrant, now));
    const next = enter(s.grant, entrant, now);
    if (next.state !== s.grant) this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "grant", grant: next.state });
    return { ...view(next.state), another: next.another };
  }

  /** Records the person's decision (after Authlete's SUCCESS); through a pointer, on its grant. False when there is no grant. */
  async decide(outcome: Decision, now: number): Promise<boolean> {
    const s = this.load();
    if (!s) return false;
    if (s.role === "pointer") return this.target(s.grant).decide(outcome, now);
    const decided = recordDecision(s.grant, outcome, now);
    if (decided !== s.grant) this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "grant", grant: decided });
    return true;
  }

  /**
   * "That wasn't me" (grant/record.ts `undo`); through a pointer, on its grant. Null when there is
   * no grant: the device has collected its tokens (the grant ended then), or the code expired.
   * An undone grant outlives its code by UNDONE_KEPT_MS, so that no poll reaches Authlete, which
   * holds the approval, while Authlete may still think the code alive.
   */
  async undo(now: number): Promise<Decision | null> {
    const s = this.load();
    if (!s) return null;
    if (s.role === "pointer") return this.target(s.grant).undo(now);
    const next = undo(s.grant, now);
    if (next.state !== s.grant) {
      this.ctx.storage.kv.put<Stored>(DeviceGrant.KEY, { role: "grant", grant: next.state });
      await this.expireIn(s.grant.poll.expiresAt - now + UNDONE_KEPT_MS);
    }
    return next.was;
  }

  /** The device got its tokens, or an answer that ends polling: nothing here is needed any more. */
  async finish(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private target(name: string) {
    return this.env.GRANTS.getByName(name);
  }
}

/**
 * A grant's answer as plain data, for a pointer to hand on. workerd gives every object an RPC
 * call returns a disposer (`Symbol.dispose`, for any stubs it might hold); returned as it is, the
 * pointer's caller would receive a result it is expected to dispose, and workerd warns ("An RPC
 * result was not disposed properly") when the Worker leaves it to the garbage collector. The
 * copy has only the answer's own fields; the grant's answer holds no stubs, so nothing is lost.
 */
async function plain<T extends object>(answer: Promise<T | null>): Promise<T | null> {
  const found = await answer;
  return found === null ? null : { ...found };
}
