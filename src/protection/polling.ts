import { oauthErrorCode, type TokenResponse } from "../authlete/schemas";
import type { Budget } from "../config";
import { networkOf } from "../http/client-ip";
import { slowDown, tooManyRequests } from "../http/oauth-errors";
import { type LogFields, log } from "../log";
import type { Table } from "../storage/kv";
import type { Limiter, Reservation } from "./limiter";

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
 * Records this isolate has seen lately, in front of KV. A hammering client is usually
 * served by the same isolate, so its refusals cost no KV read. Only ever a cache: stamps
 * and intervals only grow, so a remembered "too early" is still too early whatever other
 * isolates did; a remembered "accept" may let one extra poll through, never lock one out.
 * Keyed by the record's storage key, so it holds no device code either.
 */
const recent = new Map<string, PollRecord>();
const RECENT_MAX = 10_000;

function remember(key: string, rec: PollRecord): void {
  recent.delete(key);
  recent.set(key, rec);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
}

/** Outcomes after which a device code can never yield tokens (RFC 8628 §3.5). */
const TERMINAL_ERRORS = new Set(["access_denied", "expired_token", "invalid_grant"]);

/** What `before` decided: refuse at the edge, or let the request through with what `after` needs. */
export type Admission =
  | { refused: Response; log: LogFields }
  | {
      refused?: undefined;
      /** The device code polled, or null when the request is not a device-code poll. */
      deviceCode: string | null;
      /**
       * No record here (never issued here, expired, or not yet replicated to this location): the
       * poll holds a place in its address's guessing budget until Authlete says the code exists.
       */
      guess: Reservation | null;
    };

/**
 * The token endpoint's edge policy for device-code polls (RFC 8628 §3.5, §5.2), in KV keyed
 * by the device code's hash: `slow_down` for polls earlier than the interval, a budget for
 * codes nobody issued, and the end of the record when Authlete says the flow is over. A
 * device polls from one place, so KV's read-your-writes within a location is what this
 * relies on; under races it may let an extra poll through, never lock a compliant one out.
 * A failed read fails open (the poll goes to Authlete); a failed write keeps the decision
 * already made.
 */
export class PollingGuard {
  constructor(
    private readonly records: Table<PollRecord>,
    private readonly limiter: Limiter,
    private readonly unknownCodeBudget: Budget,
    private readonly now: () => number,
    private readonly maxInterval: number,
  ) {}

  /** A device authorization succeeded: the device may poll, the first time at once. */
  async issued(deviceCode: string, interval: number | null | undefined, expiresIn: number): Promise<void> {
    const rec: PollRecord = {
      interval: interval && interval > 0 ? interval : DEFAULT_INTERVAL_SECONDS,
      expiresAt: this.now() + expiresIn * 1000,
      lastAcceptedAt: null,
    };
    remember(await this.records.key(deviceCode), rec);
    try {
      await this.records.put(deviceCode, rec, expiresIn);
    } catch (err) {
      log("warn", "polling_kv_failure", { op: "issued", detail: String(err) });
    }
  }

  /** Before Authlete: is this poll too early, or one more guess from an address that has guessed enough? */
  async before(params: URLSearchParams, ip: string): Promise<Admission> {
    const deviceCode = params.get("grant_type") === DEVICE_CODE_GRANT ? params.get("device_code") : null;
    if (!deviceCode) return { deviceCode: null, guess: null };
    const gate = await this.gate(deviceCode);
    if (gate.kind === "slow_down") return { refused: slowDown(gate.interval), log: { outcome: "slow_down", interval: gate.interval } };
    if (gate.kind === "accepted") return { deviceCode, guess: null };
    const guess = await this.limiter.reserve("unknown-device-code", this.unknownCodeBudget, networkOf(ip));
    if (!guess.allowed) return { refused: tooManyRequests(guess.retryAfter), log: { outcome: "rate_limited", reason: "unknown_device_codes" } };
    return { deviceCode, guess };
  }

  /** After Authlete: a finished flow loses its record; a code Authlete never issued is one more guess. */
  async after(admitted: Admission, res: TokenResponse): Promise<void> {
    if (admitted.refused || !admitted.deviceCode) return;
    const error = oauthErrorCode(res);
    if (res.action === "OK" || (error && TERMINAL_ERRORS.has(error))) await this.finished(admitted.deviceCode);
    // Only codes Authlete does not know stay counted against the guessing budget (RFC 8628 §5.2),
    // so an honest device whose record has not reached this location is never penalised.
    if (admitted.guess && error !== "invalid_grant") await admitted.guess.release();
  }

  private async gate(deviceCode: string): Promise<{ kind: "accepted" | "untracked" } | { kind: "slow_down"; interval: number }> {
    const key = await this.records.key(deviceCode);
    const now = this.now();
    let rec = recent.get(key) ?? null;
    if (rec && rec.expiresAt <= now) {
      recent.delete(key);
      rec = null;
    }
    if (!rec) {
      try {
        rec = await this.records.get(deviceCode);
      } catch (err) {
        log("warn", "polling_kv_failure", { op: "read", detail: String(err) });
        return { kind: "untracked" };
      }
      if (!rec) return { kind: "untracked" };
    }
    const d = decide(rec, now, this.maxInterval);
    // A hammering client at the cap changes nothing: no write (KV takes ~1 write/s per key).
    if (d.accept || d.record.interval !== rec.interval) {
      remember(key, d.record);
      try {
        // Persisted before we answer so the next poll from this location sees it (KV has no CAS).
        await this.records.put(deviceCode, d.record, (rec.expiresAt - now) / 1000);
      } catch (err) {
        // The decision stands either way: it was made from what we read.
        log("warn", "polling_kv_failure", { op: "write", detail: String(err) });
      }
    }
    return d.accept ? { kind: "accepted" } : { kind: "slow_down", interval: d.record.interval };
  }

  /** Tokens issued, denied, expired or invalid: the device code will never be pollable again. */
  private async finished(deviceCode: string): Promise<void> {
    recent.delete(await this.records.key(deviceCode));
    try {
      await this.records.delete(deviceCode);
    } catch (err) {
      log("warn", "polling_kv_failure", { op: "finished", detail: String(err) });
    }
  }
}
