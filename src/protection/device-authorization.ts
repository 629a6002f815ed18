import type { Limits } from "../config";
import { tooManyRequests } from "../http/oauth-errors";
import type { LogFields } from "../log";
import { attempt, networkBuckets, perNetwork } from "./budgets";
import type { Limiter, Reservation } from "./limiter";

export type DeviceAuthorizationAdmission = { refused: Response; log: LogFields } | { refused?: undefined; byClient: Reservation };

/**
 * The device authorization endpoint's edge policy: requests are budgeted per network (and its
 * wider IPv6 prefixes) and per client before Authlete is asked, so a flood of code requests costs no Authlete call.
 * The address comes first and the client only after it, and a request Authlete refuses as
 * an unknown or unauthenticated client gives its place back: one source cannot spend a
 * client's budget by naming it, only by really using it within its own address budget.
 */
export class DeviceAuthorizationGuard {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<Limits, `deviceAuthorizationPer${"Ip" | "Ipv6_56" | "Ipv6_48" | "Client"}`>,
  ) {}

  async before(ip: string, clientId: string): Promise<DeviceAuthorizationAdmission> {
    const byNetwork = await attempt(this.limiter, networkBuckets("da-ip", perNetwork(this.limits, "deviceAuthorization"), ip), true);
    if (byNetwork.refused)
      return {
        refused: tooManyRequests(byNetwork.refused.retryAfter),
        log: { outcome: "rate_limited", reason: "per_ip", limits: byNetwork.refused.limits.join(",") },
      };
    const byClient = await this.limiter.reserve("da-client", this.limits.deviceAuthorizationPerClient, clientId);
    if (!byClient.allowed) return { refused: tooManyRequests(byClient.retryAfter), log: { outcome: "rate_limited", reason: "per_client" } };
    return { byClient };
  }

  /** Authlete's answer: an unauthenticated client does not count against the client it claimed to be. */
  async after(admitted: DeviceAuthorizationAdmission, action: string): Promise<void> {
    if (!admitted.refused) await (action === "UNAUTHORIZED" ? admitted.byClient.release() : admitted.byClient.keep());
  }
}
