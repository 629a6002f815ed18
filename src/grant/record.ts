import type { Place } from "../http/client-place";
import { DPOP_IAT_WINDOW_SECONDS, type DpopProof } from "../protection/dpop";
import { DEFAULT_INTERVAL_SECONDS, decide, type PollRecord } from "../protection/polling";

/**
 * One device grant's state, as its Durable Object keeps it (grant/object.ts) and as the
 * in-memory twin keeps it (grant/store.ts): what the device told us when it asked for codes,
 * how it may poll, and what the person decided. The transitions are pure functions of the
 * state and the caller's clock, so the object and the twin cannot drift apart, and each is
 * tested step by step. See docs/storage-schema.md.
 */

/**
 * Who asked for the codes (RFC 8628 §5.4: the person must be able to tell whether the request
 * came from a device they hold): shown on the confirm page and compared there with the
 * browser's own place (protection/proximity.ts). Coordinates are already rounded to 0.1°
 * (http/client-place.ts).
 */
export interface DeviceRequest extends Place {
  ip: string;
  userAgent: string | null;
  /** Epoch ms. */
  requestedAt: number;
  /** The device asked from a network on the watch list (protection/reported-networks.ts); absent when it did not. */
  reportedNetwork?: true;
}

/**
 * Every way a grant is decided on the verification page (verification/complete.tsx), and
 * `undone`: approved, then taken back with "That wasn't me" (verification/steps/undo.ts).
 */
export type Decision = "approved" | "denied" | "cancelled" | "reported" | "blocked" | "undone";

/** Version 1 of the record. A later field is added as optional, so an older record still reads. */
export interface GrantState {
  v: 1;
  device: DeviceRequest;
  /** Authlete's numeric client id, from the device authorization answer. */
  clientId: number | null;
  /**
   * KeyedHash of how the client identified itself when it asked for the codes (client_id and
   * any secret it sent): the edge answers a poll only for the same client presenting the same
   * credentials; any other poll goes to Authlete, which authenticates it.
   */
  client: string;
  /** Epoch ms: when the codes were issued; the pass-through schedule counts from here. */
  createdAt: number;
  /** Interval, expiry and the last poll let through the slow_down rule (protection/polling.ts). */
  poll: PollRecord;
  /** Epoch ms of the last poll sent on to Authlete (createdAt before the first). */
  lastPassedAt: number;
  /** Null while undecided. */
  decision: { outcome: Decision; at: number } | null;
  /**
   * The RFC 7638 thumbprint of the DPoP key the device proved when it asked for the codes, under
   * a client policy that binds (protection/dpop.ts): every poll must prove the same key. Absent
   * when the grant is not bound.
   */
  jkt?: string;
  /**
   * Who has entered the user code on a verification page, for CLIENT_POLICY's
   * `oneCodeOnePerson`: keyed hashes of each browser and its network, never a cookie or an
   * address, at most MAX_ENTRANTS of them. Absent until the first entry (and in grants
   * issued before it was kept).
   */
  entrants?: Entrant[];
}

/** One browser that entered the code: KeyedHash of its flow cookie and of its network (IPv4 address or IPv6 /64). */
export interface Entrant {
  browser: string;
  network: string;
  /** Epoch ms of its first entry. */
  at: number;
}

/**
 * Enough to tell a second person from the first, and bounded: a code sent to thousands of
 * people must not grow the grant's record without end. Past the bound, later entrants are
 * compared with the first ones but not kept.
 */
export const MAX_ENTRANTS = 16;

/** What the device authorization endpoint knows when it creates the grant. */
export interface GrantInit {
  device: DeviceRequest;
  clientId: number | null;
  client: string;
  /** Authlete's `interval` (seconds), if it sent one. */
  interval: number | null;
  /** Seconds the codes live (Authlete's `expires_in`). */
  expiresIn: number;
  /** The DPoP key's thumbprint when the grant is bound to it (GrantState `jkt`). */
  jkt?: string | null;
}

/** How often polls must still reach Authlete, and the slow_down cap. */
export interface PollRules {
  maxIntervalSeconds: number;
  /** POLL_PASS_THROUGH_SECONDS; 0 = every compliant poll goes to Authlete. */
  passThroughSeconds: number;
}

/**
 * What the grant says about one poll:
 * - `slow_down`: too early (RFC 8628 §3.5); the interval has grown;
 * - `pending`: undecided, unexpired, and a poll reached Authlete recently enough: the edge
 *   answers authorization_pending;
 * - `pass`: go to Authlete: a decision was recorded, the code has expired, a pass-through is
 *   due, or the client is not the one that asked;
 * - `invalid_dpop_proof`: the grant is bound to a DPoP key and the poll did not prove it (no
 *   proof, an invalid one, another key's, or one seen before); nothing else was looked at and
 *   nothing changed.
 * - `denied`: the approval was undone ("That wasn't me"): the edge answers access_denied, and
 *   never asks Authlete, which holds the approval and would issue the tokens.
 */
