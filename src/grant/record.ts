import type { Place } from "../http/client-place";
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
export const DECISIONS: readonly Decision[] = ["approved", "denied", "cancelled", "reported", "blocked", "undone"];

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
}

/** What the device authorization endpoint knows when it creates the grant. */
export interface GrantInit {
  device: DeviceRequest;
  clientId: number | null;
  client: string;
  /** Authlete's `interval` (seconds), if it sent one. */
  interval: number | null;
  /** Seconds the codes live (Authlete's `expires_in`). */
  expiresIn: number;
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
 * - `denied`: the approval was undone ("That wasn't me"): the edge answers access_denied, and
 *   never asks Authlete, which holds the approval and would issue the tokens.
 */
export type PollAnswer =
  | { kind: "slow_down"; poll: PollRecord }
  | { kind: "pending"; poll: PollRecord }
  | { kind: "pass"; why: "decided" | "expired" | "due" | "other_client"; poll: PollRecord }
  | { kind: "denied"; poll: PollRecord };

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
  };
}

/**
 * One poll. The slow_down rule first, exactly as before (a refused poll changes only the
 * interval); then an accepted poll is answered at the edge only when nothing could have
 * changed at Authlete that this grant does not know of: no decision recorded here, the code
 * unexpired, the same client, and a poll through to Authlete within `passThroughSeconds`
 * (decisions made elsewhere, in Authlete's console or another verification page, are heard
 * that way).
 */
export function poll(state: GrantState, now: number, rules: PollRules, client: string): { state: GrantState; answer: PollAnswer } {
  const d = decide(state.poll, now, rules.maxIntervalSeconds);
  const next: GrantState = { ...state, poll: d.record };
  // A refusal at the interval cap changes nothing, and says so by returning the same state (nothing to write).
  if (!d.accept) return { state: d.record.interval === state.poll.interval ? state : next, answer: { kind: "slow_down", poll: d.record } };
  // Whoever polls, and however late: Authlete would answer with the tokens it was told to issue.
  if (state.decision?.outcome === "undone") return { state: next, answer: { kind: "denied", poll: d.record } };
  const pass = (why: Extract<PollAnswer, { kind: "pass" }>["why"]) => ({
    state: { ...next, lastPassedAt: now },
    answer: { kind: "pass" as const, why, poll: d.record },
  });
  if (state.decision) return pass("decided");
  if (now >= state.poll.expiresAt) return pass("expired");
  if (client !== state.client) return pass("other_client");
  if (now - state.lastPassedAt >= rules.passThroughSeconds * 1000) return pass("due");
  return { state: next, answer: { kind: "pending", poll: d.record } };
}

/** The person's decision, once Authlete took it. The first one stands: Authlete accepts only one per code. */
export function recordDecision(state: GrantState, outcome: Decision, at: number): GrantState {
  return state.decision ? state : { ...state, decision: { outcome, at } };
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
  return sane && (a["kind"] === "slow_down" || a["kind"] === "pending" || a["kind"] === "pass" || a["kind"] === "denied");
}
