import type { KeyedHash } from "../crypto";
import { networkOf } from "../http/client-ip";
import type { Place } from "../http/client-place";
import { type LogFields, log } from "../log";
import { isHosting } from "./proximity";
import type { ReportedNetwork } from "./reported-network-object";

/**
 * The watch list (RFC 10027's detect and remediate): when a person says "I didn't start this"
 * (or "That wasn't me" after approving), the network the device asked from is watched for
 * REPORTED_NETWORK_HOURS, and every code asked for from it meanwhile carries that mark in its
 * grant (device authorization), so the next person who is sent such a code gets the stronger
 * warning, or is refused under a client policy that blocks reported networks (proximity.ts).
 * A phishing kit asks for one code per victim from the same machines; the first victim who
 * notices warns the next.
 *
 * What is watched: the device's network (an IPv4 address, an IPv6 /64, as budgets count them)
 * and, when it is a hosting network, its ASN too: a kit in a cloud moves between addresses, a
 * home does not live in a data centre. A residential ASN is never listed: it is a whole ISP's
 * customers. Each is one Durable Object (ReportedNetwork) named from its keyed hash, never the
 * address or the number; log lines carry keyed tags only.
 *
 * An unreachable list fails open: a device still gets its codes (without the mark), a report
 * still denies; each failure is logged (`reported_network_unavailable`).
 */

/** Where the device asked from: what decides which entries of the list it touches. */
export type Origin = Pick<Place, "asn" | "asOrganization"> & { ip: string };

/** The entries a device's request touches, as object names and log tags (keyed hashes both). */
export interface Watched {
  /** `network/{mac}` and, for a hosting network, `asn/{mac}`. */
  names: string[];
  /** The network's log tag (the one `phishing_reported` gives the device's network), and the hosting ASN's. */
  tags: { network: string | null; asn: string | null };
}

const HOURS_NONE = 0;

export class ReportedNetworks {
  constructor(
    private readonly namespace: DurableObjectNamespace<ReportedNetwork>,
    private readonly keyed: KeyedHash,
    /** REPORTED_NETWORK_HOURS; 0: no watch list, and no call to it. */
    readonly hours: number,
    private readonly hostingAsns: ReadonlySet<number>,
    private readonly now: () => number,
  ) {}

  /** The entries for a device that asked from `origin`: none for an address the edge did not give, no ASN unless it is a hosting one. */
  async watched(origin: Origin): Promise<Watched> {
    const network = origin.ip !== "unknown" ? networkOf(origin.ip) : null;
    const asn = origin.asn !== null && isHosting(origin, this.hostingAsns) ? String(origin.asn) : null;
    const names: string[] = [];
    if (network) names.push(`network/${await this.keyed.mac("watch:network", network)}`);
    if (asn) names.push(`asn/${await this.keyed.mac("watch:asn", asn)}`);
    return {
      names,
      tags: {
        network: network ? await this.keyed.tag("log-network", network) : null,
        asn: asn ? await this.keyed.tag("log-asn", asn) : null,
      },
    };
  }

  /**
   * Whether any of `watched` was reported within the last REPORTED_NETWORK_HOURS. False with no
   * watch list, and when the list cannot be reached (logged: devices must keep getting codes).
   */
  async seen(watched: Watched, context: LogFields): Promise<boolean> {
    if (this.hours === HOURS_NONE || watched.names.length === 0) return false;
    const now = this.now();
    try {
      const answers = await Promise.all(watched.names.map((name) => this.namespace.getByName(name).seen(now, this.hours)));
      return answers.some((a) => a === true);
    } catch (err) {
      log("warn", "reported_network_unavailable", { op: "seen", ...context, detail: String(err) });
      return false;
    }
  }

  /**
   * Puts `watched` on the list and logs `reported_network_listed` with the reports counted while
   * it has been watched. Nothing with no watch list; a list that cannot be reached is logged and
   * the caller goes on (the report itself must still deny).
   */
  async list(watched: Watched, context: LogFields): Promise<void> {
    if (this.hours === HOURS_NONE || watched.names.length === 0) return;
    const now = this.now();
    try {
      const counts = await Promise.all(watched.names.map((name) => this.namespace.getByName(name).list(now, this.hours)));
      log("warn", "reported_network_listed", { ...context, ...watched.tags, reports: Math.max(...counts), hours: this.hours });
    } catch (err) {
      log("warn", "reported_network_unavailable", { op: "list", ...context, detail: String(err) });
    }
  }
}
