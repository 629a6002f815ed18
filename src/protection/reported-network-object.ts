import { DurableObject } from "cloudflare:workers";

/** What one watched network holds: when it was last reported (the caller's clock, epoch ms) and how often while watched. */
interface Entry {
  reportedAt: number;
  reports: number;
}

const HOUR_MS = 3_600_000;

/**
 * One network on the watch list (protection/reported-networks.ts): an address's network or a
 * hosting ASN, named from its keyed hash, never the address or the number. A Durable Object so
 * that a report made in one location is seen at once by a device asking for codes in any other
 * (KV would take up to a minute, long enough for a phishing campaign's next codes). Each call
 * reads and writes its entry with the synchronous KV API before it awaits anything, so reports
 * sent at once are all counted.
 *
 * The clock is the caller's (`now`), so tests can move time; the alarm that deletes the entry
 * runs on real time. `hours` is REPORTED_NETWORK_HOURS as the caller reads it now, so a shorter
 * setting applies at once to networks already listed.
 */
export class ReportedNetwork extends DurableObject {
  private static readonly KEY = "entry";

  private load(): Entry | undefined {
    return this.ctx.storage.kv.get<Entry>(ReportedNetwork.KEY);
  }

  /** Someone reported a request from this network: watched for `hours` from `now`. Answers the reports counted while it has been watched. */
  async list(now: number, hours: number): Promise<number> {
    const e = this.load();
    const watched = e !== undefined && now < e.reportedAt + hours * HOUR_MS;
    const next: Entry = { reportedAt: Math.max(now, e?.reportedAt ?? 0), reports: (watched ? e.reports : 0) + 1 };
    this.ctx.storage.kv.put<Entry>(ReportedNetwork.KEY, next);
    await this.ctx.storage.setAlarm(Date.now() + hours * HOUR_MS);
    return next.reports;
  }

  /** Whether this network was reported less than `hours` before `now`. */
  async seen(now: number, hours: number): Promise<boolean> {
    const e = this.load();
    return e !== undefined && now < e.reportedAt + hours * HOUR_MS;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
