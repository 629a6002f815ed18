import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { oauthErrorCode, type TokenRequest } from "../authlete/schemas";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { oauthError, unsupportedGrantType } from "../http/oauth-errors";
import { clientText, log } from "../log";
import { htuOf } from "../protection/dpop";
import { clientFingerprint } from "../protection/polling";

const API = "/auth/token";
const ROUTE = "/token";

/**
 * RFC 6749 §3.2 / RFC 8628 §3.4: every grant goes to Authlete /auth/token, device-code polls
 * through the edge's polling guard on the way in and out (which answers slow_down, and
 * authorization_pending for an undecided grant, itself). Actions that would need an
 * authenticator of our own (ROPC, token exchange, JWT bearer, native SSO) are refused rather
 * than half-implemented.
 */
export async function token(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "token");
  if (!req.ok) return req.response;
  const { services, requestId } = c.var;
  const ip = clientIp(c);

  const fields = withDpop(c, req.fields);
  const admitted = await services.polling.before(req.params, ip, () => clientFingerprint(services.keyed, fields, req.params), {
    header: c.req.header("DPoP"),
    url: c.req.url,
  });
  if (admitted.answered) {
    log("info", "decision", { route: ROUTE, requestId, ...admitted.log, authlete: false });
    return admitted.answered;
  }
  const res = await services.authlete.token(fields);
  await services.polling.after(admitted, res);

  log("info", "decision", {
    route: ROUTE,
    requestId,
    outcome: oauthErrorCode(res) ?? res.action,
    // The client wrote grant_type: anything up to the body's 16 KB when Authlete did not recognise it.
    grantType: clientText(res.grantType ?? req.params.get("grant_type")),
    clientId: res.clientId,
    authlete: true,
  });
  return answerAction(API, res, RULES, passOnHeaders(res));
}

/** RFC 9449 §4.3: Authlete checks the proof against the method and the target URI without query and fragment. */
function withDpop(c: Context<AppEnv>, fields: TokenRequest): TokenRequest {
  const dpop = c.req.header("DPoP");
  if (!dpop) return fields;
  return { ...fields, dpop, htm: "POST", htu: htuOf(c.req.url) ?? c.req.url };
}

const RULES: Record<string, ActionRule> = {
  OK: 200,
  // Refresh flow; we do not implement /idtoken/reissue, so it is a plain OK.
  ID_TOKEN_REISSUABLE: 200,
  BAD_REQUEST: 400,
  // RFC 6749 §5.2 requires 401 + WWW-Authenticate when the Authorization header was used; Authlete's own servers always send it.
  INVALID_CLIENT: { status: 401, challenge: 'Basic realm="token"' },
  INTERNAL_SERVER_ERROR: 500,
  PASSWORD: unsupportedGrantType,
  TOKEN_EXCHANGE: unsupportedGrantType,
  JWT_BEARER: unsupportedGrantType,
  NATIVE_SSO: (headers) => oauthError(400, "invalid_grant", "Native SSO is not supported by this server.", headers),
};
