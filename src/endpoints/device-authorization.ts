import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AuthleteError } from "../authlete/client";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { relay } from "../http/oauth-error";
import { unknownAction } from "../http/upstream-error";
import { log } from "../log";

const API = "/device/authorization";

/** RFC 8628 §3.1/3.2 → Authlete /device/authorization; status and headers per contract §3.3. */
export async function deviceAuthorization(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "device/authorization");
  if (!req.ok) return req.response;
  const res = await c.var.authlete.deviceAuthorization(req.fields);
  log("info", "device_authorization", { requestId: c.var.requestId, action: res.action, clientId: res.clientId });
  const headers = passOnHeaders(res);
  switch (res.action) {
    case "OK":
      if (!res.responseContent || !res.deviceCode || !res.userCode) throw new AuthleteError("malformed", API, "OK without codes");
      return relay(200, res.responseContent, headers);
    case "BAD_REQUEST":
      return relay(400, res.responseContent, headers);
    case "UNAUTHORIZED":
      return relay(401, res.responseContent, { ...headers, "WWW-Authenticate": 'Basic realm="device/authorization"' });
    case "INTERNAL_SERVER_ERROR":
      return relay(500, res.responseContent, headers);
    default:
      throw unknownAction(API, res.action);
  }
}
