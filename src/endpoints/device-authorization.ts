import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AuthleteError } from "../authlete/errors";
import type { DeviceAuthorizationResponse } from "../authlete/schemas";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { type Place, placeOf } from "../http/client-place";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { log } from "../log";
import { clientFingerprint } from "../protection/polling";

const API = "/device/authorization";
const ROUTE = "/device_authorization";

/** RFC 8628 §3.1/3.2 → Authlete /device/authorization; status and headers per docs/authlete-api.md §3.3. */
export async function deviceAuthorization(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "device/authorization");
  if (!req.ok) return req.response;
  const { services, requestId } = c.var;
  const ip = clientIp(c);
  const admitted = await services.deviceAuthorization.before(ip, req.fields.clientId ?? req.params.get("client_id") ?? "");
  if (admitted.refused) {
    log("info", "decision", { route: ROUTE, requestId, ...admitted.log, authlete: false });
    return admitted.refused;
  }
  // The watch list is asked beside Authlete, so the device does not wait for it; it fails open.
  const place = placeOf(c.req.raw);
  const reportedNetworks = services.reportedNetworks();
  const watched = reportedNetworks.watched({ ip, ...place });
  const listed = watched.then((w) => reportedNetworks.seen(w, { requestId }));
  const res = await services.authlete.deviceAuthorization(req.fields);
  await services.deviceAuthorization.after(admitted, res.action);
  log("info", "decision", { route: ROUTE, requestId, outcome: res.action, clientId: res.clientId, authlete: true });
  if (res.action === "OK") {
    const reportedNetwork = await listed;
    if (reportedNetwork) {
      const codeTag = res.userCode ? await services.keyed.tag("log", res.userCode) : null;
      log("warn", "reported_network_seen", { requestId, clientId: res.clientId ?? null, code: codeTag, ...(await watched).tags });
    }
    await remember(c, res, { ip, ...place, reportedNetwork }, await clientFingerprint(services.keyed, req.fields, req.params));
  }
  return answerAction(API, res, RULES, passOnHeaders(res));
}

const RULES: Record<string, ActionRule> = {
  OK: 200,
  BAD_REQUEST: 400,
  UNAUTHORIZED: { status: 401, challenge: 'Basic realm="device/authorization"' },
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * The grant's object (grant/), created before the device gets its codes, so its first poll and
 * the confirm page find it wherever they come from. A grant that cannot be created fails open:
 * the device still gets its codes, its polls all go to Authlete, and the confirm page, finding
 * no record of the device, shows the stronger warning (or refuses, under a blocking policy).
 * A device that asked from a network on the watch list is marked so in its record: the confirm
 * page warns (or refuses) whoever enters its code.
 */
async function remember(
  c: Context<AppEnv>,
  res: DeviceAuthorizationResponse,
  at: Place & { ip: string; reportedNetwork: boolean },
  client: string,
): Promise<void> {
  if (!res.responseContent || !res.deviceCode || !res.userCode || !res.expiresIn) throw new AuthleteError("malformed", API, "OK without codes or lifetime");
  const { grants, now } = c.var.services;
  const { reportedNetwork, ...place } = at;
  const device = {
    ...place,
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    requestedAt: now(),
    ...(reportedNetwork ? { reportedNetwork: true as const } : {}),
  };
  await grants
    .issue(res.deviceCode, res.userCode, { device, clientId: res.clientId ?? null, client, interval: res.interval ?? null, expiresIn: res.expiresIn }, now())
    .catch((err: unknown) => log("warn", "grant_unavailable", { op: "issue", requestId: c.var.requestId, detail: String(err) }));
}
