import type { DeviceAuthorizationResponse } from "../authlete/schemas";
import type { Limits } from "../config";
import { networkOf } from "../http/client-ip";
import { tooManyRequests } from "../http/oauth-errors";
import type { LogFields } from "../log";
import { attempt, networkBucket, perNetwork } from "./budgets";
import type { Limiter, Reservation } from "./limiter";

export type DeviceAuthorizationAdmission = { refused: Response; log: LogFields } | { refused?: undefined; byClient: Reservation; credentials: boolean };

/** What the device presented to prove it is the client: a secret (Basic or form), an assertion or attestation. */
export interface ClientClaim {
  clientId: string;
  credentials: boolean;
}

/**
 * Whether Authlete's answer says it authenticated the client (docs/authlete-api.md §3.2): it
 * issued codes (`OK`) to a client whose registered method (`clientAuthMethod`) is not `NONE`.
 * Authlete answers `UNAUTHORIZED` when such a client fails it, and a `BAD_REQUEST` may come
 * before the client is authenticated at all (a duplicated parameter, say), so only `OK` tells.
 */
export function authenticatedClient(res: Pick<DeviceAuthorizationResponse, "action" | "clientAuthMethod">): boolean {
  return res.action === "OK" && typeof res.clientAuthMethod === "string" && res.clientAuthMethod !== "NONE";
}

/**
 * The device authorization endpoint's edge policy: requests are budgeted per network (and its
 * wider IPv6 prefixes) and per client before Authlete is asked, so a flood of code requests
 * costs no Authlete call. Every request counts against its networks. A client's own budget
 * keeps only the requests Authlete authenticated that client for: any other request (a wrong
 * secret, none, a malformed request refused before authentication) gives its place back when
 * Authlete has answered, so nobody can spend a client's budget by naming it. A public client
 * (no credentials; anyone can name it) is counted per client and network, so one network
 * cannot spend it for everyone.
 */
export class DeviceAuthorizationGuard {
  constructor(
    private readonly limiter: Limiter,
    private readonly limits: Pick<Limits, `deviceAuthorizationPer${"Ip" | "Ipv6_56" | "Ipv6_48" | "Client"}`>,
  ) {}

  async before(ip: string, client: ClientClaim): Promise<DeviceAuthorizationAdmission> {
    const byNetwork = await attempt(this.limiter, [networkBucket("da-ip", perNetwork(this.limits, "deviceAuthorization"), ip)], true);
    if (byNetwork.refused)
      return {
        refused: tooManyRequests(byNetwork.refused.retryAfter),
        log: { outcome: "rate_limited", reason: "per_ip", limits: byNetwork.refused.limits.join(",") },
      };
    const budget = this.limits.deviceAuthorizationPerClient;
    const byClient = client.credentials
      ? await this.limiter.reserve("da-client", [{ budget, subject: client.clientId }])
      : await this.limiter.reserve("da-client-network", [{ budget, subject: `${client.clientId}\n${networkOf(ip)}` }]);
    if (!byClient.allowed) return { refused: tooManyRequests(byClient.retryAfter), log: { outcome: "rate_limited", reason: "per_client" } };
    return { byClient, credentials: client.credentials };
  }

  /**
   * Authlete's answer: the client's place is kept for a client Authlete authenticated (and, per
   * network, for a public client it issued codes to), and given back for anything else.
   */
  async after(admitted: DeviceAuthorizationAdmission, res: Pick<DeviceAuthorizationResponse, "action" | "clientAuthMethod">): Promise<void> {
    if (admitted.refused) return;
    const counts = admitted.credentials ? authenticatedClient(res) : res.action === "OK";
    await (counts ? admitted.byClient.keep() : admitted.byClient.release());
  }
}
