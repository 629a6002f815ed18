import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AuthleteError } from "../authlete/errors";
import type { ClientCredentialsFields, DeviceAuthorizationResponse } from "../authlete/schemas";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { placeOf } from "../http/client-place";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { log } from "../log";
import type { ClientClaim } from "../protection/device-authorization";
import { clientFingerprint } from "../protection/polling";

const API = "/device/authorization";
const ROUTE = "/device_authorization";

/** RFC 8628 §3.1/3.2 → Authlete /device/authorization; status and headers per docs/authlete-api.md §3.3. */
export async function deviceAuthorization(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "device/authorization");
  if (!req.ok) return req.response;
  const { services, requestId } = c.var;
  const ip = clientIp(c);
  const admitted = await services.deviceAuthorization.before(ip, clientClaim(req.fields, req.params));
  if (admitted.refused) {
    log("info", "decision", { route: ROUTE, requestId, ...admitted.log, authlete: false });
    return admitted.refused;
  }
  const res = await services.authlete.deviceAuthorization(req.fields);
  await services.deviceAuthorization.after(admitted, res);
  log("info", "decision", { route: ROUTE, requestId, outcome: res.action, clientId: res.clientId, authlete: true });
  if (res.action === "OK") await remember(c, res, ip, await clientFingerprint(services.keyed, req.fields, req.params));
  return answerAction(API, res, RULES, passOnHeaders(res));
}

/** Who the device says it is, and whether it brought anything to prove it (RFC 6749 §2.3: a secret; RFC 7523: an assertion; attestation). */
function clientClaim(fields: ClientCredentialsFields, params: URLSearchParams): ClientClaim {
  return {
    clientId: fields.clientId ?? params.get("client_id") ?? "",
    credentials: Boolean(fields.clientSecret || params.get("client_secret") || params.get("client_assertion") || fields.oauthClientAttestation),
  };
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
 */
async function remember(c: Context<AppEnv>, res: DeviceAuthorizationResponse, ip: string, client: string): Promise<void> {
  if (!res.responseContent || !res.deviceCode || !res.userCode || !res.expiresIn) throw new AuthleteError("malformed", API, "OK without codes or lifetime");
  const { grants, now } = c.var.services;
  const device = { ip, ...placeOf(c.req.raw), userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null, requestedAt: now() };
  await grants
    .issue(res.deviceCode, res.userCode, { device, clientId: res.clientId ?? null, client, interval: res.interval ?? null, expiresIn: res.expiresIn }, now())
    .catch((err: unknown) => log("warn", "grant_unavailable", { op: "issue", requestId: c.var.requestId, detail: String(err) }));
}