export type PollAnswer =
  | { kind: "slow_down"; poll: PollRecord }
  | { kind: "pending"; poll: PollRecord }
  | { kind: "pass"; why: "decided" | "expired" | "due" | "other_client"; poll: PollRecord }
  | { kind: "invalid_dpop_proof"; why: DpopRefusal; poll: PollRecord }
  | { kind: "denied"; poll: PollRecord };

export type DpopRefusal = "missing" | "invalid" | "other_key" | "replayed";
export const DPOP_REFUSALS: readonly DpopRefusal[] = ["missing", "invalid", "other_key", "replayed"];

/** What the edge made of a poll's DPoP header (protection/dpop.ts `checkProof`): none, one that failed its checks, or a valid proof. */
export type PresentedProof = null | "invalid" | DpopProof;

/**
 * The `jti`s of the proofs a bound grant has accepted (RFC 9449 §11.1), each kept while its
 * proof's `iat` is inside the window the edge accepts (protection/dpop.ts), so a proof is
 * accepted once. At most MAX_PROOFS_SEEN: when a client sends more within the window than that
 * (polling far faster than any interval), the oldest is dropped and `floor` rises to its `iat`,
 * and no proof that old or older is accepted again: the set stays small and a dropped `jti` can
 * still never be replayed.
 */
export interface ProofsSeen {
  /** Seconds: proofs with `iat` at or below this are refused. */
  floor: number;
  seen: { jti: string; iat: number }[];
}

export const NO_PROOFS_SEEN: ProofsSeen = { floor: 0, seen: [] };
export const MAX_PROOFS_SEEN = 64;

/** One proof against the set: refused when seen (or older than the floor); otherwise remembered. Pure. */
export function admitProof(set: ProofsSeen, proof: { jti: string; iat: number }, now: number): { fresh: boolean; set: ProofsSeen } {
  if (proof.iat <= set.floor || set.seen.some((p) => p.jti === proof.jti)) return { fresh: false, set };
  // Proofs whose iat is out of the window are refused at the edge anyway: no need to remember them.
  const live = set.seen.filter((p) => p.iat + DPOP_IAT_WINDOW_SECONDS > now / 1000);
  const seen = [...live, proof].sort((a, b) => a.iat - b.iat);
  let floor = set.floor;
  while (seen.length > MAX_PROOFS_SEEN) floor = Math.max(floor, seen.shift()!.iat);
  return { fresh: true, set: { floor, seen } };
}

export function issue(init: GrantInit, now: number): GrantState {
  return {
    v: 1,
    device: init.device,
    clientId: init.clientId,
    client: init.client,
    createdAt: now,
    poll: {
      interval: init.interval && init.interval > 0 ? init.interval : DEFAULT_INTERVAL_SECONDS,
      expiresAt: now + init.expiresIn * 1000,
      lastAcceptedAt: null,
    },
    lastPassedAt: now,
    decision: null,
    ...(init.jkt ? { jkt: init.jkt } : {}),
  };
}

/**
 * One poll. The slow_down rule first, exactly as before (a refused poll changes only the
 * interval); then an accepted poll is answered at the edge only when nothing could have
 * changed at Authlete that this grant does not know of: no decision recorded here, the code
 * unexpired, the same client, and a poll through to Authlete within `passThroughSeconds`
 * (decisions made elsewhere, in Authlete's console or another verification page, are heard
 * that way).
 *
 * Before all of it, a grant bound to a DPoP key refuses a poll that does not prove that key
 * with a proof not seen before (draft-parecki-oauth-dpop-device-flow, "Device Access Token
 * Request"): such a poll changes nothing, so someone holding a stolen device code cannot
 * raise the grant's interval or spend its pass-throughs. An accepted proof's `jti` joins
 * `seen`, returned changed only then (what the object must write). A grant that is not bound
 * sends every poll with a proof to Authlete, which checks it (as before the edge knew DPoP).
 */
