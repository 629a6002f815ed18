import { log } from "../log";
import { clampTtl, kvKey, sha256 } from "../storage/kv";

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

export type Gate =
  | { kind: "accepted" }
  | { kind: "slow_down"; interval: number }
  /** No record: unknown to us (never issued here, expired, or not yet replicated to this location). */
  | { kind: "untracked" };

/**
 * Records this isolate has seen lately, in front of KV. A hammering client is usually
 * served by the same isolate, so its refusals cost no KV read. Only ever a cache: stamps
 * and intervals only grow, so a remembered "too early" is still too early whatever other
 * isolates did; a remembered "accept" may let one extra poll through, never lock one out.
 */
const recent = new Map<string, PollRecord>();
const RECENT_MAX = 10_000;

function remember(key: string, rec: PollRecord): void {
  recent.delete(key);
  recent.set(key, rec);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
}

/**
 * Polling control in KV, keyed by SHA-256(device_code). A device polls from one place,
 * so KV's read-your-writes within a location is what this relies on; under races it
 * may let an extra poll through, never lock a compliant one out. A failed read fails
 * open (the poll goes to Authlete); a failed write keeps the decision already made.
 */
export class PollingGuard {
  constructor(
    private readonly kv: KVNamespace,
    private readonly now: () => number,
    private readonly maxInterval: number,
  ) {}

  async issued(deviceCode: string, interval: number | null | undefined, expiresIn: number): Promise<void> {
    const rec: PollRecord = {
      interval: interval && interval > 0 ? interval : DEFAULT_INTERVAL_SECONDS,
      expiresAt: this.now() + expiresIn * 1000,
      lastAcceptedAt: null,
    };
    const key = kvKey.poll(await sha256(deviceCode));
    remember(key, rec);
    try {
      await this.kv.put(key, JSON.stringify(rec), { expirationTtl: clampTtl(expiresIn) });
    } catch (err) {
      log("warn", "polling_kv_failure", { op: "issued", detail: String(err) });
    }
  }

  async gate(deviceCode: string): Promise<Gate> {
    const key = kvKey.poll(await sha256(deviceCode));
    const now = this.now();
    let rec = recent.get(key) ?? null;
    if (rec && rec.expiresAt <= now) {
      recent.delete(key);
      rec = null;
    }
    if (!rec) {
      try {
        rec = await this.kv.get<PollRecord>(key, "json");
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
        await this.kv.put(key, JSON.stringify(d.record), { expirationTtl: clampTtl((rec.expiresAt - now) / 1000) });
      } catch (err) {
        // The decision stands either way: it was made from what we read.
        log("warn", "polling_kv_failure", { op: "write", detail: String(err) });
      }
    }
    return d.accept ? { kind: "accepted" } : { kind: "slow_down", interval: d.record.interval };
  }

  /** Tokens issued, denied, expired or invalid: the device code will never be pollable again. */
  async finished(deviceCode: string): Promise<void> {
    const key = kvKey.poll(await sha256(deviceCode));
    recent.delete(key);
    try {
      await this.kv.delete(key);
    } catch (err) {
      log("warn", "polling_kv_failure", { op: "finished", detail: String(err) });
    }
  }
}
