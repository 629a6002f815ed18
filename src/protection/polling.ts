import { oauthErrorCode, type TokenRequest, type TokenResponse } from "../authlete/schemas";
import type { KeyedHash } from "../crypto";
import { type DpopRefusal, isPollAnswer, type PollRules, type PresentedProof } from "../grant/record";
import type { Grants } from "../grant/store";
import { approvalWithdrawn, authorizationPending, invalidDpopProof, slowDown, tooManyRequests } from "../http/oauth-errors";
import { type LogFields, log } from "../log";
import { type Attempt, attempt, type NetworkBudget, networkBucket } from "./budgets";
import { checkProof, refusalText } from "./dpop";
import type { Limiter } from "./limiter";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** RFC 8628 §3.5: every slow_down adds 5 s "for this and all subsequent requests". */
export const SLOW_DOWN_STEP_SECONDS = 5;
/** RFC 8628 §3.2: a client that got no interval uses 5 s. */
export const DEFAULT_INTERVAL_SECONDS = 5;
/**
 * A poll is timed on arrival but the client times its wait from when it got our previous
 * answer, so it can arrive a little "early" through network jitter alone. Compliant
 * clients must never be throttled, so we forgive this much.
 */
export const ARRIVAL_TOLERANCE_MS = 500;

export interface PollRecord {
  /** Seconds the client must currently wait between polls. */
  interval: number;
  /** Epoch ms when the device code expires. */
  expiresAt: number;
  /** Epoch ms of the last poll we let through to Authlete; null before the first. */
  lastAcceptedAt: number | null;
}

export type PollDecision = { accept: true; record: PollRecord } | { accept: false; record: PollRecord };

/**
 * The whole polling rule, pure so it can be tested step by step: the first poll is always
 * accepted; a poll earlier than last accepted + interval is refused and raises the
 * interval (capped); a refused poll does not move the "last accepted" stamp, so a client
 * that waits the current interval is always let through.
 */
export function decide(rec: PollRecord, now: number, maxInterval: number): PollDecision {
  if (rec.lastAcceptedAt !== null && now + ARRIVAL_TOLERANCE_MS < rec.lastAcceptedAt + rec.interval * 1000) {
    return { accept: false, record: { ...rec, interval: Math.min(rec.interval + SLOW_DOWN_STEP_SECONDS, Math.max(maxInterval, rec.interval)) } };
  }
  return { accept: true, record: { ...rec, lastAcceptedAt: now } };
}

/**
 * Polling records this isolate has seen lately, in front of the grants' objects. A hammering
 * client is usually served by the same isolate, so its refusals cost no storage call. Only
 * ever a cache: stamps and intervals only grow, so a remembered "too early" is still too
 * early whatever other isolates did. Only refusals are answered from it, and only those that
 * would not raise the interval (at POLL_MAX_INTERVAL_SECONDS): a raise must be persisted, and
 * every accepted poll is decided by the object, so parallel polls cannot both pass. Keyed by
 * the grant's name (a keyed hash), so it holds no device code either.
 */
const recent = new Map<string, PollRecord>();
const RECENT_MAX = 10_000;

function remember(key: string, rec: PollRecord): void {
  recent.delete(key);
  recent.set(key, rec);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
}

/**
 * The body of the last `authorization_pending` Authlete answered through this isolate: the
 * same for every grant of the service (it names no client or code), so the edge's own pending
 * answers repeat it, and a client cannot tell which of the two answered.
 */
let pendingBody: string | null = null;

function rememberPending(res: TokenResponse): void {
  const body = res.responseContent;
  if (res.action !== "BAD_REQUEST" || !body || body.length > 1024) return;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const plain = Object.entries(parsed).every(([k, v]) => ["error", "error_description", "error_uri"].includes(k) && typeof v === "string");
    if (plain && parsed["error"] === "authorization_pending") pendingBody = body;
  } catch {
    // Not JSON: never replayed.
  }
}

