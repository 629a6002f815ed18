import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { TokenRequest } from "../authlete/schemas";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { oauthError, relay } from "../http/oauth-error";
import { unknownAction } from "../http/upstream-error";
import { log } from "../log";

const API = "/auth/token";

/**
 * RFC 6749 §3.2 / RFC 8628 §3.4: every grant goes to Authlete /auth/token. Actions that
 * would need an authenticator of our own (ROPC, token exchange, JWT bearer, native SSO)
 * are refused rather than half-implemented.
 */
export async function token(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "token");
  if (!req.ok) return req.response;
  const body: TokenRequest = { ...req.fields };
  const dpop = c.req.header("DPoP");
  if (dpop) {
    const url = new URL(c.req.url);
    // RFC 9449 §4.3: htu is the target URI without query and fragment.
    Object.assign(body, { dpop, htm: "POST", htu: `${url.origin}${url.pathname}` });
  }
  const res = await c.var.authlete.token(body);
  log("info", "token", { requestId: c.var.requestId, action: res.action, grantType: res.grantType ?? req.params.get("grant_type"), clientId: res.clientId });
  const headers = passOnHeaders(res);
  switch (res.action) {
    case "OK":
    case "ID_TOKEN_REISSUABLE": // refresh flow; we do not implement /idtoken/reissue, so it is a plain OK
      return relay(200, res.responseContent, headers);
    case "BAD_REQUEST":
      return relay(400, res.responseContent, headers);
    case "INVALID_CLIENT":
      // RFC 6749 §5.2 requires 401 + WWW-Authenticate when the Authorization header was used; Authlete's own servers always send it.
      return relay(401, res.responseContent, { ...headers, "WWW-Authenticate": 'Basic realm="token"' });
    case "INTERNAL_SERVER_ERROR":
      return relay(500, res.responseContent, headers);
    case "PASSWORD":
    case "TOKEN_EXCHANGE":
    case "JWT_BEARER":
      return oauthError(400, "unsupported_grant_type", "This grant type is not supported by this server.", headers);
    case "NATIVE_SSO":
      return oauthError(400, "invalid_grant", "Native SSO is not supported by this server.", headers);
    default:
      throw unknownAction(API, res.action);
  }
}
