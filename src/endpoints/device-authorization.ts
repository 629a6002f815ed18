import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AuthleteError } from "../authlete/errors";
import type { DeviceAuthorizationResponse } from "../authlete/schemas";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { placeOf } from "../http/client-place";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { log } from "../log";

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
  const res = await services.authlete.deviceAuthorization(req.fields);
  await services.deviceAuthorization.after(admitted, res.action);
  log("info", "decision", { route: ROUTE, requestId, outcome: res.action, clientId: res.clientId, authlete: true });
  if (res.action === "OK") await remember(c, res, ip);
  return answerAction(API, res, RULES, passOnHeaders(res));
}

const RULES: Record<string, ActionRule> = {
  OK: 200,
  BAD_REQUEST: 400,
  UNAUTHORIZED: { status: 401, challenge: 'Basic realm="device/authorization"' },
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * Written before the device gets its codes, so the first poll and the confirm page find them
 * at this location. Polling state fails open inside PollingGuard; a lost device record only
 * leaves the confirm page without the device's details.
 */
async function remember(c: Context<AppEnv>, res: DeviceAuthorizationResponse, ip: string): Promise<void> {
  if (!res.responseContent || !res.deviceCode || !res.userCode || !res.expiresIn) throw new AuthleteError("malformed", API, "OK without codes or lifetime");
  const { polling, deviceRequests, now } = c.var.services;
  await Promise.all([
    polling.issued(res.deviceCode, res.interval, res.expiresIn),
    deviceRequests
      .save(res.userCode, { ip, ...placeOf(c.req.raw), userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null, requestedAt: now() }, res.expiresIn)
      .catch((err: unknown) => log("warn", "device_request_kv_failure", { requestId: c.var.requestId, detail: String(err) })),
  ]);
}