/** Outcomes after which a device code can never yield tokens (RFC 8628 §3.5). */
const TERMINAL_ERRORS = new Set(["access_denied", "expired_token", "invalid_grant"]);

/** What `before` decided: answer at the edge, or let the request through with what `after` needs. */
export type Admission =
  | { answered: Response; log: LogFields }
  | {
      answered?: undefined;
      /** The device code polled, or null when the request is not a device-code poll. */
      deviceCode: string | null;
      /**
       * No grant (never issued by this deployment, expired, finished, or its object unreachable):
       * the poll holds a place in its address's guessing budget until Authlete says the code exists.
       */
      guess: Attempt | null;
    };

/**
 * How the client identified itself, as a keyed hash: its id and whatever authenticated it
 * (a secret, an assertion, attestation). The grant keeps the one from the device authorization
 * request; a poll is answered at the edge only when it presents the same. A credential made
 * fresh for each request (an assertion) never matches, so such clients always reach Authlete,
 * which checks them: the edge answers only when it is sure. A DPoP proof is not part of it: a
 * grant bound to a key has the edge check every proof itself (protection/dpop.ts), and a grant
 * that is not bound sends every poll with a proof to Authlete (grant/record.ts `poll`).
 */
export function clientFingerprint(keyed: KeyedHash, fields: TokenRequest, params: URLSearchParams): Promise<string> {
  const parts = [
    fields.clientId ?? params.get("client_id"),
    fields.clientSecret ?? params.get("client_secret"),
    params.get("client_assertion"),
    fields.oauthClientAttestation ?? null,
    fields.oauthClientAttestationPop ?? null,
  ];
  return keyed.mac("grant:client", JSON.stringify(parts));
}

/**
 * The token endpoint's edge policy for device-code polls (RFC 8628 §3.5, §5.2), on the grant's
 * Durable Object (grant/): `slow_down` for polls earlier than the interval; `authorization_pending`
 * answered at the edge while the grant is undecided (a poll still reaches Authlete every
 * POLL_PASS_THROUGH_SECONDS, and at expiry, to hear decisions made where this Worker does not
 * see them); `access_denied` for an approval the person undid, without asking Authlete; a budget
 * for codes nobody issued; the end of the grant when Authlete says the flow is over. Whenever the object cannot be reached or answers nonsense, the poll goes to Authlete:
 * the edge answers for Authlete only when it is sure.
 */
export class PollingGuard {
  constructor(
    private readonly grants: Grants,
    private readonly limiter: Limiter,
    private readonly unknownCodeBudget: NetworkBudget,
    private readonly now: () => number,
    private readonly rules: PollRules,
  ) {}

  /**
   * Before Authlete: a DPoP-bound grant's key not proved, too early, pending at the edge, or one
   * more guess from an address that has guessed enough? `client` makes the client's fingerprint
   * (clientFingerprint), only once the grant's object is asked: a poll refused from the isolate's
   * memory, or a request that is no poll, needs none. `dpop` is the poll's DPoP header and the
   * request's URL, whose proof the edge checks (RFC 9449 §4.3) before the grant judges it.
   */
  async before(
    params: URLSearchParams,
    ip: string,
    client: () => Promise<string>,
    dpop: { header: string | undefined; url: string } | null = null,
  ): Promise<Admission> {
    const deviceCode = params.get("grant_type") === DEVICE_CODE_GRANT ? params.get("device_code") : null;
    if (!deviceCode) return { deviceCode: null, guess: null };
    const check = dpop ? await checkProof(dpop.header, { method: "POST", url: dpop.url }, this.now()) : null;
    const gate = await this.gate(deviceCode, client, check === null ? null : check.ok ? check.proof : "invalid");
    if (gate.kind === "invalid_dpop_proof") {
      const text = refusalText(gate.why, check?.ok === false ? check.reason : undefined);
      return { answered: invalidDpopProof(text), log: { outcome: "invalid_dpop_proof", reason: gate.why } };
    }
    if (gate.kind === "slow_down") return { answered: slowDown(gate.interval), log: { outcome: "slow_down", interval: gate.interval } };
    if (gate.kind === "pending") return { answered: authorizationPending(pendingBody), log: { outcome: "authorization_pending_at_edge" } };
    if (gate.kind === "denied") return { answered: approvalWithdrawn(), log: { outcome: "access_denied_at_edge", reason: "approval_undone" } };
    if (gate.kind === "pass") return { deviceCode, guess: null };
    const guess = await attempt(this.limiter, [networkBucket("unknown-device-code", this.unknownCodeBudget, ip)]);
    if (guess.refused)
      return {
        answered: tooManyRequests(guess.refused.retryAfter),
        log: { outcome: "rate_limited", reason: "unknown_device_codes", limits: guess.refused.limits.join(",") },
      };
    return { deviceCode, guess };
  }

