import type { Limits } from "../config";
import { tooManyRequests } from "../http/oauth-errors";
import type { LogFields } from "../log";
import type { Limiter } from "./limiter";

/**
 * The device authorization endpoint's edge policy: requests are budgeted per address and
 * per client, before Authlete is asked, so a flood of code requests costs no Authlete call.
 */
export class DeviceAuthorizationGuard {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<Limits, "deviceAuthorizationPerIp" | "deviceAuthorizationPerClient">,
  ) {}

  async before(ip: string, clientId: string): Promise<{ refused: Response; log: LogFields } | null> {
    const [byIp, byClient] = await Promise.all([
      this.limiter.count("da-ip", this.limits.deviceAuthorizationPerIp, ip),
      this.limiter.count("da-client", this.limits.deviceAuthorizationPerClient, clientId),
    ]);
    if (byIp.allowed && byClient.allowed) return null;
    return {
      refused: tooManyRequests(Math.max(byIp.allowed ? 0 : byIp.retryAfter, byClient.allowed ? 0 : byClient.retryAfter)),
      log: { outcome: "rate_limited", reason: byIp.allowed ? "per_client" : "per_ip" },
    };
  }
}
