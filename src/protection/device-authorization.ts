import type { Limits } from "../config";
import { networkOf } from "../http/client-ip";
import { tooManyRequests } from "../http/oauth-errors";
import type { LogFields } from "../log";
import type { Limiter, Reservation } from "./limiter";

export type DeviceAuthorizationAdmission = { refused: Response; log: LogFields } | { refused?: undefined; byClient: Reservation };

/**
 * The device authorization endpoint's edge policy: requests are budgeted per address and
 * per client before Authlete is asked, so a flood of code requests costs no Authlete call.
 * The address comes first and the client only after it, and a request Authlete refuses as
 * an unknown or unauthenticated client gives its place back: one source cannot spend a
 * client's budget by naming it, only by really using it within its own address budget.
 */
export class DeviceAuthorizationGuard {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<Limits, "deviceAuthorizationPerIp" | "deviceAuthorizationPerClient">,
  ) {}

  async before(ip: string, clientId: string): Promise<DeviceAuthorizationAdmission> {
    const byIp = await this.limiter.reserve("da-ip", this.limits.deviceAuthorizationPerIp, networkOf(ip), true);
    if (!byIp.allowed) return { refused: tooManyRequests(byIp.retryAfter), log: { outcome: "rate_limited", reason: "per_ip" } };
    const byClient = await this.limiter.reserve("da-client", this.limits.deviceAuthorizationPerClient, clientId);
    if (!byClient.allowed) return { refused: tooManyRequests(byClient.retryAfter), log: { outcome: "rate_limited", reason: "per_client" } };
    return { byClient };
  }

  /** Authlete's answer: an unauthenticated client does not count against the client it claimed to be. */
  async after(admitted: DeviceAuthorizationAdmission, action: string): Promise<void> {
    if (!admitted.refused) await (action === "UNAUTHORIZED" ? admitted.byClient.release() : admitted.byClient.keep());
  }
}