  /** After Authlete: a finished flow ends its grant; a code Authlete never issued is one more guess. */
  async after(admitted: Admission, res: TokenResponse): Promise<void> {
    if (admitted.answered || !admitted.deviceCode) return;
    const error = oauthErrorCode(res);
    if (error === "authorization_pending") rememberPending(res);
    if (res.action === "OK" || (error && TERMINAL_ERRORS.has(error))) await this.finished(admitted.deviceCode);
    // Only codes Authlete does not know stay counted against the guessing budget (RFC 8628 §5.2),
    // so an honest device whose grant could not be reached is never penalised.
    if (admitted.guess) await (error === "invalid_grant" ? admitted.guess.failed() : admitted.guess.succeeded());
  }

  private async gate(
    deviceCode: string,
    client: () => Promise<string>,
    proof: PresentedProof,
  ): Promise<
    { kind: "pass" | "pending" | "denied" | "untracked" } | { kind: "slow_down"; interval: number } | { kind: "invalid_dpop_proof"; why: DpopRefusal }
  > {
    const key = await this.grants.name(deviceCode);
    const now = this.now();
    const rec = recent.get(key);
    if (rec && rec.expiresAt <= now) recent.delete(key);
    // A poll with a proof is always decided by the object: if its grant is bound, the proof's key
    // and jti are judged there before anything else (and such grants are never remembered here).
    else if (rec && proof === null) {
      const d = decide(rec, now, this.rules.maxIntervalSeconds);
      if (!d.accept && d.record.interval === rec.interval) return { kind: "slow_down", interval: rec.interval };
    }
    const fingerprint = await client();
    let answer: unknown;
    try {
      answer = await this.grants.poll(deviceCode, now, this.rules, fingerprint, proof);
    } catch (err) {
      log("warn", "grant_unavailable", { op: "poll", detail: String(err) });
      return { kind: "untracked" };
    }
    if (answer === null) return { kind: "untracked" };
    if (!isPollAnswer(answer)) {
      log("warn", "grant_unavailable", { op: "poll", detail: "unexpected answer" });
      return { kind: "untracked" };
    }
    if (answer.kind === "invalid_dpop_proof") return { kind: answer.kind, why: answer.why };
    if (proof === null) remember(key, answer.poll);
    if (answer.kind === "slow_down") return { kind: "slow_down", interval: answer.poll.interval };
    return { kind: answer.kind };
  }

  /** Tokens issued, denied, expired or invalid: the device code will never be pollable again. */
  private async finished(deviceCode: string): Promise<void> {
    recent.delete(await this.grants.name(deviceCode));
    try {
      await this.grants.finish(deviceCode);
    } catch (err) {
      // The object deletes itself at expiry anyway; until then a poll is decided by Authlete's last answer.
      log("warn", "grant_unavailable", { op: "finish", detail: String(err) });
    }
  }
}