export function poll(
  state: GrantState,
  now: number,
  rules: PollRules,
  client: string,
  proof: PresentedProof = null,
  seen: ProofsSeen = NO_PROOFS_SEEN,
): { state: GrantState; answer: PollAnswer; seen: ProofsSeen } {
  const refuse = (why: DpopRefusal) => ({ state, answer: { kind: "invalid_dpop_proof" as const, why, poll: state.poll }, seen });
  if (state.jkt !== undefined) {
    if (proof === null) return refuse("missing");
    if (proof === "invalid") return refuse("invalid");
    if (proof.jkt !== state.jkt) return refuse("other_key");
    const admitted = admitProof(seen, proof, now);
    if (!admitted.fresh) return refuse("replayed");
    seen = admitted.set;
  }
  const d = decide(state.poll, now, rules.maxIntervalSeconds);
  const next: GrantState = { ...state, poll: d.record };
  // A refusal at the interval cap changes nothing, and says so by returning the same state (nothing to write).
  if (!d.accept) return { state: d.record.interval === state.poll.interval ? state : next, answer: { kind: "slow_down", poll: d.record }, seen };
  // Whoever polls, and however late: Authlete would answer with the tokens it was told to issue.
  if (state.decision?.outcome === "undone") return { state: next, answer: { kind: "denied", poll: d.record }, seen };
  const pass = (why: Extract<PollAnswer, { kind: "pass" }>["why"]) => ({
    state: { ...next, lastPassedAt: now },
    answer: { kind: "pass" as const, why, poll: d.record },
    seen,
  });
  if (state.decision) return pass("decided");
  if (now >= state.poll.expiresAt) return pass("expired");
  if (client !== state.client || (proof !== null && state.jkt === undefined)) return pass("other_client");
  if (now - state.lastPassedAt >= rules.passThroughSeconds * 1000) return pass("due");
  return { state: next, answer: { kind: "pending", poll: d.record }, seen };
}

/** The person's decision, once Authlete took it. The first one stands: Authlete accepts only one per code. */
export function recordDecision(state: GrantState, outcome: Decision, at: number): GrantState {
  return state.decision ? state : { ...state, decision: { outcome, at } };
}

/**
 * A browser enters the code (RFC 10027's unique codes). Entrants that share a browser or a
 * network are taken for one person: someone who switches from the home Wi-Fi to the mobile
 * network, or from the phone to the laptop at home, is still one person. A code sent to many
 * people is entered from many browsers on many networks: `another` is true when the entrants,
 * this one included, are more than one person. It holds while the grant is undecided and
 * unexpired: once decided or expired, Authlete refuses the code to everyone. The same browser
 * on the same network is recorded once.
 */
export function enter(state: GrantState, entrant: Omit<Entrant, "at">, now: number): { state: GrantState; another: boolean } {
  const entrants = state.entrants ?? [];
  const another = people([...entrants, entrant]) > 1;
  const known = entrants.some((e) => e.browser === entrant.browser && e.network === entrant.network);
  if (known || entrants.length >= MAX_ENTRANTS) return { state, another };
  return { state: { ...state, entrants: [...entrants, { ...entrant, at: now }] }, another };
}

/** How many people the entrants are: groups linked by a shared browser or a shared network. */
function people(entrants: Omit<Entrant, "at">[]): number {
  const group = entrants.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : root(group[i]!));
  for (let i = 0; i < entrants.length; i++)
    for (let j = 0; j < i; j++) if (entrants[i]!.browser === entrants[j]!.browser || entrants[i]!.network === entrants[j]!.network) group[root(i)] = root(j);
  return new Set(entrants.map((_, i) => root(i))).size;
}

/** How long an undone grant is kept past its code's expiry: longer than any drift between this Worker's clock and Authlete's. */
export const UNDONE_KEPT_MS = 10 * 60_000;

/**
 * "That wasn't me" after approving: an approval becomes `undone`, and every later poll is denied
 * at the edge. `was` says what the grant held: `approved` (now undone), `undone` already (a
 * second press), or another decision or none, which stays as it is.
 */
export function undo(state: GrantState, at: number): { state: GrantState; was: Decision | null } {
  const was = state.decision?.outcome ?? null;
  return { state: was === "approved" ? { ...state, decision: { outcome: "undone", at } } : state, was };
}

/** What the verification page reads: the device's record and the client, no polling state. */
export interface GrantView {
  device: DeviceRequest;
  clientId: number | null;
}

export const view = (state: GrantState): GrantView => ({ device: state.device, clientId: state.clientId });

/** What a browser entering the code learns: the view, and whether another person is already at this code. */
export interface Entry extends GrantView {
  another: boolean;
}

/** A poll answer as it crossed an RPC boundary: checked before the edge answers on it (anything odd goes to Authlete). */
export function isPollAnswer(x: unknown): x is PollAnswer {
  if (typeof x !== "object" || x === null) return false;
  const a = x as Record<string, unknown>;
  const p = a["poll"] as Record<string, unknown> | undefined;
  const sane =
    typeof p === "object" &&
    p !== null &&
    Number.isFinite(p["interval"]) &&
    (p["interval"] as number) > 0 &&
    Number.isFinite(p["expiresAt"]) &&
    (p["lastAcceptedAt"] === null || Number.isFinite(p["lastAcceptedAt"]));
  if (a["kind"] === "invalid_dpop_proof") return sane && DPOP_REFUSALS.includes(a["why"] as DpopRefusal);
  return sane && (a["kind"] === "slow_down" || a["kind"] === "pending" || a["kind"] === "pass" || a["kind"] === "denied");
}
