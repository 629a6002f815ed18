import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { NO_STORE, relay } from "../http/oauth-error";
import { unknownAction } from "../http/upstream-error";
import { log } from "../log";

const API = "/auth/revocation";

/** RFC 7009 → Authlete /auth/revocation (§7.4). Unknown tokens are not an error. */
export async function revoke(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "revocation");
  if (!req.ok) return req.response;
  const res = await c.var.authlete.revocation(req.fields);
  log("info", "revocation", { requestId: c.var.requestId, action: res.action });
  const headers = passOnHeaders(res);
  switch (res.action) {
    case "OK":
      // Authlete fills responseContent only for JSONP callbacks; serving script from a
      // token endpoint is a liability, so OK is always an empty 200 (RFC 7009 §2.2).
      return new Response(null, { status: 200, headers: { ...NO_STORE, ...headers } });
    case "BAD_REQUEST":
      return relay(400, res.responseContent, headers);
    case "INVALID_CLIENT":
      return relay(401, res.responseContent, { ...headers, "WWW-Authenticate": 'Basic realm="revocation"' });
    case "INTERNAL_SERVER_ERROR":
      return relay(500, res.responseContent, headers);
    default:
      throw unknownAction(API, res.action);
  }
}
